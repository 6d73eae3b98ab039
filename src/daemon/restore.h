// Lossless restart: bring back the sessions of the previous daemon whose leaders are still there.
#pragma once

#include <gio/gio.h>

#include <string>

#include "core/manager.h"
#include "daemon/recorder.h"
#include "procfs/process_info.h"

namespace ck::daemon {

struct RestoreCounts {
    std::size_t restored = 0;
    std::size_t closed = 0; // their leader left while the daemon was down
};

// A leader is alive when its unique bus name still has an owner whose pid is the recorded pid
// and that pid's start time is the recorded one (a recycled pid is not mistaken for the leader).
RestoreCounts restoreSessions(const std::string& statePath, core::Manager& manager, GDBusConnection* connection,
    const procfs::ProcReader& proc, Recorder& recorder);

} // namespace ck::daemon
