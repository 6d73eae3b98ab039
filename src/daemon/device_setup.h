// DeviceSetup: session device control in the daemon — the device operations chosen by the
// options, the VT side (when there is a console) with its VT_PROCESS signals read from a
// signalfd on the main loop, and the ConsoleKit adaptor. Its destruction ends all control
// (devices closed, controlled VTs back in text mode and VT_AUTO) before the Service goes.
//
// Restart (issue 13.6): the VTs prepared for controllers are listed in <rundir>/controlled-vts,
// and who controls which devices in <rundir>/controllers (both rewritten atomically when they
// change, before the call that changed them is answered). A daemon that was killed can neither
// restore the VTs nor keep the devices (its fds died with it), so the next one restores every VT
// listed at start-up, before it serves anyone, and once it owns its name sends
// PauseDevice(…, "gone") for every device listed to each controller still on the same bus.
// Decision: control is NOT re-established. Doing so would mean taking control in the
// controller's name without its asking, re-preparing a VT the user may have left meanwhile and
// handing out fds it never requested; "gone" is the documented signal for a device the
// controller will hear no more of (spec section 1), and the controller may then call TakeControl
// and TakeDevice again. So nothing stays in graphics mode or VT_PROCESS without a
// live controller, and no controller keeps believing in devices the daemon no longer holds.
#pragma once

#include <gio/gio.h>

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

    // Restart: PauseDevice(…, "gone") for every device the previous daemon had handed out, to each
    // of its controllers still on the bus. Call once the name is ours and before the main loop
    // runs: clients match the signal by the name's owner, and no call may take control first.
    void tellPreviousControllers();

private:
    class RecordedVts;
    static gboolean onSignal(gint fd, GIOCondition condition, gpointer self) noexcept;
    void writeControllers();

    std::unique_ptr<device::DeviceOps> ops_;
    std::unique_ptr<device::ConsoleVtOps> console_;
    std::unique_ptr<RecordedVts> vts_;
    std::unique_ptr<bus::SessionDevices> adaptor_; // after ops_ and vts_: destroyed first
    int signalFd_ = -1;
    guint signalSource_ = 0;
    std::string busId_;
    std::string controllersFile_;
    std::string controllersWritten_; // the last content written or tried
    std::string previousControllers_; // the file as the previous daemon left it
    GDBusConnection* connection_ = nullptr; // the service's
};

} // namespace ck::daemon
