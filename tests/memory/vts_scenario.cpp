// Memory scenario "vts": VT_WAITEVENT mode, one session per VT, every VT 1..63 visited with real
// switches (the daemon must follow each), then back to the original VT. Needs root and /dev/tty0.
#include "memory/bus_load.h"
#include "memory/console_switcher.h"
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

class ADaemonFollowingEveryVt : public MemoryScenario {
protected:
    ADaemonFollowingEveryVt() : MemoryScenario("vts") { }
    void checkRequirements() override { skipUnlessVtConsole(); }
};

TEST_F(ADaemonFollowingEveryVt, VisitsAllSixtyThreeVtsWithinTheDefaultModeBudgets)
{
    auto console = ConsoleSwitcher::open();
    ASSERT_TRUE(console) << console.error().message;
    test::DaemonOptions options;
    options.vtWatch = "waitevent";
    startDaemon(options, std::chrono::milliseconds(1000));
    const auto idle = checkpoint("idle");

    test::Client leader(bus_->address());
    const auto visit = visitAllVts(**console, leader, "");
    ASSERT_EQ(visit.cookies.size(), 63u);
    auto closed = closeSessions(leader.connection(), visit.cookies);
    ASSERT_TRUE(closed) << closed.error().message;
    ASSERT_TRUE(waitForSessionCount(client_->connection(), 0));
    idleFor(std::chrono::milliseconds(200));
    const auto end = checkpoint("sessions closed");

    expectThreadsAtMost(budget("threads_max"), 0, "VT_WAITEVENT mode");
    // Following 63 switches costs nothing that stays: no thread, no address space, (almost) no RSS.
    EXPECT_EQ(visit.visited.threads, visit.opened.threads);
    EXPECT_LE(visit.visited.vmSize, visit.opened.vmSize)
        << "VmSize " << kib(visit.opened.vmSize) << " before the switches, " << kib(visit.visited.vmSize) << " after";
    EXPECT_LE(visit.visited.vmRSS - visit.opened.vmRSS, budget("vt_visit_rss_growth_max_kib"))
        << "VmRSS " << kib(visit.opened.vmRSS) << " before the switches, " << kib(visit.visited.vmRSS) << " after";
    EXPECT_EQ(end.threads, idle.threads);
}

} // namespace
} // namespace ck::memtest
