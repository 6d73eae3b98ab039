// The model as plain records for the state files (database, restart state, history, hooks).
#pragma once

#include "core/manager.h"
#include "state/records.h"

namespace ck::daemon {

state::SessionRecord sessionRecord(const core::Session& session);
state::SeatRecord seatRecord(const core::Seat& seat);
state::LeaderRecord leaderRecord(const core::Session& session); // with the cookie
state::Snapshot snapshotOf(const core::Manager& manager);

// Hands the model to a builder one record at a time, in file order: every seat, every session,
// every session's leader (state::DatabaseBuilder, state::StateSnapshotBuilder). Only one record
// exists at a time: no copy of every session in the middle of a burst of logins.
template <typename Builder> void feed(const core::Manager& manager, Builder& builder)
{
    for (const auto* seat : manager.seats())
        builder.seat(seatRecord(*seat));
    const auto sessions = manager.sessions();
    for (const auto* s : sessions)
        builder.session(sessionRecord(*s));
    for (const auto* s : sessions)
        builder.leader(leaderRecord(*s));
}

} // namespace ck::daemon
