// Runs the run-session.d / run-seat.d hook programs without blocking: bounded queues, one per
// user, taking turns.
#pragma once

#include <glib.h>
#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "state/records.h"
#include "state/supervised_child.h"

namespace ck::state {

enum class HookKind { Session, Seat };

// How much may wait, and how much may run at once. A hook program that hangs holds one slot for
// at most timeoutMs + killGraceMs.
struct HookQueueLimits {
    std::size_t perUser = 64; // events one uid (or the seat queue) may have waiting
    std::size_t total = 1024; // events waiting in all
    unsigned parallel = 4; // programs running at once; never two of one queue
};

struct HookRunnerConfig {
    HookRunnerConfig() = default;
    // The directories and the timeouts; the queue limits and the output bound keep their defaults.
    HookRunnerConfig(std::vector<std::string> session, std::vector<std::string> seat, unsigned timeout = 15000,
        unsigned killGrace = 2000)
        : sessionDirs(std::move(session)), seatDirs(std::move(seat)), timeoutMs(timeout), killGraceMs(killGrace)
    { }

    // Searched in this order; within a directory, programs run in sorted name order.
    std::vector<std::string> sessionDirs;
    std::vector<std::string> seatDirs;
    unsigned timeoutMs = 15000; // then SIGTERM to its process group …
    unsigned killGraceMs = 2000; // … and SIGKILL if it is still there after this
    std::size_t maxOutputBytes = 64 * 1024; // stdout+stderr of one run; past this it is killed
    HookQueueLimits queue;
};

// $confdir/run-{session,seat}.d, then $libdir/ConsoleKit/run-{session,seat}.d.
HookRunnerConfig defaultHookRunnerConfig();

// Every value of a hook environment is cut to this many bytes: the environment of a queued
// event is small whatever a session's fields hold.
inline constexpr std::size_t kMaxHookValue = 256;

// CK_SESSION_* for the session actions (session_added, session_removed), spec §7.4.
std::vector<std::string> sessionHookEnv(const SessionRecord& session);
// CK_SEAT_ID and, for seat_active_session_changed, CK_SEAT_OLD_SESSION_* (oldSession) and
// CK_SEAT_SESSION_* (newSession); either session may be null.
std::vector<std::string> seatHookEnv(
    std::string_view seatId, const SessionRecord* oldSession, const SessionRecord* newSession);

// Whose event it is. Session events carry the session's id and user, and so do the events of
// the dynamic seat a session brought: they wait in that user's queue, and an X_removed cancels
// the X_added of the same session or seat that has not started yet. Other seat events (no uid)
// wait in the seat queue.
struct HookOrigin {
    std::string key; // the session's or seat's id
    std::optional<uid_t> uid;
};

// Every `*.ck` entry of the configured directories runs as `<program> <action>` with the
// daemon's environment plus `env` ("KEY=VALUE" items), built when the program starts.
//
// Scheduling (issue 18.5: one user's 400 logins held another user's login hook up for 821 s):
//  - One queue per uid, one for seat events. Within a queue, events and the programs of an
//    event run strictly one after another, in order: a session's hooks see its events in order.
//    Across queues there is no order (a seat event may run beside a session event).
//  - Up to `parallel` programs run at once, each from a different queue, queues taking turns
//    program by program: a user's backlog costs another user at most one program's turn.
//  - A queue holds `perUser` events, all queues `total`; an event past that is dropped with a
//    warning. A session_removed is never dropped when its session_added ran (or runs): the
//    hook must learn that the session ended. One whose session_added was dropped is dropped too.
//    (The same for seat_added/seat_removed.)
//  - A session that opened and closed before its session_added started runs neither hook (the
//    pair is coalesced away): the hooks never saw the session, so there is nothing to undo.
//    The same for a dynamic seat's seat_added/seat_removed.
// Each program runs as a SupervisedChild: bounded in time (SIGTERM, then SIGKILL, to its whole
// process group) and output, and whatever it left running in its group is killed. A failure
// is a warning. The main loop keeps serving while hooks run and is never re-entered
// (ConsoleKit spun a nested loop).
class HookRunner {
public:
    // Sources are attached to `context` (nullptr: the global default context).
    explicit HookRunner(HookRunnerConfig config, GMainContext* context = nullptr);
    ~HookRunner(); // kills (SIGKILL) and reaps the running hooks, drops the queues
    HookRunner(const HookRunner&) = delete;
    HookRunner& operator=(const HookRunner&) = delete;

    void run(HookKind kind, std::string action, std::vector<std::string> env, HookOrigin origin = {});
    // The same for programs found earlier with programs() (a caller that defers the run).
    void run(
        std::vector<std::string> programs, std::string action, std::vector<std::string> env, HookOrigin origin = {});
    // What run(kind, …) would run now, in order.
    std::vector<std::string> programs(HookKind kind) const;
    bool hasPrograms(HookKind kind) const { return !programs(kind).empty(); }
    // Events waiting or running.
    std::size_t pending() const noexcept { return queued_; }
    // Programs running now.
    std::size_t running() const noexcept { return running_; }
    // Events dropped because a queue was full, and pairs coalesced away, since the start.
    std::size_t dropped() const noexcept { return dropped_; }
    std::size_t coalesced() const noexcept { return coalesced_; }

private:
    using QueueKey = long long; // a uid, or kSeatQueue
    static constexpr QueueKey kSeatQueue = -1;

    struct Event {
        std::shared_ptr<const std::vector<std::string>> programs; // shared by an event's runs
        std::size_t next = 0; // the next program to start; > 0 once the event started
        std::string action;
        std::vector<std::string> env;
        std::string key;
    };
    struct Queue {
        std::deque<Event> events; // the front one is the event running or next
        std::unique_ptr<SupervisedChild> child;
        bool ready = false; // in ready_
    };

    bool admit(Queue& queue, const std::string& action, const HookOrigin& origin);
    void makeReady(QueueKey key, Queue& queue);
    void schedule();
    void startNext(QueueKey key);
    void onProgramDone(QueueKey key, const std::string& label, const ChildOutcome& outcome);

    HookRunnerConfig config_;
    GMainContext* context_;
    std::map<QueueKey, Queue> queues_; // a queue exists while it has events
    std::deque<QueueKey> ready_; // queues with events and nothing running, in turn order
    std::unordered_set<std::string> droppedAdds_; // "<action> <key>" of dropped X_added events
    std::size_t queued_ = 0;
    std::size_t running_ = 0;
    std::size_t dropped_ = 0;
    std::size_t coalesced_ = 0;
};

} // namespace ck::state
