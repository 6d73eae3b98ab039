// Memory scenario "idle": the daemon in its default mode with one static seat and no session.
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

class AnIdleDaemon : public MemoryScenario {
protected:
    AnIdleDaemon() : MemoryScenario("idle") { }
};

TEST_F(AnIdleDaemon, StaysWithinItsIdleBudgetsAndDoesNotGrow)
{
    startDaemon(defaultModeOptions(), std::chrono::milliseconds(1000));
    const auto first = checkpoint("idle");
    idleFor(std::chrono::seconds(2));
    const Sample laterFull = footprint("idle +2s");
    const auto& later = laterFull.status;
    // One GetSystemIdleHint: answering a call must not start a thread (GLib thread pools).
    test::Reply r = client_->manager("GetSystemIdleHint");
    EXPECT_TRUE(r.ok()) << r.print();
    idleFor(std::chrono::milliseconds(500));
    const auto afterCall = checkpoint("after one call");

    EXPECT_LE(later.vmSize, budget("idle_vmsize_max_kib")) << "idle VmSize " << kib(later.vmSize);
    // Pss and Private_Dirty, not VmRSS: VmRSS counts in full the library pages that every other
    // GLib program maps too.
    EXPECT_LE(laterFull.pss, budget("idle_pss_max_kib")) << "idle Pss " << kib(laterFull.pss);
    EXPECT_LE(laterFull.privateDirty, budget("idle_private_dirty_max_kib"))
        << "idle Private_Dirty " << kib(laterFull.privateDirty);
    expectThreadsAtMost(budget("threads_max"), 0, "idle daemon");
    EXPECT_EQ(later.vmSize, first.vmSize) << "VmSize changed while idle";
    EXPECT_EQ(later.threads, first.threads);
    EXPECT_EQ(afterCall.threads, first.threads) << "a method call started a thread";
    EXPECT_EQ(afterCall.vmSize, first.vmSize) << "a method call grew VmSize";
}

} // namespace
} // namespace ck::memtest
