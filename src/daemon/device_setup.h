// DeviceSetup: session device control in the daemon — the device operations chosen by the
// options, the VT side (when there is a console) with its VT_PROCESS signals read from a
// signalfd on the main loop, and the ConsoleKit adaptor. Its destruction ends all control
// (devices closed, controlled VTs back in text mode and VT_AUTO) before the Service goes.
//
// Restart: the VTs prepared for controllers are listed in <rundir>/controlled-vts (rewritten
// atomically whenever the list changes). A daemon that was killed cannot restore them itself, so
// the next one restores every VT listed there at start-up, before it serves anyone.
#pragma once

#include <glib.h>

#include <memory>
#include <string>

#include "daemon/options.h"

namespace ck::bus {
class Service;
class SessionDevices;
} // namespace ck::bus
namespace ck::core {
class Manager;
}
namespace ck::device {
class DeviceOps;
class ConsoleVtOps;
} // namespace ck::device

namespace ck::daemon {

class DeviceSetup {
public:
    // Blocks the VT_PROCESS signals in the calling thread: call first thing, before any thread
    // (GDBus, VT watcher) exists, so that every thread inherits the mask.
    static void blockVtSignals();

    DeviceSetup(const Options& options, bus::Service& service, core::Manager& manager);
    ~DeviceSetup();
    DeviceSetup(const DeviceSetup&) = delete;
    DeviceSetup& operator=(const DeviceSetup&) = delete;

private:
    class RecordedVts;
    static gboolean onSignal(gint fd, GIOCondition condition, gpointer self);

    std::unique_ptr<device::DeviceOps> ops_;
    std::unique_ptr<device::ConsoleVtOps> console_;
    std::unique_ptr<RecordedVts> vts_;
    std::unique_ptr<bus::SessionDevices> adaptor_; // after ops_ and vts_: destroyed first
    int signalFd_ = -1;
    guint signalSource_ = 0;
};

} // namespace ck::daemon
