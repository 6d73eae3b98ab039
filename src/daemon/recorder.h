// Recorder: keeps the files others read (database, history, hooks) and the daemon's own restart
// state in step with the model. The database and the restart state are rewritten atomically;
// commit() writes them at once (before a reply that creates or ends a session), otherwise a
// change is written at the end of the main-loop iteration that made it.
#pragma once

#include <glib.h>

#include <memory>
#include <string>
#include <vector>

#include "core/manager.h"
#include "state/history.h"
#include "state/hooks.h"
#include "util/typed_signal.h"

namespace ck::daemon {

struct RecorderPaths {
    std::string database;   // <rundir>/database
    std::string state;      // <rundir>/state
    std::string history;    // <logdir>/history
};

class Recorder {
public:
    Recorder(core::Manager& manager, RecorderPaths paths, state::HookRunnerConfig hooks);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // While muted (restoring sessions after a restart) model events write no history and run no hooks.
    void setMuted(bool muted) { muted_ = muted; }
    // Writes the database and the restart state now if anything changed.
    void commit();
    // For events that are not model changes (power actions, sessions found dead at restart).
    void logEvent(const state::HistoryEvent& event) { history_.append(event); }
    state::HistoryWriter& history() { return history_; }

private:
    void changed();
    void connect();

    core::Manager& manager_;
    RecorderPaths paths_;
    state::HistoryWriter history_;
    state::HookRunner hooks_;
    std::vector<Connection> connections_;
    guint idle_ = 0;
    bool dirty_ = false;
    bool muted_ = false;
};

} // namespace ck::daemon
