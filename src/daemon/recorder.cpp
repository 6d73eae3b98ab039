// Recorder: model signals → database, restart state, history lines and hooks.
#include "daemon/recorder.h"

#include <optional>

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
    commit();
}

void Recorder::changed()
{
    dirty_ = true;
    if (idle_ == 0)
        idle_ = g_idle_add_full(
            G_PRIORITY_DEFAULT,
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
    if (!dirty_)
        return;
    dirty_ = false;
    const state::Snapshot snap = snapshotOf(manager_);
    if (auto r = state::writeDatabase(paths_.database, snap); !r)
        log::warning("cannot write the session database: " + r.error().message);
    if (auto r = state::saveState(paths_.state, snap, manager_.nextSessionSerial(), manager_.nextSeatSerial()); !r)
        log::warning("cannot save the restart state: " + r.error().message);
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
        const auto rec = sessionRecord(s);
        history_.append(state::sessionEvent(HistoryEventType::SeatSessionRemoved, now(), rec));
        hooks_.run(state::HookKind::Session, "session_removed", state::sessionHookEnv(rec));
    }));
    connections_.push_back(m.activeSessionChanged.connect([this, now](core::Seat& seat, core::Session* old,
                                                                      core::Session* cur) {
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
