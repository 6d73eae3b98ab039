// Restore: read the state file, check each leader, recreate or log the end of each session.
#include "daemon/restore.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "bus/glib_ptr.h"
#include "state/history.h"
#include "state/persist.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::daemon {

namespace {
enum class Liveness { Alive, Gone, Unknown };

constexpr int kLookupTimeoutMs = 5000;
// The re-checks of leaders the bus could not answer for: after 1 s, then twice as long, 6 times.
constexpr guint kFirstRecheckMs = 1000;
constexpr int kMaxRechecks = 6;

GVariant* pidQuery(const std::string& busName)
{
    return g_variant_new("(s)", busName.c_str());
}

// From the answer to GetConnectionUnixProcessID (reply or error).
Liveness judge(GVariant* reply, const GError* error, const procfs::ProcReader& proc, const state::LeaderRecord& leader)
{
    if (reply == nullptr) {
        // Only "this name has no owner" means the leader is gone; a timeout, a bus that is short
        // of resources or refuses the call says nothing about it.
        if (error == nullptr || !g_dbus_error_is_remote_error(error))
            return Liveness::Unknown;
        bus::CharPtr name(g_dbus_error_get_remote_error(error));
        const bool noOwner = name && std::strcmp(name.get(), "org.freedesktop.DBus.Error.NameHasNoOwner") == 0;
        return noOwner ? Liveness::Gone : Liveness::Unknown;
    }
    guint32 pid = 0;
    g_variant_get(reply, "(u)", &pid);
    if (static_cast<pid_t>(pid) != leader.pid)
        return Liveness::Gone;
    auto start = proc.startTime(leader.pid);
    return start && *start == leader.pidStartTime ? Liveness::Alive : Liveness::Gone;
}

Liveness leaderLiveness(GDBusConnection* connection, const procfs::ProcReader& proc, const state::LeaderRecord& leader)
{
    if (leader.serviceName.empty() || leader.serviceName.front() != ':')
        return Liveness::Gone;
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_sync(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "GetConnectionUnixProcessID", pidQuery(leader.serviceName), G_VARIANT_TYPE("(u)"),
        G_DBUS_CALL_FLAGS_NONE, kLookupTimeoutMs, nullptr, &raw));
    bus::ErrorPtr error(raw);
    return judge(reply.get(), error.get(), proc, leader);
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

// Keeps an unreadable state file for a post-mortem instead of letting the first write replace it.
void keepAside(const std::string& statePath)
{
    const std::string aside = statePath + ".bad-" + std::to_string(realtimeNow() / 1000000);
    if (::rename(statePath.c_str(), aside.c_str()) == 0)
        log::warning("kept the unreadable restart state as " + aside);
    else
        log::warning("cannot keep the unreadable restart state as " + aside + ": " + std::strerror(errno));
}
} // namespace

// The leaders of restored sessions that the bus could not answer for at start-up, asked again
// asynchronously until each is known alive or gone (or the rounds run out: then the session stays,
// as it would had the leader answered).
class LeaderRecheck {
public:
    LeaderRecheck(GDBusConnection* connection, core::Manager& manager, const procfs::ProcReader& proc,
        std::vector<state::LeaderRecord> leaders)
        : state_(std::make_shared<State>(connection, manager, proc, std::move(leaders)))
    {
        schedule(state_);
    }
    ~LeaderRecheck()
    {
        state_->stopped = true;
        if (state_->timer != 0)
            g_source_remove(state_->timer);
        g_cancellable_cancel(state_->cancel.get());
    }
    LeaderRecheck(const LeaderRecheck&) = delete;
    LeaderRecheck& operator=(const LeaderRecheck&) = delete;

private:
    struct State {
        State(GDBusConnection* c, core::Manager& m, const procfs::ProcReader& p, std::vector<state::LeaderRecord> l)
            : connection(c), manager(m), proc(p), pending(std::move(l))
        { }
        GDBusConnection* connection;
        core::Manager& manager;
        const procfs::ProcReader& proc;
        std::vector<state::LeaderRecord> pending;
        bus::ObjectPtr<GCancellable> cancel{g_cancellable_new()};
        guint timer = 0;
        int round = 0;
        std::size_t outstanding = 0;
        std::vector<state::LeaderRecord> unknown; // of the round under way
        bool stopped = false;
    };
    struct Call {
        std::weak_ptr<State> state;
        state::LeaderRecord leader;
    };

    static void schedule(const std::shared_ptr<State>& s)
    {
        const guint delay = kFirstRecheckMs << s->round;
        auto* weak = new std::weak_ptr<State>(s);
        s->timer = g_timeout_add_full(
            G_PRIORITY_DEFAULT, delay,
            [](gpointer data) noexcept -> gboolean {
                if (auto st = static_cast<std::weak_ptr<State>*>(data)->lock()) {
                    st->timer = 0;
                    ask(st);
                }
                return G_SOURCE_REMOVE;
            },
            weak, [](gpointer data) noexcept { delete static_cast<std::weak_ptr<State>*>(data); });
    }

    static void ask(const std::shared_ptr<State>& s)
    {
        ++s->round;
        s->outstanding = s->pending.size();
        for (auto& leader : std::exchange(s->pending, {})) {
            auto* call = new Call{s, std::move(leader)};
            g_dbus_connection_call(s->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                "org.freedesktop.DBus", "GetConnectionUnixProcessID", pidQuery(call->leader.serviceName),
                G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, kLookupTimeoutMs, s->cancel.get(), &answered, call);
        }
    }

    static void answered(GObject* source, GAsyncResult* result, gpointer data) noexcept
    {
        std::unique_ptr<Call> call(static_cast<Call*>(data));
        GError* raw = nullptr;
        bus::VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
        bus::ErrorPtr error(raw);
        auto s = call->state.lock();
        if (!s || s->stopped)
            return;
        const std::string& name = call->leader.serviceName;
        switch (judge(reply.get(), error.get(), s->proc, call->leader)) {
        case Liveness::Alive:
            log::debug("restart: leader " + name + " of " + call->leader.sessionId + " is alive");
            break;
        case Liveness::Gone:
            // Only if the session still has that leader (leaderVanished() matches the bus name).
            if (s->manager.leaderVanished(name) > 0)
                log::info("restart: leader " + name + " of " + call->leader.sessionId + " had left: session closed");
            break;
        case Liveness::Unknown:
            s->unknown.push_back(std::move(call->leader));
            break;
        }
        if (--s->outstanding > 0)
            return;
        s->pending = std::exchange(s->unknown, {});
        if (s->pending.empty())
            return;
        if (s->round >= kMaxRechecks) {
            log::warning("restart: the bus still cannot tell whether " + std::to_string(s->pending.size())
                + " restored session leader(s) live; their sessions stay until the leaders leave");
            s->pending.clear();
            return;
        }
        schedule(s);
    }

    std::shared_ptr<State> state_;
};

RestoreCounts::RestoreCounts() = default;
RestoreCounts::RestoreCounts(RestoreCounts&&) noexcept = default;
RestoreCounts::~RestoreCounts() = default;

RestoreCounts restoreSessions(const std::string& statePath, core::Manager& manager, GDBusConnection* connection,
    const procfs::ProcReader& proc, Recorder& recorder)
{
    RestoreCounts counts;
    struct stat st { };
    if (::lstat(statePath.c_str(), &st) != 0)
        return counts; // first start
    auto loaded = state::loadState(statePath);
    if (!loaded) {
        log::warning("cannot read the restart state: " + loaded.error().message);
        keepAside(statePath);
        return counts;
    }
    for (const auto& problem : loaded->problems)
        log::warning("restart state: " + problem);
    if (loaded->uncommittedBytes > 0)
        log::warning("the restart state ends in a change that was not completed ("
            + std::to_string(loaded->uncommittedBytes) + " bytes; the daemon stopped while writing it): ignored");
    manager.setNextSerials(loaded->nextSessionSerial, loaded->nextSeatSerial);
    std::map<std::string, const state::LeaderRecord*> leaders;
    for (const auto& l : loaded->snapshot.leaders)
        leaders[l.sessionId] = &l;

    std::vector<state::LeaderRecord> unverified;
    recorder.setMuted(true);
    for (const auto& rec : loaded->snapshot.sessions) {
        auto it = leaders.find(rec.id);
        Liveness liveness = it != leaders.end() ? leaderLiveness(connection, proc, *it->second) : Liveness::Gone;
        if (liveness == Liveness::Unknown) // once more at once: most bus hiccups are short
            liveness = leaderLiveness(connection, proc, *it->second);
        if (liveness == Liveness::Gone) {
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
        // Since when it is idle is the session's, not the daemon's (0: a file without idle-since).
        r.idleSince = rec.idleSince != 0 ? rec.idleSince : realtimeNow();
        r.lockedHint = rec.lockedHint;
        r.runtimeDir = rec.runtimeDir;
        if (auto s = manager.restoreSession(std::move(r)); !s) {
            log::warning("cannot restore " + rec.id + ": " + s.error().message);
            recorder.logEvent(state::sessionEvent(state::HistoryEventType::SeatSessionRemoved, realtimeNow(), rec));
            ++counts.closed;
            continue;
        }
        ++counts.restored;
        if (liveness == Liveness::Unknown) {
            log::warning("restart: the bus did not say whether the leader " + l.serviceName + " of " + rec.id
                + " lives; restored, checking again");
            unverified.push_back(l);
        }
    }
    recorder.setMuted(false);
    recorder.commit();
    counts.unverified = unverified.size();
    if (!unverified.empty())
        counts.recheck = std::make_unique<LeaderRecheck>(connection, manager, proc, std::move(unverified));
    return counts;
}

} // namespace ck::daemon
