// StateFiles: incremental writes of the database and the restart state.
#include "daemon/state_files.h"

#include <algorithm>
#include <utility>

#include "daemon/snapshot.h"
#include "state/database.h"
#include "util/log.h"
#include "util/release.h"

namespace ck::daemon {

namespace {
template <typename T> std::vector<const T*> bySerial(const std::unordered_set<const T*>& items)
{
    std::vector<const T*> sorted(items.begin(), items.end());
    std::sort(sorted.begin(), sorted.end(), [](const T* a, const T* b) { return a->serial() < b->serial(); });
    return sorted;
}
} // namespace

StateFiles::StateFiles(const core::Manager& manager, std::string databasePath, std::string statePath)
    : manager_(manager), databasePath_(std::move(databasePath)), journal_(std::move(statePath))
{ }

void StateFiles::seatChanged(const core::Seat& seat)
{
    stateStale_ = databaseStale_ = true;
    changedSeats_.insert(&seat);
}

void StateFiles::seatRemoved(const core::Seat& seat)
{
    stateStale_ = databaseStale_ = true;
    changedSeats_.erase(&seat);
    droppedSeats_.push_back(seat.path());
}

void StateFiles::sessionAdded(const core::Session& session)
{
    stateStale_ = true;
    databaseStale_ = true;
    changedSessions_.insert(&session);
    addedSessions_.insert(&session);
    if (session.seat() != nullptr)
        seatChanged(*session.seat());
}

void StateFiles::sessionChanged(const core::Session& session, core::SessionProperty property)
{
    stateStale_ = true;
    changedSessions_.insert(&session);
    // Of the session's properties only is-active is in the database.
    if (property == core::SessionProperty::Active)
        databaseStale_ = true;
}

void StateFiles::sessionRemoved(const core::Session& session)
{
    stateStale_ = databaseStale_ = true;
    changedSessions_.erase(&session);
    // One added and removed between two writes was never written: nothing to drop.
    if (addedSessions_.erase(&session) == 0)
        droppedSessions_.push_back(session.path());
    if (session.seat() != nullptr)
        seatChanged(*session.seat());
}

namespace {
// Logs the first failure of a file and its recovery, nothing in between.
bool noteOutcome(const Result<void>& r, bool& failing, const std::string& what)
{
    if (!r) {
        if (!std::exchange(failing, true))
            log::warning("cannot write " + what + ": " + r.error().message
                + " (retrying until it can be written; further failures are not logged)");
        return false;
    }
    if (std::exchange(failing, false))
        log::info(what + " written again");
    return true;
}
} // namespace

bool StateFiles::writeDatabase()
{
    if (!databaseStale_)
        return true;
    state::DatabaseBuilder b(lastDatabaseSize_ + lastDatabaseSize_ / 8); // it never writes a cookie
    feed(manager_, b);
    const std::string text = b.take();
    lastDatabaseSize_ = text.size();
    // Stale until a write succeeds: a failed one left the last good database in place.
    databaseStale_ = !noteOutcome(state::writeDatabase(databasePath_, text), databaseFailing_, "the session database");
    return !databaseStale_;
}

state::StateChange StateFiles::takeChange()
{
    state::StateChange c;
    c.nextSessionSerial = manager_.nextSessionSerial();
    c.nextSeatSerial = manager_.nextSeatSerial();
    for (const auto* seat : bySerial(changedSeats_))
        c.seats.push_back(seatRecord(*seat));
    // By serial: a new session is appended after the older ones, as in the snapshot.
    for (const auto* s : bySerial(changedSessions_)) {
        c.sessions.push_back(sessionRecord(*s));
        if (addedSessions_.contains(s))
            c.leaders.push_back(leaderRecord(*s));
    }
    c.droppedSeats = std::exchange(droppedSeats_, {});
    c.droppedSessions = std::exchange(droppedSessions_, {});
    // Released, not cleared: a bucket array grown in a burst would pin the top of the heap.
    releaseStorage(changedSeats_);
    releaseStorage(changedSessions_);
    releaseStorage(addedSessions_);
    return c;
}

bool StateFiles::writeRestartState()
{
    if (!stateStale_)
        return true;
    // The change is taken either way: after a failed append or rewrite the journal's next write
    // is a rewrite of the whole model, which includes it.
    const state::StateChange change = takeChange();
    if (!journal_.wantsRewrite()) {
        auto r = journal_.append(change);
        if (r) {
            stateStale_ = false;
            return noteOutcome(r, stateFailing_, "the restart state");
        }
        log::debug("cannot append to the restart state, rewriting it: " + r.error().message);
    }
    state::StateSnapshotBuilder b(
        manager_.nextSessionSerial(), manager_.nextSeatSerial(), lastStateSize_ + lastStateSize_ / 8);
    feed(manager_, b);
    const std::string text = b.take();
    lastStateSize_ = text.size();
    stateStale_ = !noteOutcome(journal_.rewrite(text, b.takeSizes()), stateFailing_, "the restart state");
    return !stateStale_;
}

} // namespace ck::daemon
