// DeviceControl: session device control without D-Bus — who controls which session, the devices
// it took and their state, and the rules of spec/device-control.md §7 and §14. It is fed with
// events (method calls, VT release/acquire, the controller's name vanishing, the session closing
// or changing activity, a device going away) and acts in a fixed order: ioctls through DeviceOps
// and VtOps, then signals through Sink. Both dialects (ConsoleKit now, login1 later) call it.
//
// Ordering (logind's, which the spec recommends): every ioctl of a step before its signals;
// PauseDevice before the session is reported inactive, ResumeDevice after it is reported active;
// VT_RELDISP(1) last on a VT release, and at once (VT switches never wait for the controller).
// Loss of control (release, controller gone, session closed, shutdown) stops and closes every
// device without signals and restores the VT.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "device/device_ops.h"
#include "device/vt_ops.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::device {

inline constexpr std::size_t kMaxDevicesPerSession = 128;
inline constexpr unsigned kPauseTimeoutMs = 3000; // the "pause" protocol's grace (ConsoleKit2's value)

// Where signals go. `controller` is the destination (unique bus name): these signals are unicast.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void pauseDevice(
        const std::string& session, const std::string& controller, unsigned major, unsigned minor, const char* type)
        = 0; // "pause", "force", "gone"
    // `fd` is borrowed: the daemon keeps it, the sink passes a duplicate.
    virtual void resumeDevice(
        const std::string& session, const std::string& controller, unsigned major, unsigned minor, int fd)
        = 0;
    // Only for a switch away and back that the seat never reported (the controller must still see
    // active=false, then true, around the pause and resume). Normal changes come from the seat.
    virtual void activeChanged(const std::string& session, bool active) = 0;
    virtual void armPauseTimer(const std::string& session, unsigned ms) = 0;
    virtual void cancelPauseTimer(const std::string& session) = 0;
    // Every device of a requestPause() is paused (answered, released or forced): switch now.
    virtual void pauseCompleted(const std::string& session) = 0;
};

// What the model needs to know of a session, from the session model.
struct SessionInfo {
    std::string id;
    uid_t owner = 0;
    std::string seat; // seat name ("seat0"); empty when the session has no seat
    unsigned vtnr = 0; // 0: no VT
    bool active = false;
};

enum class DeviceState { Active, Paused, PendingPause };
const char* deviceStateName(DeviceState state);

struct TakenDevice {
    int fd = -1; // borrowed: the daemon's own copy; pass a duplicate
    bool inactive = false;
};

class DeviceControl {
public:
    DeviceControl(DeviceOps& devices, VtOps* vts, Sink& sink);
    ~DeviceControl(); // shutdown(): nothing stays in graphics mode or VT_PROCESS
    DeviceControl(const DeviceControl&) = delete;
    DeviceControl& operator=(const DeviceControl&) = delete;

    // --- calls ---------------------------------------------------------------------------------
    Result<void> takeControl(const SessionInfo& session, const std::string& sender, uid_t callerUid, bool force);
    Result<void> releaseControl(const std::string& session, const std::string& sender);
    Result<TakenDevice> takeDevice(
        const std::string& session, const std::string& sender, unsigned major, unsigned minor);
    Result<void> releaseDevice(const std::string& session, const std::string& sender, unsigned major, unsigned minor);
    Result<void> pauseDeviceComplete(
        const std::string& session, const std::string& sender, unsigned major, unsigned minor);

    // --- events --------------------------------------------------------------------------------
    // A unique bus name left the bus: every session it controlled loses control.
    void nameVanished(const std::string& name);
    void sessionClosed(const std::string& session);
    // The seat's view of the session changed. Called for `false` BEFORE the change is announced
    // (devices are paused first) and for `true` AFTER it (devices resume after).
    void sessionActiveChanged(const std::string& session, bool active);
    // Another session is to become active on a seat without VTs: ask the controller ("pause"),
    // give it kPauseTimeoutMs. Returns true when nothing is left to wait for.
    bool requestPause(const std::string& session);
    void pauseTimerFired(const std::string& session);
    // VT_PROCESS release signal; `foregroundVt` is VT_GETSTATE's v_active, the VT being left.
    void vtRelease(unsigned foregroundVt);
    // VT_PROCESS acquire signal; `foregroundVt` is the VT just entered.
    void vtAcquire(unsigned foregroundVt);
    // The device was unplugged: PauseDevice("gone") to its controller, then it is forgotten.
    void deviceRemoved(unsigned major, unsigned minor);
    // The daemon stops: every controlled session loses control.
    void shutdown();

    // --- queries -------------------------------------------------------------------------------
    bool isControlled(const std::string& session) const;
    std::string controllerOf(const std::string& session) const; // "" if none
    // VTs currently prepared for a controller (for the restart state).
    std::vector<unsigned> preparedVts() const;
    // Who controls what, for the restart state: a daemon that died cannot tell its controllers,
    // the next one tells them their devices are gone.
    struct Record {
        std::string session;
        std::string controller;
        std::vector<std::pair<unsigned, unsigned>> devices; // (major, minor)
    };
    std::vector<Record> records() const;
    std::size_t deviceCount(const std::string& session) const;
    // State of a taken device; Error if not taken.
    Result<DeviceState> deviceState(const std::string& session, unsigned major, unsigned minor) const;

private:
    struct Device;
    struct Controlled;

    Controlled* find(const std::string& session);
    const Controlled* find(const std::string& session) const;
    Result<Controlled*> controllerCall(const std::string& session, const std::string& sender, const char* what);
    void endControl(const std::string& session); // silent release + VT restore
    void stop(Device& d);
    bool start(Device& d);
    void pauseAll(Controlled& c, const char* type);
    void resumeAll(Controlled& c);
    void maybeCompletePause(Controlled& c);
    // ReleaseDevice (`release`: the device is closed too) and PauseDeviceComplete: the device is
    // stopped (master dropped, input revoked) unless it is paused already.
    Result<void> stopTaken(const std::string& session, const std::string& sender, unsigned major, unsigned minor,
        const char* what, bool release);

    DeviceOps& devices_;
    VtOps* vts_;
    Sink& sink_;
    std::map<std::string, std::unique_ptr<Controlled>> controlled_;
};

} // namespace ck::device
