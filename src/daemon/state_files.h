// StateFiles: the session database (/run/ConsoleKit/database) and the restart state.
//  - restart state: written at the cost of what changed since the last write: a change record is
//    appended (state::StateJournal); the whole snapshot only when the file holds more superseded
//    records than live ones (state::StateJournal::wantsRewrite()).
//  - database: replaced whole (its readers expect one file), when the Recorder says so (at most
//    every 50 ms), and only if something it shows changed.
//  - A write that fails (a full or read-only /run) leaves the file it would replace as it was and
//    its stale flag set: the next attempt (the Recorder retries on a timer) writes everything that
//    is open. A failure is logged once, when a file starts failing, and once more when it is
//    written again: 200 sessions opened on a full /run log one warning, not 200.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "core/manager.h"
#include "state/persist.h"

namespace ck::daemon {

class StateFiles {
public:
    StateFiles(const core::Manager& manager, std::string databasePath, std::string statePath);

    // What changed in the model (the Recorder forwards the model's signals).
    void seatChanged(const core::Seat& seat); // added, or its sessions or active session changed
    void seatRemoved(const core::Seat& seat); // while it is still alive
    void sessionAdded(const core::Session& session); // after seat assignment
    void sessionChanged(const core::Session& session, core::SessionProperty property);
    void sessionRemoved(const core::Session& session); // while it is still alive

    // Each writes its file if something it holds changed since its last successful write;
    // false when that write failed (the file stays stale until a later call succeeds).
    bool writeRestartState();
    bool writeDatabase();
    bool databaseStale() const noexcept { return databaseStale_; }
    bool stateStale() const noexcept { return stateStale_; }
    bool failing() const noexcept { return stateFailing_ || databaseFailing_; }

private:
    state::StateChange takeChange();

    const core::Manager& manager_;
    std::string databasePath_;
    state::StateJournal journal_;
    // The first writes after a (re)start write everything.
    bool stateStale_ = true;
    bool databaseStale_ = true;
    std::size_t lastDatabaseSize_ = 0;
    std::size_t lastStateSize_ = 0;
    bool stateFailing_ = false;
    bool databaseFailing_ = false;

    // For the next change record of the restart state.
    std::unordered_set<const core::Seat*> changedSeats_;
    std::unordered_set<const core::Session*> changedSessions_;
    std::unordered_set<const core::Session*> addedSessions_;
    std::vector<std::string> droppedSeats_;
    std::vector<std::string> droppedSessions_;
};

} // namespace ck::daemon
