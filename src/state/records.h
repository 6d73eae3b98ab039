// Plain snapshot records the daemon hands to the state writers (no dependency on core).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace ck::state {

struct SeatRecord {
    std::string id; // full path, e.g. /org/freedesktop/ConsoleKit/Seat1
    int kind = 0; // 0 static, 1 dynamic
    std::vector<std::string> sessionIds;
    std::vector<std::pair<std::string, std::string>> devices; // (type, id)
    std::string activeSessionId; // empty: none
};

struct SessionRecord {
    std::string id; // full path, e.g. /org/freedesktop/ConsoleKit/Session2
    uid_t uid = 0;
    std::string seatId;
    std::string type, sessionClass, service, state;
    std::string loginSessionId, displayDevice, x11DisplayDevice, x11Display, remoteHostName;
    bool isActive = false, isLocal = false;
    std::string creationTime; // ISO-8601
    std::string runtimeDir;
    unsigned vtnr = 0;
    bool idleHint = false, lockedHint = false;
    long long idleSince = 0; // microseconds since the epoch (realtime); 0: unknown (restart state only)
};

struct LeaderRecord {
    std::string sessionId;
    uid_t uid = 0;
    pid_t pid = 0;
    std::string serviceName;
    std::string cookie;
    unsigned long long pidStartTime = 0;
};

struct Snapshot {
    std::vector<SeatRecord> seats;
    std::vector<SessionRecord> sessions;
    std::vector<LeaderRecord> leaders;
};

// Hands a snapshot to a builder in file order (DatabaseBuilder, StateSnapshotBuilder); the daemon
// feeds them from its model the same way (daemon::feed).
template <typename Builder> void feed(const Snapshot& snapshot, Builder& builder)
{
    for (const auto& seat : snapshot.seats)
        builder.seat(seat);
    for (const auto& session : snapshot.sessions)
        builder.session(session);
    for (const auto& leader : snapshot.leaders)
        builder.leader(leader);
}

} // namespace ck::state
