// StateFiles: the session database (/run/ConsoleKit/database) and the restart state, written at
// the cost of what changed since the last write rather than of everything that exists.
//  - database: each seat's and session's groups are formatted once and kept until that seat or
//    session changes; a write hands the kept groups to writev (the file is still replaced
//    atomically, as readers expect a whole file).
//  - restart state: a change record is appended (state::StateJournal); the whole snapshot is
//    written only when the records have outgrown it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
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
    void changedInDatabase(const core::Session& session);
    state::StateChange takeChange();
    const std::string& seatGroup(const core::Seat& seat);

    // A session's [Session] group followed by its [SessionLeader] group, in one allocation.
    struct SessionGroups {
        std::string text;
        std::uint32_t leaderAt = 0;
    };
    const SessionGroups& sessionGroups(const core::Session& session);

    const core::Manager& manager_;
    std::string databasePath_;
    state::StateJournal journal_;
    // The first writes after a (re)start write everything.
    bool stateStale_ = true;
    bool databaseStale_ = true;

    std::unordered_map<const core::Seat*, std::string> seatGroups_;
    std::unordered_map<const core::Session*, SessionGroups> sessionGroups_;

    // For the next change record of the restart state.
    std::unordered_set<const core::Seat*> changedSeats_;
    std::unordered_set<const core::Session*> changedSessions_;
    std::unordered_set<const core::Session*> addedSessions_;
    std::vector<std::string> droppedSeats_;
    std::vector<std::string> droppedSessions_;
};

} // namespace ck::daemon
