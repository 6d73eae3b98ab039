// StateFiles: the session database (/run/ConsoleKit/database) and the restart state.
//  - restart state: written at the cost of what changed since the last write: a change record is
//    appended (state::StateJournal); the whole snapshot only when the records have outgrown it.
//  - database: replaced whole (its readers expect one file), when the Recorder says so (at most
//    every 50 ms), and only if something it shows changed.
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

    // Each writes its file if something it holds changed since its last write.
    void writeRestartState();
    void writeDatabase();
    bool databaseStale() const noexcept { return databaseStale_; }

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

    // For the next change record of the restart state.
    std::unordered_set<const core::Seat*> changedSeats_;
    std::unordered_set<const core::Session*> changedSessions_;
    std::unordered_set<const core::Session*> addedSessions_;
    std::vector<std::string> droppedSeats_;
    std::vector<std::string> droppedSessions_;
};

} // namespace ck::daemon
