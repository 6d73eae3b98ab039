// Recorder: model signals → database, restart state, history lines and hooks.
#include "daemon/recorder.h"

#include <malloc.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "daemon/snapshot.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::daemon {

using state::HistoryEventType;

Recorder::Recorder(core::Manager& manager, RecorderPaths paths, state::HookRunnerConfig hooks, MonotonicClock clock)
    : manager_(manager),
      clock_(std::move(clock)),
      paths_(std::move(paths)),
      files_(manager_, paths_.database, paths_.state),
      history_(paths_.history),
      hooks_(std::move(hooks))
{
    connect();
}

Recorder::~Recorder()
{
    // Flush first: it removes the database timer it replaces, and a commit may schedule a trim.
    // Then no source may outlive us (each would call back into a freed Recorder).
    flush();
    for (guint* source : {&idle_, &trim_, &databaseTimer_, &retry_})
        if (*source != 0)
            g_source_remove(std::exchange(*source, 0));
}

namespace {
// Past this many waiting replies the batch is written at once: replies never starve behind a
// steady stream of requests.
constexpr std::size_t kMaxWaiting = 256;
// The database is rewritten whole (its readers expect one file): at most once per this interval.
// The first change after a quiet interval is written at once, before the replies of its batch.
constexpr gint64 kDatabaseIntervalUs = 50 * 1000;
// A failed write is tried again after this, then twice as long each time, up to the maximum.
constexpr guint kFirstRetryMs = 200;
constexpr guint kMaxRetryMs = 2000;
} // namespace

void Recorder::commitThen(std::function<void()> then)
{
    waiting_.push_back(std::move(then));
    changed();
    if (waiting_.size() >= kMaxWaiting)
        commit();
}

void Recorder::changed()
{
    // Below the priority of incoming D-Bus calls: a burst of calls is handled first, then written
    // once.
    if (idle_ == 0)
        idle_ = g_idle_add_full(
            G_PRIORITY_DEFAULT + 10,
            [](gpointer data) noexcept -> gboolean {
                auto* self = static_cast<Recorder*>(data);
                self->idle_ = 0;
                self->commit();
                return G_SOURCE_REMOVE;
            },
            this, nullptr);
}

void Recorder::commit()
{
    files_.writeRestartState();
    if (files_.databaseStale())
        scheduleDatabase();
    // Sent even when the write failed (see the top of recorder.h); the retry timer catches up.
    auto waiting = std::exchange(waiting_, {});
    for (auto& then : waiting)
        then();
    if (std::exchange(trimAfterCommit_, false))
        scheduleTrim();
    scheduleRetry();
}

void Recorder::scheduleRetry()
{
    if (!files_.failing()) {
        retryDelayMs_ = 0;
        return;
    }
    if (retry_ != 0)
        return;
    retryDelayMs_ = retryDelayMs_ == 0 ? kFirstRetryMs : std::min(retryDelayMs_ * 2, kMaxRetryMs);
    retry_ = g_timeout_add(
        retryDelayMs_,
        [](gpointer data) noexcept -> gboolean {
            auto* self = static_cast<Recorder*>(data);
            self->retry_ = 0;
            self->retry();
            return G_SOURCE_REMOVE;
        },
        this);
}

void Recorder::retry()
{
    files_.writeRestartState();
    writeDatabase();
    scheduleRetry();
}

void Recorder::flush()
{
    commit();
    writeDatabase();
}

void Recorder::scheduleDatabase()
{
    if (databaseTimer_ != 0)
        return;
    const gint64 wait = lastDatabaseWrite_ + kDatabaseIntervalUs - clock_();
    if (lastDatabaseWrite_ == 0 || wait <= 0) {
        writeDatabase();
        return;
    }
    databaseTimer_ = g_timeout_add(
        static_cast<guint>((wait + 999) / 1000),
        [](gpointer data) noexcept -> gboolean {
            auto* self = static_cast<Recorder*>(data);
            self->databaseTimer_ = 0;
            self->writeDatabase();
            return G_SOURCE_REMOVE;
        },
        this);
}

void Recorder::writeDatabase()
{
    if (databaseTimer_ != 0) {
        g_source_remove(databaseTimer_);
        databaseTimer_ = 0;
    }
    if (files_.databaseStale()) {
        files_.writeDatabase();
        lastDatabaseWrite_ = clock_();
    }
    // Hooks read the database (udev-acl does): they run once it shows their event.
    for (auto& hook : std::exchange(hooksAfterDatabase_, {}))
        hooks_.run(std::move(hook.programs), std::move(hook.action), std::move(hook.env), std::move(hook.origin));
    scheduleRetry();
}

template <typename MakeEnv>
void Recorder::runHook(state::HookKind kind, const char* action, MakeEnv makeEnv, state::HookOrigin origin)
{
    // Most systems have no hooks: then no environment is built and kept until the database write.
    auto programs = hooks_.programs(kind); // found now: the directories are read once per event
    if (programs.empty())
        return;
    hooksAfterDatabase_.push_back({std::move(programs), action, makeEnv(), std::move(origin)});
    changed();
}

void Recorder::ownDynamicSeat(const std::string& seatId, uid_t uid)
{
    // The seat came with this session: its hooks wait in the user's queue, not in the one all
    // seats share (one user's many remote logins must not hold up the console seat's hooks).
    dynamicSeatOwners_[seatId] = uid;
    for (auto& hook : hooksAfterDatabase_)
        if (hook.action == "seat_added" && hook.origin.key == seatId)
            hook.origin.uid = uid;
}

void Recorder::scheduleTrim()
{
    // The last session went: once the burst has settled (replies sent, messages freed), hand the
    // freed heap back (RSS and, where the top is free, VmSize).
    if (trim_ != 0)
        g_source_remove(trim_);
    trim_ = g_timeout_add(
        100,
        [](gpointer data) noexcept -> gboolean {
            static_cast<Recorder*>(data)->trim_ = 0;
            ::malloc_trim(0);
            return G_SOURCE_REMOVE;
        },
        this);
}

void Recorder::connect()
{
    auto& m = manager_;
    const auto now = [] { return realtimeNow(); };
    connections_.push_back(m.seatAdded.connect([this, now](core::Seat& seat) {
        files_.seatChanged(seat);
        changed();
        if (muted_)
            return;
        const auto rec = seatRecord(seat);
        history_.append(state::seatEvent(HistoryEventType::SeatAdded, now(), rec));
        // A dynamic seat's user is known once its session is attached (sessionAdded, next).
        runHook(
            state::HookKind::Seat, "seat_added", [&] { return state::seatHookEnv(rec.id, nullptr, nullptr); },
            state::HookOrigin{rec.id, std::nullopt});
    }));
    connections_.push_back(m.seatRemoved.connect([this, now](core::Seat& seat) {
        files_.seatRemoved(seat);
        changed();
        const auto rec = seatRecord(seat);
        history_.append(state::seatEvent(HistoryEventType::SeatRemoved, now(), rec));
        std::optional<uid_t> owner;
        if (auto it = dynamicSeatOwners_.find(rec.id); it != dynamicSeatOwners_.end()) {
            owner = it->second;
            dynamicSeatOwners_.erase(it);
        }
        runHook(
            state::HookKind::Seat, "seat_removed", [&] { return state::seatHookEnv(rec.id, nullptr, nullptr); },
            state::HookOrigin{rec.id, owner});
    }));
    connections_.push_back(m.sessionAdded.connect([this, now](core::Session& s) {
        files_.sessionAdded(s);
        changed();
        if (s.seat() != nullptr && s.seat()->kind() == core::SeatKind::Dynamic)
            ownDynamicSeat(s.seat()->path(), s.params().unixUser);
        if (muted_)
            return;
        const auto rec = sessionRecord(s);
        history_.append(state::sessionEvent(HistoryEventType::SeatSessionAdded, now(), rec));
        // Keyed by session and user: the runner gives each user a queue of their own and drops a
        // session_added whose session_removed comes before it ran.
        runHook(
            state::HookKind::Session, "session_added", [&] { return state::sessionHookEnv(rec); },
            state::HookOrigin{rec.id, rec.uid});
    }));
    connections_.push_back(m.sessionRemoved.connect([this, now](core::Session& s) {
        files_.sessionRemoved(s);
        changed();
        trimAfterCommit_ = trimAfterCommit_ || manager_.sessionCount() == 0;
        const auto rec = sessionRecord(s);
        history_.append(state::sessionEvent(HistoryEventType::SeatSessionRemoved, now(), rec));
        runHook(
            state::HookKind::Session, "session_removed", [&] { return state::sessionHookEnv(rec); },
            state::HookOrigin{rec.id, rec.uid});
    }));
    connections_.push_back(
        m.activeSessionChanged.connect([this, now](core::Seat& seat, core::Session* old, core::Session* cur) {
            // The sessions' is-active changes come as sessionChanged; `old` may be a session
            // that was just removed (and is freed after this signal).
            files_.seatChanged(seat);
            changed();
            if (muted_)
                return;
            history_.append(state::activeSessionChangedEvent(now(), seat.path(), cur ? cur->path() : std::string()));
            runHook(state::HookKind::Seat, "seat_active_session_changed", [&] {
                const auto oldRec = old ? std::optional(sessionRecord(*old)) : std::nullopt;
                const auto newRec = cur ? std::optional(sessionRecord(*cur)) : std::nullopt;
                return state::seatHookEnv(seat.path(), oldRec ? &*oldRec : nullptr, newRec ? &*newRec : nullptr);
            });
        }));
    // Hints and properties are part of the restart state (is-active of the database too).
    connections_.push_back(m.sessionChanged.connect([this](core::Session& s, core::SessionProperty property) {
        files_.sessionChanged(s, property);
        changed();
    }));
}

} // namespace ck::daemon
