// Model → records.
#include "daemon/snapshot.h"

#include "util/timestamps.h"

namespace ck::daemon {

state::SessionRecord sessionRecord(const core::Session& s)
{
    const core::SessionParams& p = s.params();
    state::SessionRecord r;
    r.id = s.path();
    r.uid = p.unixUser;
    r.seatId = s.seat() != nullptr ? s.seat()->path() : std::string();
    r.type = p.sessionType;
    r.sessionClass = p.sessionClass;
    r.service = p.sessionService;
    r.state = core::sessionStateName(s.state());
    r.loginSessionId = p.loginSessionId;
    r.displayDevice = p.displayDevice;
    r.x11DisplayDevice = p.x11DisplayDevice;
    r.x11Display = p.x11Display;
    r.remoteHostName = p.remoteHostName;
    r.isActive = s.isActive();
    r.isLocal = p.isLocal;
    r.creationTime = isoTime(s.creationTime());
    r.runtimeDir = s.runtimeDir();
    r.vtnr = p.vtnr; // the explicit parameter; the derived VT comes back from the devices
    r.idleHint = s.idleHint();
    r.idleSince = s.idleSince();
    r.lockedHint = s.lockedHint();
    return r;
}

state::SeatRecord seatRecord(const core::Seat& seat)
{
    state::SeatRecord r;
    r.id = seat.path();
    r.kind = static_cast<int>(seat.kind());
    for (const auto* s : seat.sessions())
        r.sessionIds.push_back(s->path());
    r.devices = seat.devices();
    if (seat.activeSession() != nullptr)
        r.activeSessionId = seat.activeSession()->path();
    return r;
}

state::LeaderRecord leaderRecord(const core::Session& s)
{
    const core::Leader& l = s.leader();
    return {s.path(), l.uid, l.pid, l.busName, s.cookie(), l.pidStartTime};
}

state::Snapshot snapshotOf(const core::Manager& manager)
{
    struct Collector {
        state::Snapshot snap;
        void seat(state::SeatRecord r) { snap.seats.push_back(std::move(r)); }
        void session(state::SessionRecord r) { snap.sessions.push_back(std::move(r)); }
        void leader(state::LeaderRecord r) { snap.leaders.push_back(std::move(r)); }
    } c;
    feed(manager, c);
    return std::move(c.snap);
}

} // namespace ck::daemon
