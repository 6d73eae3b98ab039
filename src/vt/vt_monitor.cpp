// VtMonitor: eventfd source + burst-reconcile timer on the GLib main loop around a VtWatcher.
#include "vt/vt_monitor.h"

#include <glib-unix.h>

#include <exception>
#include <string>
#include <utility>

#include "util/log.h"

namespace ck::vt {

void VtMonitor::SourceDeleter::operator()(GSource* s) const
{
    g_source_destroy(s);
    g_source_unref(s);
}

VtMonitor::VtMonitor(std::unique_ptr<VtDevice> device, Callback onActiveChanged)
    : device_(std::move(device)),
      onActiveChanged_(std::move(onActiveChanged)),
      context_(g_main_context_ref_thread_default())
{ }

VtMonitor::~VtMonitor()
{
    reconcileSource_.reset();
    eventSource_.reset();
    watcher_.reset(); // joins the threads before the device goes
    g_main_context_unref(context_);
}

Result<std::unique_ptr<VtMonitor>> VtMonitor::open(
    const std::string& devicePath, WatchMode mode, Callback onActiveChanged)
{
    auto device = openConsole(devicePath);
    if (!device)
        return std::move(device).error();
    return create(std::move(device).value(), mode, std::move(onActiveChanged));
}

Result<std::unique_ptr<VtMonitor>> VtMonitor::create(
    std::unique_ptr<VtDevice> device, WatchMode mode, Callback onActiveChanged)
{
    std::unique_ptr<VtMonitor> m(new VtMonitor(std::move(device), std::move(onActiveChanged)));
    auto watcher = VtWatcher::start(*m->device_, mode);
    if (!watcher)
        return std::move(watcher).error();
    m->watcher_ = std::move(watcher).value();
    m->active_ = m->watcher_->takeActiveVt(); // the initial value is not reported as a change

    if (m->watcher_->mode() != WatchMode::None) {
        GSource* source = g_unix_fd_source_new(m->watcher_->eventFd(), G_IO_IN);
        g_source_set_callback(source, G_SOURCE_FUNC(&VtMonitor::onEventFd), m.get(), nullptr);
        g_source_set_name(source, "ck-vt-event");
        g_source_attach(source, m->context_);
        m->eventSource_.reset(source);
        // A switch before the thread(s) first reach their ioctl is reported to nobody: look again
        // once they are armed (the pass repeats until the watcher is settled).
        m->scheduleReconcile();
    }
    return m;
}

unsigned VtMonitor::activeVt() const
{
    if (watcher_->mode() == WatchMode::None) {
        auto r = device_->activeVt();
        return r ? r.value() : 0;
    }
    return active_;
}

Result<void> VtMonitor::activate(unsigned vt)
{
    if (vt < 1 || vt > kMaxVt)
        return Error{ErrorCode::InvalidInput, "VT " + std::to_string(vt) + " is out of range 1..63"};
    return device_->activate(vt);
}

void VtMonitor::refresh(bool fromReconcile)
{
    const unsigned vt = watcher_->takeActiveVt();
    const bool changed = vt != 0 && vt != active_;
    if (changed) {
        if (fromReconcile)
            log::debug("VT monitor: the reconcile pass found VT " + std::to_string(vt));
        active_ = vt;
        if (onActiveChanged_) {
            try {
                onActiveChanged_(vt);
            } catch (const std::exception& e) { // never let it unwind into GLib
                log::error(std::string("VT change handler failed: ") + e.what());
            } catch (...) {
                log::error("VT change handler failed");
            }
        }
    }
    if (!fromReconcile) {
        doubtfulPasses_ = 0;
        scheduleReconcile(); // restart: the pass runs kReconcileDelayMs after the LAST wake-up
    } else if ((changed || !watcher_->settled()) && ++doubtfulPasses_ < kMaxDoubtfulPasses) {
        scheduleReconcile(); // in doubt: look once more (bounded, e.g. if VT_GETSTATE keeps failing)
    }
}

void VtMonitor::scheduleReconcile()
{
    reconcileSource_.reset();
    GSource* source = g_timeout_source_new(kReconcileDelayMs);
    g_source_set_callback(source, &VtMonitor::onReconcile, this, nullptr);
    g_source_set_name(source, "ck-vt-reconcile");
    g_source_attach(source, context_);
    reconcileSource_.reset(source);
}

gboolean VtMonitor::onEventFd(gint, GIOCondition, gpointer self) noexcept
{
    static_cast<VtMonitor*>(self)->refresh(false);
    return G_SOURCE_CONTINUE;
}

gboolean VtMonitor::onReconcile(gpointer self) noexcept
{
    auto* m = static_cast<VtMonitor*>(self);
    // Drop our handle first (GLib holds its own reference while dispatching); refresh() may
    // install a new timer in its place.
    m->reconcileSource_.reset();
    m->refresh(true);
    return G_SOURCE_REMOVE;
}

} // namespace ck::vt
