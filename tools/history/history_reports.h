// ck-history's model: reading the rotated history logs and printing the reports.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "state/history.h"

namespace ck::history {

struct LoadedLog {
    std::vector<std::string> files; // read, newest first
    std::vector<state::HistoryEvent> events; // oldest first
    std::size_t unparsableLines = 0;
};

// Reads `base`, base.1, base.2, … (each plain, or base.N.gz when base.N is absent) until the
// first N for which neither exists. Events older than `since` (whole seconds) are dropped.
// An error only when not a single file could be read.
Result<LoadedLog> loadLog(const std::string& base, std::optional<Microseconds> since);

struct Filters {
    std::optional<uid_t> uid;
    std::optional<std::string> seat; // compared by basename: Seat1 == /org/…/Seat1
    std::optional<std::string> sessionType;
    bool any() const { return uid || seat || sessionType; }
};

// Which events a filtered report shows: session events must match every filter; seat events
// only the seat filter (and no user/type filter); system events (boots, shutdowns) only when
// no filter is given, as `last <user>` leaves out the reboot records.
bool matches(const state::HistoryEvent& e, const Filters& f);

// passwd name, or the number for an unknown uid.
std::string userName(uid_t uid);

// The reports print to `out`; times use the local time zone (TZ).
void printLast(std::FILE* out, const LoadedLog& loaded, const Filters& f, bool compat);
void printFrequent(std::FILE* out, const LoadedLog& loaded, const Filters& f);
void printLog(std::FILE* out, const LoadedLog& loaded, const Filters& f);
void printSummary(std::FILE* out, const LoadedLog& loaded, const Filters& f);

} // namespace ck::history
