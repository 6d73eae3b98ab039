// Memory scenario "sessions": 10 cycles of 1000 sessions opened (asynchronously, many calls in
// flight on one connection) and closed — by CloseSession in odd cycles, by the leader's
// connection going away in even ones.
#include <cstdio>

#include "memory/bus_load.h"
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

class ADaemonUnderSessionChurn : public MemoryScenario {
protected:
    ADaemonUnderSessionChurn() : MemoryScenario("sessions") { }
};

TEST_F(ADaemonUnderSessionChurn, CostsLittlePerSessionAndReturnsToIdleAfterEveryCycle)
{
    const long perCycle = budget("sessions_per_cycle");
    const long cycles = budget("session_cycles");
    ASSERT_GE(cycles, 2);
    startDaemon(defaultModeOptions(), std::chrono::milliseconds(1000));
    {
        // One session per user of the scenario, opened and closed before "idle": what the first
        // session of a user costs once (glibc loads the NSS module that finds users missing from
        // /etc/passwd, code paths are paged in) is not a cost per open session.
        test::Client warm(bus_->address());
        auto cookies = openSessions(warm.connection(), 50);
        ASSERT_TRUE(cookies) << cookies.error().message;
        ASSERT_TRUE(closeSessions(warm.connection(), *cookies));
        ASSERT_TRUE(waitForSessionCount(client_->connection(), 0));
        idleFor(std::chrono::milliseconds(300));
    }
    const Sample idleFull = footprint("idle");
    const auto& idle = idleFull.status;

    std::vector<long> openRss(static_cast<std::size_t>(cycles) + 1), endRss(openRss.size());
    std::vector<double> perSessionBytes(openRss.size());
    long previousRss = idle.vmRSS;
    for (long c = 1; c <= cycles; ++c) {
        const std::string tag = "c" + std::to_string(c);
        const bool byCloseSession = c % 2 == 1;
        auto leader = std::make_unique<test::Client>(bus_->address());
        const auto t0 = std::chrono::steady_clock::now();
        auto cookies = openSessions(leader->connection(), static_cast<std::size_t>(perCycle));
        ASSERT_TRUE(cookies) << tag << ": " << cookies.error().message;
        const double openSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        auto count = sessionCount(client_->connection());
        ASSERT_TRUE(count && *count == static_cast<std::size_t>(perCycle));
        const auto open = checkpoint(tag + " " + std::to_string(perCycle) + " open");
        openRss[c] = open.vmRSS;
        perSessionBytes[c] = static_cast<double>(open.vmRSS - previousRss) * 1024.0 / static_cast<double>(perCycle);

        const auto t1 = std::chrono::steady_clock::now();
        if (byCloseSession) {
            auto closed = closeSessions(leader->connection(), *cookies);
            ASSERT_TRUE(closed) << tag << ": " << closed.error().message;
        } else {
            leader->close(); // NameOwnerChanged: the daemon ends every session this leader opened
        }
        ASSERT_TRUE(waitForSessionCount(client_->connection(), 0)) << tag << ": sessions were not all removed";
        const double closeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        leader.reset();
        idleFor(std::chrono::milliseconds(200)); // the daemon's deferred writes and frees
        const Sample endFull = footprint(tag + (byCloseSession ? " closed" : " disconnected"));
        const auto& end = endFull.status;
        endRss[c] = end.vmRSS;
        previousRss = end.vmRSS;
        std::printf("%s: opened %ld in %.2fs, %s in %.2fs; VmRSS delta per session since the cycle began: "
                    "%.0f bytes; over idle: VmSize %+ld KiB, Private_Dirty %+ld KiB\n",
            tag.c_str(), perCycle, openSeconds, byCloseSession ? "CloseSession" : "disconnect", closeSeconds,
            perSessionBytes[c], end.vmSize - idle.vmSize, endFull.privateDirty - idleFull.privateDirty);

        EXPECT_EQ(end.threads, idle.threads) << tag << ": threads not back to the idle value";
        // A high-water mark of address space after a burst harms nobody (glibc keeps some of its
        // heap); growth from burst to burst would, and the RSS growth check below catches it.
        EXPECT_LE(end.vmSize - idle.vmSize, budget("cycle_vmsize_over_idle_max_kib"))
            << tag << ": VmSize " << kib(end.vmSize) << ", idle " << kib(idle.vmSize);
        EXPECT_LE(endFull.privateDirty - idleFull.privateDirty, budget("cycle_private_dirty_over_idle_max_kib"))
            << tag << ": Private_Dirty " << kib(endFull.privateDirty) << ", idle " << kib(idleFull.privateDirty);
    }

    EXPECT_LE(perSessionBytes[1], static_cast<double>(budget("rss_per_session_max_bytes")))
        << "RSS per open session (cycle 1, from idle)";
    EXPECT_LE(endRss[static_cast<std::size_t>(cycles)] - endRss[2], budget("rss_growth_cycle2_to_10_max_kib"))
        << "VmRSS grew from " << kib(endRss[2]) << " (end of cycle 2) to "
        << kib(endRss[static_cast<std::size_t>(cycles)]) << " (end of cycle " << cycles << ")";
    expectThreadsAtMost(budget("threads_max"), 0, "session churn");
    std::printf("RSS per open session: cycle 1 %.0f bytes, cycle 2 %.0f bytes; growth end c2 -> end c%ld: %ld KiB\n",
        perSessionBytes[1], perSessionBytes[2], cycles, endRss[static_cast<std::size_t>(cycles)] - endRss[2]);
}

} // namespace
} // namespace ck::memtest
