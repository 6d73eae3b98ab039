// Recorder: keeps the files others read (database, history, hooks) and the daemon's own restart
// state in step with the model.
//  - The restart state is written once per main-loop batch of changes (group commit; StateFiles
//    appends what changed): a reply that creates or ends a session waits for the write that
//    includes it, so what a client was told survives a crash of the daemon.
//  - The database is rewritten whole, in the same commit when the last rewrite is 50 ms old or
//    more, else when those 50 ms are over: during a burst of logins it trails by at most that.
//  - Hooks run once the database shows their event; history lines are written at once.
//  - A write that fails (full or read-only /run) is retried on a timer (200 ms, doubling up to
//    2 s) until it succeeds, so both files catch up with what is open once space returns, with
//    no further change needed. Meanwhile the last good files stay in place.
//  - A reply held for a restart-state write that failed is sent anyway, right after the failed
//    attempt: the session was opened (or closed) and works; refusing a login because /run is full
//    would lock users out for a file that only matters if the daemon also dies before the retry
//    succeeds. Only that window is at risk, and the warning in the log says so. (Hooks waiting
//    for a database write that failed run too: they must not queue up without bound.)
#pragma once

#include <glib.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/manager.h"
#include "daemon/state_files.h"
#include "state/history.h"
#include "state/hooks.h"
#include "util/typed_signal.h"

namespace ck::daemon {

struct RecorderPaths {
    std::string database; // <rundir>/database
    std::string state; // <rundir>/state
    std::string history; // <logdir>/history
};

// Monotonic microseconds, as g_get_monotonic_time(): the database interval is measured with it.
// Tests pass their own, so that "50 ms later" does not depend on how fast the run is.
using MonotonicClock = std::function<gint64()>;

class Recorder {
public:
    Recorder(core::Manager& manager, RecorderPaths paths, state::HookRunnerConfig hooks,
        MonotonicClock clock = &g_get_monotonic_time);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // While muted (restoring sessions after a restart) model events write no history and run no hooks.
    void setMuted(bool muted) { muted_ = muted; }
    // Writes the restart state now if anything changed, then runs what waited; the database follows
    // (now, or when its interval is over).
    void commit();
    // commit() and the database now (at exit; tests).
    void flush();
    // Runs `then` after the next write (which includes every change made so far). All calls of
    // one main-loop batch share one write; a long queue is written at once.
    void commitThen(std::function<void()> then);
    // For events that are not model changes (power actions, sessions found dead at restart).
    void logEvent(const state::HistoryEvent& event) { history_.append(event); }
    state::HistoryWriter& history() { return history_; }
    // Hook programs waiting for the database, queued or running (the daemon's stop waits for them).
    std::size_t hooksPending() const noexcept { return hooksAfterDatabase_.size() + hooks_.pending(); }

private:
    void changed();
    void scheduleTrim();
    void scheduleDatabase();
    void scheduleRetry();
    void retry();
    void writeDatabase();
    template <typename MakeEnv>
    void runHook(state::HookKind kind, const char* action, MakeEnv makeEnv, state::HookOrigin origin = {});
    void connect();
    void ownDynamicSeat(const std::string& seatId, uid_t uid);

    struct PendingHook {
        std::vector<std::string> programs;
        std::string action;
        std::vector<std::string> env;
        state::HookOrigin origin;
    };

    core::Manager& manager_;
    MonotonicClock clock_;
    RecorderPaths paths_;
    StateFiles files_;
    state::HistoryWriter history_;
    state::HookRunner hooks_;
    std::vector<Connection> connections_;
    std::vector<std::function<void()>> waiting_;
    std::vector<PendingHook> hooksAfterDatabase_;
    std::unordered_map<std::string, uid_t> dynamicSeatOwners_; // seat id → the user whose session brought it
    guint idle_ = 0;
    guint databaseTimer_ = 0;
    gint64 lastDatabaseWrite_ = 0; // monotonic, microseconds
    bool muted_ = false;
    bool trimAfterCommit_ = false;
    guint trim_ = 0;
    guint retry_ = 0;
    guint retryDelayMs_ = 0; // of the next retry; 0: none failed
};

} // namespace ck::daemon
