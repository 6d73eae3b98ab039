// TTY idle monitors: stat + timer while active, inotify while idle. One inotify instance serves
// every monitor (the per-user limit on inotify instances is small), and one timer: the monitors
// wait in a schedule ordered by due time (1000 text sessions are not 1000 GSources in the main
// context, whose source table would grow with a burst of logins and shrink after it).
#include "power/idle_monitor.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <glib-unix.h>

#include "bus/glib_ptr.h"
#include "util/log.h"

namespace ck::power {

struct TtyIdleMonitors::Monitor {
    core::Session* session = nullptr;
    std::string device;
    Schedule::iterator due; // schedule_.end(): no check pending
    int wd = -1;
    Microseconds lastEvent = 0; // last inotify event: finer than the tty's 8-second timestamps
    bool stopped = false;
};

bool isTextSession(const core::SessionParams& p)
{
    if (!p.x11Display.empty() || !p.x11DisplayDevice.empty())
        return false;
    const std::string& d = p.displayDevice;
    // "/dev/tty" alone is the caller's controlling terminal, not a device of its own.
    return (d.starts_with("/dev/tty") && d.size() > 8) || (d.starts_with("/dev/pts/") && d.size() > 9)
        || d == "/dev/console";
}

TtyIdleMonitors::TtyIdleMonitors(core::Manager& manager, std::chrono::milliseconds threshold)
    : manager_(manager), threshold_(std::chrono::duration_cast<std::chrono::microseconds>(threshold).count())
{
    connections_.push_back(manager_.sessionAdded.connect([this](core::Session& s) { sessionAdded(s); }));
    connections_.push_back(manager_.sessionRemoved.connect([this](core::Session& s) { sessionRemoved(s); }));
}

TtyIdleMonitors::~TtyIdleMonitors()
{
    timer_.reset();
    schedule_.clear();
    monitors_.clear();
    inotifySource_.reset();
}

std::size_t TtyIdleMonitors::running() const
{
    return static_cast<std::size_t>(
        std::count_if(monitors_.begin(), monitors_.end(), [](const auto& e) { return !e.second->stopped; }));
}

void TtyIdleMonitors::sessionAdded(core::Session& session)
{
    if (!isTextSession(session.params()))
        return;
    auto m = std::make_unique<Monitor>();
    m->session = &session;
    m->due = schedule_.end();
    m->device = session.params().displayDevice;
    Monitor& ref = *m;
    monitors_[&session] = std::move(m);
    log::debug("idle monitor for " + session.id() + " on " + ref.device);
    check(ref);
}

void TtyIdleMonitors::sessionRemoved(core::Session& session)
{
    auto it = monitors_.find(&session);
    if (it == monitors_.end())
        return;
    unschedule(*it->second);
    unwatch(*it->second);
    monitors_.erase(it);
}

bool TtyIdleMonitors::ensureInotify()
{
    if (inotify_)
        return true;
    inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_) {
        log::debug(std::string("inotify unavailable, idle monitors poll: ") + std::strerror(errno));
        return false;
    }
    inotifySource_ = bus::SourceId(g_unix_fd_add(inotify_.get(), G_IO_IN, &TtyIdleMonitors::onInotify, this));
    return true;
}

bool TtyIdleMonitors::watch(Monitor& m)
{
    if (m.wd >= 0)
        return true;
    if (!ensureInotify())
        return false;
    // Watches on one inode share a wd; the mask is the same for all of them.
    m.wd = ::inotify_add_watch(inotify_.get(), m.device.c_str(), IN_ACCESS | IN_MODIFY);
    if (m.wd < 0) {
        log::debug("cannot watch " + m.device + ": " + std::strerror(errno));
        return false;
    }
    return true;
}

void TtyIdleMonitors::unwatch(Monitor& m)
{
    if (m.wd < 0)
        return;
    const int wd = std::exchange(m.wd, -1);
    const bool shared
        = std::any_of(monitors_.begin(), monitors_.end(), [wd](const auto& e) { return e.second->wd == wd; });
    if (!shared)
        ::inotify_rm_watch(inotify_.get(), wd);
}

void TtyIdleMonitors::arm(Monitor& m, Microseconds delay)
{
    unschedule(m);
    m.due = schedule_.emplace(g_get_monotonic_time() + std::max<Microseconds>(delay, 0), &m);
    if (m.due == schedule_.begin())
        rearm(); // the earliest check changed
}

void TtyIdleMonitors::unschedule(Monitor& m)
{
    if (m.due == schedule_.end())
        return;
    schedule_.erase(std::exchange(m.due, schedule_.end()));
    if (schedule_.empty())
        timer_.reset();
}

void TtyIdleMonitors::rearm()
{
    timer_.reset();
    if (schedule_.empty())
        return;
    const Microseconds wait = schedule_.begin()->first - g_get_monotonic_time();
    const auto ms = static_cast<guint>(std::max<Microseconds>(wait / 1000, 0) + 1); // round up
    timer_ = bus::SourceId(g_timeout_add(ms, &TtyIdleMonitors::onTimer, this));
}

void TtyIdleMonitors::stop(Monitor& m)
{
    unschedule(m);
    unwatch(m);
    m.stopped = true;
}

gboolean TtyIdleMonitors::onTimer(gpointer data) noexcept
{
    auto* self = static_cast<TtyIdleMonitors*>(data);
    self->timer_.forget(); // this source ends now; rearm() adds one for the next check
    // Take every monitor that is due, then check them: a check reschedules its monitor.
    const Microseconds now = g_get_monotonic_time();
    std::vector<core::Session*> due;
    while (!self->schedule_.empty() && self->schedule_.begin()->first <= now) {
        Monitor* m = self->schedule_.begin()->second;
        self->schedule_.erase(std::exchange(m->due, self->schedule_.end()));
        due.push_back(m->session);
    }
    for (core::Session* s : due) {
        auto it = self->monitors_.find(s); // still there: a check changes hints, it closes nothing
        if (it != self->monitors_.end())
            self->check(*it->second);
    }
    self->rearm();
    return G_SOURCE_REMOVE;
}

void TtyIdleMonitors::check(Monitor& m)
{
    struct stat st { };
    if (::stat(m.device.c_str(), &st) != 0) {
        // Device gone (pty closed): nothing left to watch. Every path out of here leaves either
        // a timer, a watch or a stopped monitor — never a monitor that silently stops ticking.
        log::debug(
            "idle monitor for " + m.session->id() + " stops: cannot stat " + m.device + ": " + std::strerror(errno));
        stop(m);
        return;
    }
    const Microseconds now = realtimeNow();
    auto micros = [](const timespec& t) { return Microseconds(t.tv_sec) * 1000000 + t.tv_nsec / 1000; };
    Microseconds last = std::max({micros(st.st_atim), micros(st.st_mtim), m.lastEvent});
    last = std::min(last, now);
    const Microseconds elapsed = now - last;
    if (elapsed >= threshold_) {
        manager_.setIdleHint(*m.session, true);
        if (!watch(m))
            arm(m, threshold_); // no inotify: look again after another threshold
    } else {
        manager_.setIdleHint(*m.session, false);
        arm(m, threshold_ - elapsed);
    }
}

void TtyIdleMonitors::activity(Monitor& m)
{
    m.lastEvent = realtimeNow();
    // Only idle sessions are watched: one event is enough, the timer takes over again.
    unwatch(m);
    manager_.setIdleHint(*m.session, false);
    arm(m, threshold_);
}

gboolean TtyIdleMonitors::onInotify(gint fd, GIOCondition, gpointer data) noexcept
{
    auto* self = static_cast<TtyIdleMonitors*>(data);
    alignas(inotify_event) char buf[4096];
    std::vector<int> active, ignored;
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0)
            break; // EAGAIN: drained
        for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            if (ev->mask & IN_IGNORED)
                ignored.push_back(ev->wd);
            else if (ev->mask & (IN_ACCESS | IN_MODIFY))
                active.push_back(ev->wd);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
    }
    // Collect first, act after: activity() and check() change watches and may stop monitors.
    std::vector<Monitor*> touched, lost;
    for (auto& [session, m] : self->monitors_) {
        if (m->wd < 0)
            continue;
        if (std::find(ignored.begin(), ignored.end(), m->wd) != ignored.end())
            lost.push_back(m.get());
        else if (std::find(active.begin(), active.end(), m->wd) != active.end())
            touched.push_back(m.get());
    }
    for (Monitor* m : lost) {
        m->wd = -1; // the kernel dropped the watch (device deleted); stat tells the rest
        self->check(*m);
    }
    for (Monitor* m : touched)
        self->activity(*m);
    return G_SOURCE_CONTINUE;
}

} // namespace ck::power
