// Idle hints of text sessions: a session on a tty or pty (no X display) is idle once its device
// has not been read or written for a threshold. The kernel stamps a tty's atime/mtime on I/O
// (coarsely: only when the time changed in more than its lowest 3 bits, i.e. about every 8 s),
// a timer looks at them; while the session is idle an inotify watch (IN_ACCESS|IN_MODIFY)
// clears the hint at the first keystroke. Graphical sessions are left to SetIdleHint.
#pragma once

#include <glib.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/glib_ptr.h"
#include "core/manager.h"
#include "util/timestamps.h"
#include "util/typed_signal.h"
#include "util/unique_fd.h"

namespace ck::power {

// x11-display and x11-display-device empty, display-device a tty, pty or the console.
bool isTextSession(const core::SessionParams& params);

class TtyIdleMonitors {
public:
    TtyIdleMonitors(core::Manager& manager, std::chrono::milliseconds threshold);
    ~TtyIdleMonitors();
    TtyIdleMonitors(const TtyIdleMonitors&) = delete;
    TtyIdleMonitors& operator=(const TtyIdleMonitors&) = delete;

    // Monitors that are running (a monitor whose device vanished has stopped).
    std::size_t running() const;
    // Checks waiting for the timer, and whether the timer is armed: with none of either, no check
    // can run any more (tests show that without waiting for one that must not come).
    std::size_t pendingChecks() const noexcept { return schedule_.size(); }
    bool timerArmed() const noexcept { return timer_.get() != 0; }

private:
    struct Monitor;
    using Schedule = std::multimap<Microseconds, Monitor*>; // monotonic due time → monitor
    static gboolean onTimer(gpointer data) noexcept;
    static gboolean onInotify(gint fd, GIOCondition condition, gpointer data) noexcept;

    void sessionAdded(core::Session& session);
    void sessionRemoved(core::Session& session);
    void check(Monitor& m);
    void activity(Monitor& m);
    void arm(Monitor& m, Microseconds delay); // check again after `delay`
    void unschedule(Monitor& m);
    void rearm(); // the one timer, for the earliest check
    bool watch(Monitor& m);
    void unwatch(Monitor& m);
    void stop(Monitor& m);
    bool ensureInotify();

    core::Manager& manager_;
    Microseconds threshold_;
    UniqueFd inotify_;
    bus::SourceId inotifySource_;
    std::map<core::Session*, std::unique_ptr<Monitor>> monitors_;
    Schedule schedule_;
    bus::SourceId timer_;
    std::vector<Connection> connections_;
};

} // namespace ck::power
