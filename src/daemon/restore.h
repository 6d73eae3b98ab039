// Lossless restart: bring back the sessions of the previous daemon whose leaders are still there.
#pragma once

#include <gio/gio.h>

#include <memory>
#include <string>

#include "core/manager.h"
#include "daemon/recorder.h"
#include "procfs/process_info.h"

namespace ck::daemon {

class LeaderRecheck;

struct RestoreCounts {
    std::size_t restored = 0;
    std::size_t closed = 0; // their leader left while the daemon was down
    std::size_t unverified = 0; // restored although the bus could not say whether the leader lives
    // Checks the unverified leaders again from the main loop (a session whose leader turns out to
    // be gone is closed then). Keep it as long as the main loop runs; destroying it stops the checks.
    std::unique_ptr<LeaderRecheck> recheck;
    RestoreCounts();
    RestoreCounts(RestoreCounts&&) noexcept;
    ~RestoreCounts();
};

// A leader is alive when its unique bus name still has an owner whose pid is the recorded pid
// and that pid's start time is the recorded one (a recycled pid is not mistaken for the leader).
// A leader the bus cannot answer for (a timeout, an error other than "no such name") is not taken
// for gone: its session is restored and the leader checked again (RestoreCounts::recheck).
// A state file that cannot be read at all is renamed to <state>.bad-<unix time>, never overwritten;
// records in it that cannot be read are skipped and logged, the others restored.
RestoreCounts restoreSessions(const std::string& statePath, core::Manager& manager, GDBusConnection* connection,
    const procfs::ProcReader& proc, Recorder& recorder);

} // namespace ck::daemon
