// Restore: read the state file, check each leader, recreate or log the end of each session.
#include "daemon/restore.h"

#include <sys/stat.h>

#include <cstdlib>
#include <map>

#include "bus/glib_ptr.h"
#include "state/history.h"
#include "state/persist.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::daemon {

namespace {
bool leaderAlive(GDBusConnection* connection, const procfs::ProcReader& proc, const state::LeaderRecord& leader)
{
    if (leader.serviceName.empty() || leader.serviceName.front() != ':')
        return false;
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_sync(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "GetConnectionUnixProcessID", g_variant_new("(s)", leader.serviceName.c_str()),
        G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!reply)
        return false;
    guint32 pid = 0;
    g_variant_get(reply.get(), "(u)", &pid);
    if (static_cast<pid_t>(pid) != leader.pid)
        return false;
    auto start = proc.startTime(leader.pid);
    return start && *start == leader.pidStartTime;
}

core::SessionParams paramsOf(const state::SessionRecord& r)
{
    core::SessionParams p;
    p.unixUser = r.uid;
    p.sessionType = r.type;
    p.sessionClass = r.sessionClass;
    p.sessionService = r.service;
    p.x11Display = r.x11Display;
    p.x11DisplayDevice = r.x11DisplayDevice;
    p.displayDevice = r.displayDevice;
    p.remoteHostName = r.remoteHostName;
    p.loginSessionId = r.loginSessionId;
    p.isLocal = r.isLocal;
    p.vtnr = r.vtnr;
    return p;
}
} // namespace

RestoreCounts restoreSessions(const std::string& statePath, core::Manager& manager, GDBusConnection* connection,
    const procfs::ProcReader& proc, Recorder& recorder)
{
    RestoreCounts counts;
    struct stat st { };
    if (::stat(statePath.c_str(), &st) != 0)
        return counts; // first start
    auto loaded = state::loadState(statePath);
    if (!loaded) {
        log::warning("ignoring the restart state: " + loaded.error().message);
        return counts;
    }
    if (loaded->uncommittedBytes > 0)
        log::warning("the restart state ends in a change that was not completed ("
            + std::to_string(loaded->uncommittedBytes) + " bytes; the daemon stopped while writing it): ignored");
    manager.setNextSerials(loaded->nextSessionSerial, loaded->nextSeatSerial);
    std::map<std::string, const state::LeaderRecord*> leaders;
    for (const auto& l : loaded->snapshot.leaders)
        leaders[l.sessionId] = &l;

    recorder.setMuted(true);
    for (const auto& rec : loaded->snapshot.sessions) {
        auto it = leaders.find(rec.id);
        const bool alive = it != leaders.end() && leaderAlive(connection, proc, *it->second);
        if (!alive) {
            recorder.logEvent(state::sessionEvent(state::HistoryEventType::SeatSessionRemoved, realtimeNow(), rec));
            ++counts.closed;
            continue;
        }
        const state::LeaderRecord& l = *it->second;
        core::Manager::Restored r;
        const std::string base = rec.id.substr(rec.id.rfind('/') + 1);
        r.serial = base.starts_with("Session") ? static_cast<unsigned>(std::strtoul(base.c_str() + 7, nullptr, 10)) : 0;
        r.cookie = l.cookie;
        r.params = paramsOf(rec);
        r.leader = core::Leader{l.uid, l.pid, l.serviceName, l.pidStartTime};
        r.created = parseIsoTime(rec.creationTime).value_or(realtimeNow());
        r.seatPath = rec.seatId;
        r.idleHint = rec.idleHint;
        r.idleSince = realtimeNow();
        r.lockedHint = rec.lockedHint;
        r.runtimeDir = rec.runtimeDir;
        if (auto s = manager.restoreSession(std::move(r)); !s) {
            log::warning("cannot restore " + rec.id + ": " + s.error().message);
            recorder.logEvent(state::sessionEvent(state::HistoryEventType::SeatSessionRemoved, realtimeNow(), rec));
            ++counts.closed;
            continue;
        }
        ++counts.restored;
    }
    recorder.setMuted(false);
    recorder.commit();
    return counts;
}

} // namespace ck::daemon
