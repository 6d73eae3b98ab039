// Runs the run-session.d / run-seat.d hook programs one after another, without blocking.
#pragma once

#include <glib.h>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/records.h"

namespace ck::state {

enum class HookKind { Session, Seat };

struct HookRunnerConfig {
    // Searched in this order; within a directory, programs run in sorted name order.
    std::vector<std::string> sessionDirs;
    std::vector<std::string> seatDirs;
    unsigned timeoutMs = 15000; // then SIGTERM …
    unsigned killGraceMs = 2000; // … and SIGKILL if it is still there after this
};

// $confdir/run-{session,seat}.d, then $libdir/ConsoleKit/run-{session,seat}.d.
HookRunnerConfig defaultHookRunnerConfig();

// CK_SESSION_* for the session actions (session_added, session_removed), spec §7.4.
std::vector<std::string> sessionHookEnv(const SessionRecord& session);
// CK_SEAT_ID and, for seat_active_session_changed, CK_SEAT_OLD_SESSION_* (oldSession) and
// CK_SEAT_SESSION_* (newSession); either session may be null.
std::vector<std::string> seatHookEnv(
    std::string_view seatId, const SessionRecord* oldSession, const SessionRecord* newSession);

// Every `*.ck` entry of the configured directories runs as `<program> <action>` with the
// daemon's environment plus `env` ("KEY=VALUE" items). Programs run strictly one after
// another in a FIFO (so hooks see events in order) but asynchronously: the daemon's main loop
// keeps serving while a hook runs, and is never re-entered (ConsoleKit spun a nested loop).
// A program that runs past the timeout gets SIGTERM, then SIGKILL; a failure is a warning.
// Each hook runs in its own process group so the signals reach its children too.
class HookRunner {
public:
    // Sources are attached to `context` (nullptr: the global default context).
    explicit HookRunner(HookRunnerConfig config, GMainContext* context = nullptr);
    ~HookRunner(); // kills (SIGKILL) and reaps a running hook, drops the queue
    HookRunner(const HookRunner&) = delete;
    HookRunner& operator=(const HookRunner&) = delete;

    void run(HookKind kind, std::string action, std::vector<std::string> env);
    // The same for programs found earlier with programs() (a caller that defers the run).
    void run(std::vector<std::string> programs, std::string action, std::vector<std::string> env);
    // What run(kind, …) would run now, in order.
    std::vector<std::string> programs(HookKind kind) const;
    bool hasPrograms(HookKind kind) const { return !programs(kind).empty(); }
    // Programs queued or running.
    std::size_t pending() const noexcept { return queue_.size() + (running_ ? 1 : 0); }

private:
    struct SourceDeleter {
        void operator()(GSource* s) const noexcept
        {
            g_source_destroy(s);
            g_source_unref(s);
        }
    };
    using SourcePtr = std::unique_ptr<GSource, SourceDeleter>;

    struct Job {
        std::string program;
        std::string action;
        std::shared_ptr<const std::vector<std::string>> env; // shared by the event's programs
    };
    struct Running {
        Job job;
        GPid pid = 0;
        SourcePtr watch;
        SourcePtr timer;
        bool terminated = false; // SIGTERM sent
        bool killed = false; // SIGKILL sent
    };

    void startNext();
    bool spawn(Job job);
    void armTimer(unsigned ms);
    void onChildExited(int waitStatus);
    void onTimer();
    static void childExitedThunk(GPid pid, gint waitStatus, gpointer self) noexcept;
    static gboolean timerThunk(gpointer self) noexcept;

    HookRunnerConfig config_;
    GMainContext* context_;
    std::deque<Job> queue_;
    std::optional<Running> running_;
};

} // namespace ck::state
