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
    seatGroups_.erase(&seat);
    changedSeats_.insert(&seat);
}

void StateFiles::seatRemoved(const core::Seat& seat)
{
    stateStale_ = databaseStale_ = true;
    seatGroups_.erase(&seat);
    if (seatGroups_.empty())
        releaseStorage(seatGroups_);
    changedSeats_.erase(&seat);
    droppedSeats_.push_back(seat.path());
}

void StateFiles::sessionAdded(const core::Session& session)
{
    stateStale_ = true;
    changedSessions_.insert(&session);
    changedInDatabase(session);
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
        changedInDatabase(session);
}

void StateFiles::changedInDatabase(const core::Session& session)
{
    databaseStale_ = true;
    sessionGroups_.erase(&session);
}

void StateFiles::sessionRemoved(const core::Session& session)
{
    stateStale_ = databaseStale_ = true;
    sessionGroups_.erase(&session);
    if (sessionGroups_.empty())
        releaseStorage(sessionGroups_);
    changedSessions_.erase(&session);
    // One added and removed between two writes was never written: nothing to drop.
    if (addedSessions_.erase(&session) == 0)
        droppedSessions_.push_back(session.path());
    if (session.seat() != nullptr)
        seatChanged(*session.seat());
}

const std::string& StateFiles::seatGroup(const core::Seat& seat)
{
    auto it = seatGroups_.find(&seat);
    if (it == seatGroups_.end())
        it = seatGroups_.emplace(&seat, state::seatGroup(seatRecord(seat))).first;
    return it->second;
}

const StateFiles::SessionGroups& StateFiles::sessionGroups(const core::Session& session)
{
    auto it = sessionGroups_.find(&session);
    if (it == sessionGroups_.end()) {
        SessionGroups g;
        g.text = state::sessionGroup(sessionRecord(session));
        g.leaderAt = static_cast<std::uint32_t>(g.text.size());
        const core::Leader& l = session.leader();
        g.text += state::leaderGroup({session.path(), l.uid, l.pid, l.busName, {}, 0});
        g.text.shrink_to_fit();
        it = sessionGroups_.emplace(&session, std::move(g)).first;
    }
    return it->second;
}

void StateFiles::writeDatabase()
{
    if (!databaseStale_)
        return;
    databaseStale_ = false;
    const auto seats = manager_.seats();
    const auto sessions = manager_.sessions();
    std::vector<std::string_view> groups;
    groups.reserve(seats.size() + 2 * sessions.size());
    for (const auto* seat : seats)
        groups.emplace_back(seatGroup(*seat));
    const std::size_t firstLeader = groups.size() + sessions.size();
    groups.resize(firstLeader + sessions.size());
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        const SessionGroups& g = sessionGroups(*sessions[i]);
        const std::string_view text = g.text;
        groups[seats.size() + i] = text.substr(0, g.leaderAt);
        groups[firstLeader + i] = text.substr(g.leaderAt);
    }
    const auto parts = state::databaseParts(std::move(groups));
    if (auto r = state::writeDatabase(databasePath_, parts); !r)
        log::warning("cannot write the session database: " + r.error().message);
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
        if (addedSessions_.contains(s)) {
            const core::Leader& l = s->leader();
            c.leaders.push_back({s->path(), l.uid, l.pid, l.busName, s->cookie(), l.pidStartTime});
        }
    }
    c.droppedSeats = std::exchange(droppedSeats_, {});
    c.droppedSessions = std::exchange(droppedSessions_, {});
    // Released, not cleared: a bucket array grown in a burst would pin the top of the heap.
    releaseStorage(changedSeats_);
    releaseStorage(changedSessions_);
    releaseStorage(addedSessions_);
    return c;
}

void StateFiles::writeRestartState()
{
    if (!stateStale_)
        return;
    stateStale_ = false;
    const state::StateChange change = takeChange();
    if (!journal_.wantsRewrite()) {
        auto r = journal_.append(change);
        if (r)
            return;
        log::warning("cannot append to the restart state, rewriting it: " + r.error().message);
    }
    if (auto r = journal_.rewrite(snapshotOf(manager_), manager_.nextSessionSerial(), manager_.nextSeatSerial()); !r)
        log::warning("cannot save the restart state: " + r.error().message);
}

} // namespace ck::daemon
