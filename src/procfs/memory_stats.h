// Memory statistics of a process from /proc: status Vm* lines, smaps totals and mappings,
// threads, and lookup by name. Used by the memory-regression harness and ck-memstat.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace ck::procfs {

// /proc/PID/status; sizes in KiB as the kernel prints them ("kB"); -1 when the line is absent
// (kernel threads have no Vm* lines).
struct StatusMemory {
    std::string name; // "Name:" as printed (comm, up to 15 bytes, '\n' and '\\' escaped)
    pid_t pid = 0;
    long vmPeak = -1;
    long vmSize = -1;
    long vmLck = -1;
    long vmHWM = -1;
    long vmRSS = -1;
    long vmData = -1;
    long vmStk = -1;
    long vmExe = -1;
    long vmLib = -1;
    long vmPTE = -1;
    long vmSwap = -1;
    long threads = -1;
};

Result<StatusMemory> readStatus(const std::string& root, pid_t pid);
// Fails on a line without ':', a Vm* value that is not "<n> kB", or a file without "Name:".
Result<StatusMemory> parseStatus(std::string_view text);

// KiB; -1 when no line of that name was present.
struct SmapsTotals {
    long rss = -1;
    long pss = -1;
    long sharedClean = -1;
    long sharedDirty = -1;
    long privateClean = -1;
    long privateDirty = -1;
    long swap = -1;
    long size = -1; // smaps_rollup has no Size line: -1 there (StatusMemory::vmSize is the same total)
};

// smaps_rollup (Linux >= 4.14, one cheap read), falling back to summing smaps when it is missing.
Result<SmapsTotals> readSmapsRollup(const std::string& root, pid_t pid);
Result<SmapsTotals> parseSmapsRollup(std::string_view text);

struct Mapping {
    unsigned long start = 0;
    unsigned long end = 0;
    std::string perms; // "r-xp"
    std::string path; // file, "[heap]", "[stack]", "" for anonymous memory
    long size = -1; // KiB
    long rss = -1;
    long pss = -1;
    long dirty = -1; // Shared_Dirty + Private_Dirty
    long swap = -1;
};

Result<std::vector<Mapping>> readSmaps(const std::string& root, pid_t pid);
Result<std::vector<Mapping>> parseSmaps(std::string_view text);
// Totals of every mapping in an smaps text, including Size (all fields start at 0: a process
// without mappings, such as a kernel thread, has nothing mapped).
Result<SmapsTotals> sumSmaps(std::string_view smapsText);

struct ThreadInfo {
    pid_t tid = 0;
    std::string comm;
};

// /proc/PID/task/*/comm, sorted by tid; threads that exit during the scan are left out.
Result<std::vector<ThreadInfo>> readThreads(const std::string& root, pid_t pid);

// Pids whose /proc/PID/comm equals comm, ascending. comm is truncated by the kernel to 15 bytes
// ("console-kit-daemon" -> "console-kit-dae"), so a longer name matches the truncated comm when
// argv[0]'s basename in /proc/PID/cmdline is the full name (or cmdline is empty, as for zombies).
Result<std::vector<pid_t>> findProcessesByName(const std::string& root, std::string_view comm);

} // namespace ck::procfs
