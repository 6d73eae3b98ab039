// A fake device layer for DeviceControl: DeviceOps, VtOps and Sink that write every call, in
// order, into one log ("setMaster card0#1", "PauseDevice :1.1 226:0 force", "reldisp 7").
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "device/device_control.h"

namespace ck::device::test {

class FakeDeviceLayer final : public DeviceOps, public VtOps, public Sink {
public:
    FakeDeviceLayer();
    ~FakeDeviceLayer() override;

    std::vector<std::string> log;
    // Scripted errno values, consumed one per call; 0 or absent means success.
    std::map<std::string, std::deque<int>> setMasterErrors; // by node name ("card0")
    std::map<std::string, int> openErrors;
    bool failPrepare = false;
    std::map<unsigned, std::string> seats; // major -> seat (default seat0)

    // The label of a live fd the model handed out ("card0#1"), "" if unknown.
    std::string label(int fd) const;

    // DeviceOps: 226:N = cardN, 13:64+N = eventN, 240:N = hidrawN, 1:3 = "mem" (unsupported).
    Result<Info> lookup(unsigned major, unsigned minor) override;
    Result<UniqueFd> open(const Info& info) override;
    int setMaster(int fd) override;
    int dropMaster(int fd) override;
    int revoke(int fd, Type type) override;

    // VtOps
    Result<void> prepare(unsigned vt, uid_t owner) override;
    void restore(unsigned vt) override;
    void allowRelease(unsigned vt) override;
    void acknowledgeAcquire(unsigned vt) override;

    // Sink
    void pauseDevice(const std::string& session, const std::string& controller, unsigned major, unsigned minor,
        const char* type) override;
    void resumeDevice(
        const std::string& session, const std::string& controller, unsigned major, unsigned minor, int fd) override;
    void activeChanged(const std::string& session, bool active) override;
    void armPauseTimer(const std::string& session, unsigned ms) override;
    void cancelPauseTimer(const std::string& session) override;
    void pauseCompleted(const std::string& session) override;

private:
    std::map<int, std::string> labels_; // fd -> "card0#1"
    std::map<std::string, unsigned> opens_; // node -> opens so far
};

} // namespace ck::device::test
