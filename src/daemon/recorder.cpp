// Recorder: model signals → database, restart state, history lines and hooks.
#include "daemon/recorder.h"

#include <malloc.h>

#include <optional>
#include <utility>

#include "daemon/snapshot.h"
#include "state/database.h"
#include "state/persist.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::daemon {

using state::HistoryEventType;

Recorder::Recorder(core::Manager& manager, RecorderPaths paths, state::HookRunnerConfig hooks)
    : manager_(manager), paths_(std::move(paths)), history_(paths_.history), hooks_(std::move(hooks))
{
    connect();
}

Recorder::~Recorder()
{
    if (idle_ != 0)
        g_source_remove(idle_);
    if (trim_ != 0)
        g_source_remove(trim_);
    commit();
}

namespace {
// Past this many waiting replies the batch is written at once: replies never starve behind a
// steady stream of requests.
constexpr std::size_t kMaxWaiting = 256;
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
    dirty_ = true;
    // Below the priority of incoming D-Bus calls: a burst of calls is handled first, then written
    // once.
    if (idle_ == 0)
        idle_ = g_idle_add_full(
            G_PRIORITY_DEFAULT + 10,
            [](gpointer data) -> gboolean {
                auto* self = static_cast<Recorder*>(data);
                self->idle_ = 0;
                self->commit();
                return G_SOURCE_REMOVE;
            },
            this, nullptr);
}

void Recorder::commit()
{
    if (dirty_) {
        dirty_ = false;
        const state::Snapshot snap = snapshotOf(manager_);
        if (auto r = state::writeDatabase(paths_.database, snap); !r)
            log::warning("cannot write the session database: " + r.error().message);
        if (auto r = state::saveState(paths_.state, snap, manager_.nextSessionSerial(), manager_.nextSeatSerial()); !r)
            log::warning("cannot save the restart state: " + r.error().message);
    }
    auto waiting = std::exchange(waiting_, {});
    for (auto& then : waiting)
        then();
    if (std::exchange(trimAfterCommit_, false))
        scheduleTrim();
}

void Recorder::scheduleTrim()
{
    // The last session went: once the burst has settled (replies sent, messages freed), hand the
    // freed heap back (RSS and, where the top is free, VmSize).
    if (trim_ != 0)
        g_source_remove(trim_);
    trim_ = g_timeout_add(
        100,
        [](gpointer data) -> gboolean {
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
        changed();
        if (muted_)
            return;
        const auto rec = seatRecord(seat);
        history_.append(state::seatEvent(HistoryEventType::SeatAdded, now(), rec));
        hooks_.run(state::HookKind::Seat, "seat_added", state::seatHookEnv(rec.id, nullptr, nullptr));
    }));
    connections_.push_back(m.seatRemoved.connect([this, now](core::Seat& seat) {
        changed();
        const auto rec = seatRecord(seat);
        history_.append(state::seatEvent(HistoryEventType::SeatRemoved, now(), rec));
        hooks_.run(state::HookKind::Seat, "seat_removed", state::seatHookEnv(rec.id, nullptr, nullptr));
    }));
    connections_.push_back(m.sessionAdded.connect([this, now](core::Session& s) {
        changed();
        if (muted_)
            return;
        const auto rec = sessionRecord(s);
        history_.append(state::sessionEvent(HistoryEventType::SeatSessionAdded, now(), rec));
        hooks_.run(state::HookKind::Session, "session_added", state::sessionHookEnv(rec));
    }));
    connections_.push_back(m.sessionRemoved.connect([this, now](core::Session& s) {
        changed();
        trimAfterCommit_ = trimAfterCommit_ || manager_.sessionCount() == 0;
        const auto rec = sessionRecord(s);
        history_.append(state::sessionEvent(HistoryEventType::SeatSessionRemoved, now(), rec));
        hooks_.run(state::HookKind::Session, "session_removed", state::sessionHookEnv(rec));
    }));
    connections_.push_back(
        m.activeSessionChanged.connect([this, now](core::Seat& seat, core::Session* old, core::Session* cur) {
            changed();
            if (muted_)
                return;
            history_.append(state::activeSessionChangedEvent(now(), seat.path(), cur ? cur->path() : std::string()));
            const auto oldRec = old ? std::optional(sessionRecord(*old)) : std::nullopt;
            const auto newRec = cur ? std::optional(sessionRecord(*cur)) : std::nullopt;
            hooks_.run(state::HookKind::Seat, "seat_active_session_changed",
                state::seatHookEnv(seat.path(), oldRec ? &*oldRec : nullptr, newRec ? &*newRec : nullptr));
        }));
    // Hints and properties are part of the restart state (not of the classic database).
    connections_.push_back(m.sessionChanged.connect([this](core::Session&, core::SessionProperty) { changed(); }));
}

} // namespace ck::daemon
