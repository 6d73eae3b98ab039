// Memory scenario "waitactive": the VT_WAITACTIVE fallback (one small-stack thread per inactive
// VT) must stay within 8 MiB of VmSize of the default mode's idle daemon, measured in the same run.
#include "memory/bus_load.h"
#include "memory/console_switcher.h"
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

class ADaemonInTheWaitActiveFallback : public MemoryScenario {
protected:
    ADaemonInTheWaitActiveFallback() : MemoryScenario("waitactive") { }
    void checkRequirements() override { skipUnlessVtConsole(); }
};

TEST_F(ADaemonInTheWaitActiveFallback, StaysWithinEightMiBOfTheDefaultMode)
{
    auto console = ConsoleSwitcher::open();
    ASSERT_TRUE(console) << console.error().message;

    test::DaemonOptions waitEvent;
    waitEvent.vtWatch = "waitevent";
    startDaemon(waitEvent, std::chrono::milliseconds(1000));
    const auto reference = checkpoint("waitevent idle");
    ASSERT_EQ(stopDaemon(), 0) << daemon_->stderrText();

    test::DaemonOptions waitActive;
    waitActive.vtWatch = "waitactive";
    const double since = trace_->now();
    startDaemon(waitActive, std::chrono::milliseconds(1000));
    const auto idle = checkpoint("waitactive idle");
    // The pool really is in use: far more threads than the default mode may have.
    EXPECT_GT(idle.threads, budget("threads_max")) << "--vt-watch=waitactive did not start the VT_WAITACTIVE pool";

    test::Client leader(bus_->address());
    const auto visit = visitAllVts(**console, leader, "waitactive ");
    ASSERT_EQ(visit.cookies.size(), 63u);
    leader.close();
    ASSERT_TRUE(waitForSessionCount(client_->connection(), 0));
    idleFor(std::chrono::milliseconds(300));
    const auto end = checkpoint("waitactive sessions gone");

    const long limit = reference.vmSize + budget("waitactive_vmsize_over_waitevent_idle_max_kib");
    EXPECT_LE(trace_->maxVmSize(since), limit)
        << "VmSize peaked at " << kib(trace_->maxVmSize(since)) << "; waitevent idle " << kib(reference.vmSize);
    expectThreadsAtMost(budget("waitactive_threads_max"), since, "VT_WAITACTIVE pool");
    // Every waiter woken by a switch was re-armed, none leaked.
    EXPECT_EQ(visit.visited.threads, visit.opened.threads);
    EXPECT_EQ(end.threads, idle.threads);
}

} // namespace
} // namespace ck::memtest
