// VtMonitor: the VT watcher on a GLib main loop; reports the kernel's active VT, debounced.
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>

#include "util/result.h"
#include "vt/vt_device.h"
#include "vt/vt_watcher.h"
#include "vt/watch_mode.h"

namespace ck::vt {

// Lives on the thread whose thread-default GMainContext is current at creation (the daemon's main
// loop). onActiveChanged(vt) is called only when the VT_GETSTATE value differs from the last one
// reported, and only with a value just read from VT_GETSTATE (never a possibly stale event
// payload). After any burst of switches the reported value equals the kernel's within
// ~kReconcileDelayMs: each wake-up re-reads VT_GETSTATE, and a reconcile pass re-reads it
// kReconcileDelayMs after the last wake-up (and again while the watcher is not settled or the pass
// found a change), which catches a switch lost in VT_WAITEVENT's one-shot window.
// The callback must not destroy the monitor.
class VtMonitor {
public:
    using Callback = std::function<void(unsigned vt)>;
    static constexpr unsigned kReconcileDelayMs = 25;
    static constexpr unsigned kMaxDoubtfulPasses = 40; // then wait for the next wake-up

    // Opens devicePath (normally /dev/tty0) once. An error means: run without VT tracking.
    static Result<std::unique_ptr<VtMonitor>> open(
        const std::string& devicePath, WatchMode mode, Callback onActiveChanged);
    // Test seam: any VtDevice.
    static Result<std::unique_ptr<VtMonitor>> create(
        std::unique_ptr<VtDevice> device, WatchMode mode, Callback onActiveChanged);
    ~VtMonitor();
    VtMonitor(const VtMonitor&) = delete;
    VtMonitor& operator=(const VtMonitor&) = delete;

    // The last reported VT (0 if unknown). In None mode: VT_GETSTATE read now.
    unsigned activeVt() const;
    // VT_ACTIVATE; vt must be 1..63 (InvalidInput otherwise). Asynchronous: the callback reports
    // the switch when the kernel has made it.
    Result<void> activate(unsigned vt);
    WatchMode mode() const { return watcher_->mode(); }
    std::size_t threadCount() const { return watcher_->threadCount(); }
    // Whether a reconcile pass is still to come: once none is and no wake-up waits, the monitor
    // reports nothing more by itself (tests wait for that instead of a fixed time).
    bool reconcileScheduled() const { return reconcileSource_ != nullptr; }

private:
    struct SourceDeleter {
        void operator()(GSource* s) const;
    };
    using SourcePtr = std::unique_ptr<GSource, SourceDeleter>;

    VtMonitor(std::unique_ptr<VtDevice> device, Callback onActiveChanged);

    void refresh(bool fromReconcile);
    void scheduleReconcile();
    static gboolean onEventFd(gint fd, GIOCondition condition, gpointer self) noexcept;
    static gboolean onReconcile(gpointer self) noexcept;

    std::unique_ptr<VtDevice> device_;
    std::unique_ptr<VtWatcher> watcher_; // declared after device_: destroyed (joined) first
    Callback onActiveChanged_;
    GMainContext* context_ = nullptr; // owned reference
    SourcePtr eventSource_;
    SourcePtr reconcileSource_;
    unsigned active_ = 0;
    unsigned doubtfulPasses_ = 0;
};

} // namespace ck::vt
