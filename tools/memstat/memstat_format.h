// ck-memstat's output: aligned text tables and JSON for each report, kept apart from reading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "memstat/memstat_collect.h"

namespace ck::memstat {

// Columns: Chg PID Name VmStk VmData VmSize VmPeak VmRSS VmHWM Threads (KiB; "-" when absent).
std::string formatTable(const std::vector<Row>& rows);
// {"processes":[{"pid":…,"name":…,"startTime":…,"change":…,"vmStk":…,…,"threads":…}]}, one line.
std::string formatTableJson(const std::vector<Row>& rows);

// Columns: PID LWP NLWP COMM, like ps -eLf.
std::string formatThreads(const std::vector<ThreadRow>& rows);
std::string formatThreadsJson(const std::vector<ThreadRow>& rows);

// Without all: one totals line per process (PID Name Size RSS PSS Dirty Swap). With all: for
// each process its mappings like pmap -x, then a "total kB" line.
std::string formatMaps(const std::vector<MapsReport>& reports, bool all);
std::string formatMapsJson(const std::vector<MapsReport>& reports, bool all);

// Columns: PID Name RSS Pss Private_Dirty Swap (KiB, smaps_rollup; "-" when absent).
std::string formatSmaps(const std::vector<SmapsRow>& rows);
std::string formatSmapsJson(const std::vector<SmapsRow>& rows);

// Columns: Name RSS Procs.
std::string formatByName(const std::vector<NameTotal>& totals);
std::string formatByNameJson(const std::vector<NameTotal>& totals);

// A JSON string literal, quotes included: control characters escaped, bytes that are not valid
// UTF-8 (comm is cut at 15 bytes, possibly inside a character) replaced by U+FFFD.
std::string jsonString(std::string_view text);

// A name safe for a terminal table: control characters become '?'.
std::string displayName(std::string_view text);

} // namespace ck::memstat
