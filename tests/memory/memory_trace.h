// MemoryTrace: samples /proc/<pid>/status and smaps_rollup of the daemon periodically and at named checkpoints,
// and writes the trace as CSV, an SVG chart and a table for the test log.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "procfs/memory_stats.h"
#include "util/result.h"

namespace ck::memtest {

struct Sample {
    double seconds = 0; // since the trace started
    std::string checkpoint; // empty for a periodic sample
    procfs::StatusMemory status;
    // From /proc/PID/smaps_rollup (KiB; -1 when it could not be read): what the daemon costs
    // the machine, unlike VmRSS, which counts the shared libraries' pages in full.
    long pss = -1;
    long privateDirty = -1;
};

class MemoryTrace {
public:
    // Samples nothing until follow() names a pid. The sampler thread reads only procfs (no GLib).
    explicit MemoryTrace(std::string scenario, std::chrono::milliseconds period = std::chrono::milliseconds(100),
        std::string procRoot = "/proc");
    ~MemoryTrace();
    MemoryTrace(const MemoryTrace&) = delete;
    MemoryTrace& operator=(const MemoryTrace&) = delete;

    // Starts (or moves) periodic sampling to pid; 0 stops it.
    void follow(pid_t pid);
    // Reads the status now and records it under `name`; also returns it.
    Result<procfs::StatusMemory> checkpoint(const std::string& name);
    // The same with Pss and Private_Dirty (smaps_rollup).
    Result<Sample> checkpointSample(const std::string& name);

    const std::string& scenario() const { return scenario_; }
    std::vector<Sample> samples() const; // everything, in time order
    std::vector<Sample> checkpoints() const; // the named samples only
    // The largest Threads value of any sample taken from `since` seconds on (-1 if none).
    long maxThreads(double since = 0) const;
    long maxVmSize(double since = 0) const;
    double now() const;

    // The checkpoint table: checkpoint, t, VmSize, VmRSS, Pss, Private_Dirty, VmHWM, VmData, VmStk,
    // Threads (KiB).
    std::string table() const;
    std::string csv() const;
    std::string svg() const;
    // Writes <dir>/<scenario>.csv and .svg and prints the table to stdout.
    Result<void> writeArtifacts(const std::string& dir) const;

private:
    void record(Sample s);
    Sample withSmaps(Sample s) const;
    void run();

    std::string scenario_;
    std::chrono::milliseconds period_;
    std::string procRoot_;
    std::chrono::steady_clock::time_point start_;
    mutable std::mutex mutex_;
    std::vector<Sample> samples_;
    std::atomic<pid_t> pid_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Where scenarios write their CSV and SVG: $CK_MEMORY_OUT, else the current directory (meson runs
// tests in the build dir; the memory suite sets CK_MEMORY_OUT to tests/memory's build dir).
std::string artifactDir();

} // namespace ck::memtest
