// MemoryScenario: the fixture every memory scenario uses — a private bus, the real daemon, a
// MemoryTrace that follows it, the budgets file, and the CSV/SVG/table written at the end.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "memory/budgets.h"
#include "memory/memory_trace.h"
#include "support/test_bus.h"

namespace ck::memtest {

class ConsoleSwitcher;

class MemoryScenario : public ::testing::Test {
protected:
    // The scenario's name: the CSV/SVG file names and the table title.
    explicit MemoryScenario(std::string scenario);
    void SetUp() override;
    void TearDown() override; // stops the daemon (expecting exit 0), writes the artifacts
    // Runs first in SetUp, before anything is started: a scenario that cannot run here exits 77
    // (skipUnless, skipUnlessVtConsole) without leaving a dbus-daemon behind.
    virtual void checkRequirements() { }

    // Starts a daemon on the bus (stopping the previous one) and follows it with the trace.
    // `settle` lets start-up allocations (GDBus worker, first replies) finish before "idle".
    void startDaemon(test::DaemonOptions options, std::chrono::milliseconds settle = std::chrono::milliseconds(500));
    int stopDaemon();

    // A budget from the file; a missing key fails the test (and returns 0).
    long budget(const std::string& key);
    // Checkpoint that fails the test when /proc cannot be read.
    procfs::StatusMemory checkpoint(const std::string& name);
    // The same with Pss and Private_Dirty (smaps_rollup).
    Sample footprint(const std::string& name);
    // Runs the default main context for `d` (replies, signals) while the sampler keeps sampling.
    void idleFor(std::chrono::milliseconds d);

    // Fails the test unless every sample since `since` has Threads <= max.
    void expectThreadsAtMost(long max, double since, const std::string& what);

    // Opens one session per VT 1..63 on `leader` (text logins, static seat), then visits every VT
    // with `console`, each time waiting until the daemon reports that VT's session active, and
    // switches back to the original VT. Checkpoints are prefixed with `label`.
    struct VtVisit {
        std::vector<std::string> cookies;
        procfs::StatusMemory opened; // the 63 sessions open, before the first switch
        procfs::StatusMemory visited; // back on the original VT
    };
    VtVisit visitAllVts(ConsoleSwitcher& console, test::Client& leader, const std::string& label);

    std::string scenario_;
    Budgets budgets_;
    std::unique_ptr<MemoryTrace> trace_;
    std::unique_ptr<test::TestBus> bus_;
    std::unique_ptr<test::Daemon> daemon_;
    std::unique_ptr<test::Client> client_;
};

// "auto" is the daemon's default: VT_WAITEVENT where the kernel has it (every kernel since
// 2.6.32), and no VT threads at all where /dev/tty0 cannot be opened.
test::DaemonOptions defaultModeOptions();

// Exits 77 (SKIP) unless we are root and /dev/tty0 is a VT console.
void skipUnlessVtConsole();

// "12345 KiB (12.1 MiB)".
std::string kib(long value);

} // namespace ck::memtest
