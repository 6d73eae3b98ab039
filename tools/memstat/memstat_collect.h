// ck-memstat's samples: the rows, threads, mappings and per-name sums it prints, read from procfs.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "procfs/memory_stats.h"
#include "util/result.h"

namespace ck::memstat {

inline constexpr std::string_view kDefaultProcessName = "console-kit-daemon";

// One line of the main table.
struct Row {
    procfs::StatusMemory status;
    unsigned long long startTime = 0; // tells a reused pid from the process seen before
    std::string change; // "+", "-", "+-" or "" (see markChanges)
};

Result<Row> collectRow(const std::string& root, pid_t pid);

// Pids named name; an error saying so when there is none.
Result<std::vector<pid_t>> findTargets(const std::string& root, std::string_view name);

// Sets Row::change against the previous sample of the same process (same pid and start time):
// "+" when some value grew and none shrank, "-" when some shrank and none grew, "+-" when both,
// "" when nothing changed or the process is new.
void markChanges(const std::vector<Row>& previous, std::vector<Row>& current);

struct ThreadRow {
    pid_t pid = 0;
    pid_t lwp = 0;
    long nlwp = 0;
    std::string comm;
};

Result<std::vector<ThreadRow>> collectThreads(const std::string& root, pid_t pid);

struct MapsReport {
    pid_t pid = 0;
    std::string name;
    long size = 0;
    long rss = 0;
    long pss = 0;
    long dirty = 0;
    long swap = 0;
    std::vector<procfs::Mapping> mappings;
};

// Totals summed from smaps, so that they match the per-mapping listing exactly.
Result<MapsReport> collectMaps(const std::string& root, pid_t pid);

// What a process costs the machine (smaps_rollup): its share of every page it maps (Pss) and the
// pages only it has written (Private_Dirty); RSS counts shared library pages in full.
struct SmapsRow {
    pid_t pid = 0;
    std::string name;
    procfs::SmapsTotals totals;
};

Result<SmapsRow> collectSmaps(const std::string& root, pid_t pid);

struct NameTotal {
    std::string name;
    long rss = 0; // KiB, sum of VmRSS
    long processes = 0;
};

// VmRSS summed per process name over every process that has one (kernel threads have none),
// largest first, then by name. Processes that exit during the scan are skipped.
Result<std::vector<NameTotal>> sumRssByName(const std::string& root);

} // namespace ck::memstat
