// The model as plain records for the state files (database, restart state, history, hooks).
#pragma once

#include "core/manager.h"
#include "state/records.h"

namespace ck::daemon {

state::SessionRecord sessionRecord(const core::Session& session);
state::SeatRecord seatRecord(const core::Seat& seat);
state::Snapshot snapshotOf(const core::Manager& manager);

} // namespace ck::daemon
