// SessionDevices: the ConsoleKit Session methods of device control (CanControlSession,
// TakeControl, ReleaseControl, TakeDevice, ReleaseDevice, PauseDeviceComplete) and their signals
// (PauseDevice and ResumeDevice unicast to the controller, ResumeDevice with its fd), a thin
// adaptor over device::DeviceControl, which it owns. Destroying it ends all control (devices
// closed, VTs restored).
#pragma once

#include <gio/gio.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/glib_ptr.h"
#include "bus/service.h"
#include "device/device_control.h"

namespace ck::bus {

class SessionDevices final : public DeviceHandler, public device::Sink {
public:
    // `ops` and `vts` (may be null: no VTs) must outlive this object.
    SessionDevices(Service& service, core::Manager& manager, device::DeviceOps& ops, device::VtOps* vts);
    ~SessionDevices() override;
    SessionDevices(const SessionDevices&) = delete;
    SessionDevices& operator=(const SessionDevices&) = delete;

    device::DeviceControl& control() { return control_; }
    // Called whenever who controls which devices may have changed; after a call, before its
    // reply, so that a daemon killed right after the reply leaves an up-to-date record.
    void setChangeHook(std::function<void()> hook) { changed_ = std::move(hook); }

    // DeviceHandler
    void handle(const std::string& method, core::Session& session, const std::string& sender, const Caller& caller,
        GVariant* parameters, PendingReply& reply) override;
    void sessionActiveChanged(core::Session& session, bool active) override;

    // device::Sink
    void pauseDevice(const std::string& session, const std::string& controller, unsigned major, unsigned minor,
        const char* type) override;
    void resumeDevice(
        const std::string& session, const std::string& controller, unsigned major, unsigned minor, int fd) override;
    void activeChanged(const std::string& session, bool active) override;
    void armPauseTimer(const std::string& session, unsigned ms) override;
    void cancelPauseTimer(const std::string& session) override;
    void pauseCompleted(const std::string& session) override;

private:
    void recordChange()
    {
        if (changed_)
            changed_();
    }
    device::SessionInfo infoOf(const core::Session& session) const;
    // The controller may have left the bus before TakeControl was handled: ask the bus.
    void checkStillThere(const std::string& name);

    Service& service_;
    core::Manager& manager_;
    device::DeviceControl control_;
    std::map<std::string, SourceId> pauseTimers_;
    std::function<void()> changed_;
    std::vector<Connection> connections_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck::bus
