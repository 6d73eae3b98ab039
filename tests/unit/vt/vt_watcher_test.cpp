// Tests of VtWatcher on a FakeVtDevice: mode choice, events, the lost-switch race, the pool's
// re-arming, thread counts, memory and shutdown.
#include <gtest/gtest.h>

#include "support/pool_cost.h"
#include <poll.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <functional>
#include <thread>

#include "fake_vt_device.h"
#include "proc_self.h"
#include "test_wait.h"
#include "vt/vt_watcher.h"

using namespace std::chrono_literals;
using ck::ErrorCode;
using ck::vt::VtWatcher;
using ck::vt::WatchMode;
using ck::vt::test::eventually;
using ck::vt::test::FakeVtDevice;
using ck::vt::test::statusKb;
using ck::vt::test::taskCount;

namespace {

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN);
}

std::unique_ptr<VtWatcher> startOk(FakeVtDevice& dev, WatchMode mode)
{
    auto w = VtWatcher::start(dev, mode);
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
    return w.ok() ? std::move(w).value() : nullptr;
}

int waitersInside(const FakeVtDevice& dev)
{
    int n = dev.waitEventCallers();
    for (unsigned vt = 1; vt <= ck::vt::kMaxVt; ++vt)
        n += dev.waitActiveCallers(vt);
    return n;
}

// Destroys the watcher while one of its threads is held at the fake's entry latch: it has checked
// the stop flag and is on its way into its wait, where the kernel loses the wake signal. Only a
// signal sent again once it is inside stops it. Without that re-send the join would hang; this
// helper ends such a hang after 2 s by switching VTs, so the caller sees a slow join instead.
std::chrono::steady_clock::duration destroyWithOneThreadOnItsWayIn(std::unique_ptr<VtWatcher>& w, FakeVtDevice& dev)
{
    std::atomic<bool> destroyed{false};
    std::thread opener([&] {
        eventually([&] { return dev.wakeSignalWhileHeld(); });
        dev.releaseEntry();
        if (!eventually([&] { return destroyed.load(); })) {
            const unsigned vt = dev.heldVt();
            dev.switchTo(vt != 0 ? vt : (dev.activeVt().value() == 2 ? 3 : 2));
        }
    });
    const auto t0 = std::chrono::steady_clock::now();
    w.reset();
    const auto took = std::chrono::steady_clock::now() - t0;
    destroyed.store(true);
    opener.join();
    EXPECT_TRUE(dev.wakeSignalWhileHeld()) << "the stop signal must have reached the thread before it entered";
    return took;
}

bool poolArmed(const FakeVtDevice& dev, unsigned active)
{
    for (unsigned n = 1; n <= ck::vt::kMaxVt; ++n) {
        if (dev.waitActiveCallers(n) != (n == active ? 0 : 1))
            return false;
    }
    return true;
}

} // namespace

TEST(AWatcherInAutoMode, UsesWaitEventWhenTheProbeAnswersEfault)
{
    FakeVtDevice dev;
    dev.setProbeErrno(EFAULT);
    auto w = startOk(dev, WatchMode::Auto);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->mode(), WatchMode::WaitEvent);
    EXPECT_EQ(w->threadCount(), 1u);
}

TEST(AWatcherInAutoMode, FallsBackToThePoolWhenTheProbeAnswersEnottyOrEinval)
{
    for (int err : {ENOTTY, EINVAL}) {
        FakeVtDevice dev;
        dev.setProbeErrno(err);
        auto w = startOk(dev, WatchMode::Auto);
        ASSERT_TRUE(w);
        EXPECT_EQ(w->mode(), WatchMode::WaitActive) << err;
        EXPECT_EQ(w->threadCount(), ck::vt::kMaxVt - 1) << err;
    }
}

TEST(AWatcherForcedToWaitEvent, IsAnErrorOnAKernelWithoutIt)
{
    FakeVtDevice dev;
    dev.setProbeErrno(ENOTTY);
    auto w = VtWatcher::start(dev, WatchMode::WaitEvent);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().code, ErrorCode::NotSupported);
}

TEST(AWatcherForcedToWaitActive, UsesThePoolEvenWhenWaitEventWorks)
{
    FakeVtDevice dev;
    dev.setProbeErrno(EFAULT);
    auto w = startOk(dev, WatchMode::WaitActive);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->mode(), WatchMode::WaitActive);
}

TEST(AWatcherInNoneMode, RunsNoThreadAndStillReadsTheActiveVt)
{
    FakeVtDevice dev(4);
    const auto tasks = taskCount();
    auto w = startOk(dev, WatchMode::None);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->threadCount(), 0u);
    EXPECT_EQ(taskCount(), tasks);
    dev.switchTo(6);
    EXPECT_FALSE(readable(w->eventFd(), 50));
    EXPECT_EQ(w->takeActiveVt(), 6u);
}

TEST(AWaitEventWatcher, WakesTheMainLoopAndReportsTheNewVtOnASwitch)
{
    FakeVtDevice dev(1);
    auto w = startOk(dev, WatchMode::WaitEvent);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->takeActiveVt(), 1u);
    ASSERT_TRUE(eventually([&] { return dev.waitEventCallers() == 1; }));
    EXPECT_FALSE(readable(w->eventFd(), 0));

    dev.switchTo(3);
    ASSERT_TRUE(readable(w->eventFd(), 2000));
    EXPECT_EQ(w->takeActiveVt(), 3u);
    EXPECT_FALSE(readable(w->eventFd(), 0)) << "takeActiveVt() clears the eventfd";
}

TEST(AWaitEventWatcher, RunsExactlyOneThreadWhateverTheSwitching)
{
    FakeVtDevice dev(1);
    const auto tasks = taskCount();
    auto w = startOk(dev, WatchMode::WaitEvent);
    ASSERT_TRUE(w);
    EXPECT_EQ(taskCount(), tasks + 1);
    for (unsigned i = 0; i < 200; ++i) {
        dev.switchTo(2 + i % 40);
        if (i % 10 == 0)
            w->takeActiveVt();
        ASSERT_EQ(w->threadCount(), 1u);
    }
    EXPECT_EQ(taskCount(), tasks + 1);
}

TEST(AWaitEventWatcher, ReadsTheKernelsTruthWhenASwitchFallsBetweenTwoWaits)
{
    FakeVtDevice dev(1);
    auto w = startOk(dev, WatchMode::WaitEvent);
    ASSERT_TRUE(w);
    ASSERT_TRUE(eventually([&] { return dev.waitEventCallers() == 1; }));

    // 1 -> 2 is reported; 2 -> 4 happens while the thread is between two VT_WAITEVENT calls.
    dev.switchOnNextWaitEventEntry(4);
    dev.switchTo(2);
    ASSERT_TRUE(eventually([&] { return dev.entrySwitchDone() && dev.waitEventCallers() == 1; }));
    ASSERT_TRUE(readable(w->eventFd(), 2000));
    EXPECT_EQ(w->takeActiveVt(), 4u) << "the value comes from VT_GETSTATE, not from the event";
    // The kernel told nobody about 2 -> 4: only a fresh read (the monitor's reconcile) sees it.
    EXPECT_FALSE(readable(w->eventFd(), 50));
    EXPECT_TRUE(w->settled());
    EXPECT_EQ(w->takeActiveVt(), 4u);
}

TEST(AWaitEventWatcher, EndsItsThreadWhenTheKernelRefusesTheWait)
{
    FakeVtDevice dev(1);
    dev.failWaitEvent(EIO);
    auto w = startOk(dev, WatchMode::WaitEvent);
    ASSERT_TRUE(w);
    ASSERT_TRUE(readable(w->eventFd(), 2000));
    ASSERT_TRUE(eventually([&] { return w->threadCount() == 0; }));
    EXPECT_EQ(w->takeActiveVt(), 1u);
    EXPECT_TRUE(w->settled());
}

TEST(APoolWatcher, WaitsOnEveryVtButTheActiveOne)
{
    FakeVtDevice dev(1);
    auto w = startOk(dev, WatchMode::WaitActive);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->threadCount(), 62u);
    EXPECT_TRUE(eventually([&] { return poolArmed(dev, 1); }));
    EXPECT_TRUE(w->settled());
}

TEST(APoolWatcher, RearmsAsTheActiveVtMoves)
{
    FakeVtDevice dev(1);
    auto w = startOk(dev, WatchMode::WaitActive);
    ASSERT_TRUE(w);
    ASSERT_TRUE(eventually([&] { return poolArmed(dev, 1); }));

    for (unsigned vt : {5u, 9u, 1u, 63u, 2u}) {
        dev.switchTo(vt);
        ASSERT_TRUE(readable(w->eventFd(), 2000));
        EXPECT_EQ(w->takeActiveVt(), vt);
        // The new foreground VT's waiter has ended; the old one's has been started again.
        EXPECT_TRUE(eventually([&] { return poolArmed(dev, vt); })) << vt;
        EXPECT_EQ(w->threadCount(), 62u);
        EXPECT_TRUE(w->settled());
    }
}

TEST(APoolWatcher, DoesNotSpinOnTheForegroundVt)
{
    FakeVtDevice dev(1);
    auto w = startOk(dev, WatchMode::WaitActive);
    ASSERT_TRUE(w);
    ASSERT_TRUE(eventually([&] { return poolArmed(dev, 1); }));

    // 1 -> 5, VT 5's waiter returns, then 5 -> 1 before the main loop looks: VT 1 had no waiter.
    dev.switchTo(5);
    ASSERT_TRUE(eventually([&] { return w->threadCount() == 61; }));
    dev.switchTo(1);
    ASSERT_TRUE(readable(w->eventFd(), 2000));
    EXPECT_EQ(w->takeActiveVt(), 1u);
    ASSERT_TRUE(eventually([&] { return poolArmed(dev, 1); }));
    // Re-arming starts its threads before takeActiveVt() returns: one for VT 1 would show at once.
    const auto calls = dev.waitActiveCalls();
    EXPECT_EQ(w->takeActiveVt(), 1u);
    EXPECT_EQ(w->threadCount(), 62u) << "no waiter may be started for the VT in front";
    EXPECT_TRUE(poolArmed(dev, 1));
    EXPECT_EQ(dev.waitActiveCalls(), calls) << "no waiter may loop on the VT in front";
}

TEST(APoolWatcher, StopsWatchingAVtWhoseWaitFailsInsteadOfRetryingInALoop)
{
    FakeVtDevice dev(1);
    dev.failWaitActive(7, EIO);
    auto w = startOk(dev, WatchMode::WaitActive);
    ASSERT_TRUE(w);
    ASSERT_TRUE(readable(w->eventFd(), 2000));
    ASSERT_TRUE(eventually([&] { return w->threadCount() == 61; }));
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(w->takeActiveVt(), 1u);
    EXPECT_EQ(dev.waitActiveCalls(7), 1u);
    EXPECT_EQ(w->threadCount(), 61u);
    EXPECT_TRUE(w->settled());
}

// Measured in a fresh copy of this binary: glibc keeps the stacks of joined threads in a cache,
// so a process that already ran other pool tests would show no growth at all.
TEST(APoolWatcher, CostsAtMost8MiBOfAddressSpaceOverNoThreads)
{
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer gives every thread its own large shadow allocations";
#endif
    if (ck::test::measuringPoolCost()) {
        FakeVtDevice dev(1);
        const long noneKb = statusKb("VmSize");
        long eventKb = 0;
        {
            auto w = startOk(dev, WatchMode::WaitEvent);
            ASSERT_TRUE(w);
            ASSERT_TRUE(eventually([&] { return dev.waitEventCallers() == 1; }));
            eventKb = statusKb("VmSize");
        }
        auto w = startOk(dev, WatchMode::WaitActive);
        ASSERT_TRUE(w);
        ASSERT_TRUE(eventually([&] { return poolArmed(dev, 1); }));
        ck::test::reportPoolCost({noneKb, eventKb, statusKb("VmSize"), w->threadCount()});
        return;
    }
    const auto cost
        = ck::test::measurePoolCostInFreshProcess("APoolWatcher.CostsAtMost8MiBOfAddressSpaceOverNoThreads");
    ASSERT_TRUE(cost) << "the fresh process did not report its VmSize";
    const long noneKb = cost->noneKb, eventKb = cost->eventKb, poolKb = cost->poolKb;
    const std::size_t threads = cost->threads;
    std::printf("VmSize: none %ld kB; waitevent %ld kB (+%ld); waitactive, %zu threads, %ld kB (+%ld)\n", noneKb,
        eventKb, eventKb - noneKb, threads, poolKb, poolKb - noneKb);
    EXPECT_EQ(threads, 62u);
    EXPECT_LE(eventKb - noneKb, 1024) << "one small stack, no malloc arena";
    EXPECT_LE(poolKb - noneKb, 8 * 1024);
}

TEST(AWatcher, JoinsEveryThreadWhenDestroyedWhileTheyAreBlocked)
{
    for (WatchMode mode : {WatchMode::WaitEvent, WatchMode::WaitActive}) {
        FakeVtDevice dev(1);
        const auto tasks = taskCount();
        dev.holdNextEntry(); // one thread is still on its way into its wait when the stop comes
        auto w = startOk(dev, mode);
        ASSERT_TRUE(w);
        const int blocked = mode == WatchMode::WaitEvent ? 0 : 61;
        ASSERT_TRUE(eventually([&] { return dev.entryHeld() && waitersInside(dev) == blocked; }));
        EXPECT_EQ(taskCount(), tasks + w->threadCount());
        const auto took = destroyWithOneThreadOnItsWayIn(w, dev);
        EXPECT_LT(took, 1s) << ck::vt::watchModeName(mode);
        EXPECT_EQ(taskCount(), tasks) << ck::vt::watchModeName(mode);
        EXPECT_EQ(waitersInside(dev), 0);
    }
}

TEST(AWatcher, JoinsCleanlyWhenDestroyedInTheMiddleOfABurst)
{
    for (WatchMode mode : {WatchMode::WaitEvent, WatchMode::WaitActive}) {
        FakeVtDevice dev(1);
        const auto tasks = taskCount();
        auto w = startOk(dev, mode);
        ASSERT_TRUE(w);
        std::atomic<bool> stop{false};
        std::thread switcher([&] {
            for (unsigned i = 0; !stop.load() && !dev.entryHeld(); ++i)
                dev.switchTo(i % 2 ? 2 : 3);
        });
        for (int i = 0; i < 20; ++i) {
            std::this_thread::sleep_for(1ms);
            w->takeActiveVt();
        }
        // Mid-burst, a thread that woke from a switch comes back and is held on its way in.
        dev.holdNextEntry();
        const bool held = eventually([&] {
            w->takeActiveVt(); // the pool re-arms, i.e. starts new waiters, only on the main loop
            return dev.entryHeld();
        });
        stop.store(true);
        switcher.join();
        ASSERT_TRUE(held) << ck::vt::watchModeName(mode);
        if (dev.heldVt() != 0 && dev.activeVt().value() == dev.heldVt())
            dev.switchTo(5); // VT_WAITACTIVE(n) would return at once with n in front
        const auto took = destroyWithOneThreadOnItsWayIn(w, dev);
        EXPECT_LT(took, 1s) << ck::vt::watchModeName(mode);
        EXPECT_EQ(taskCount(), tasks) << ck::vt::watchModeName(mode);
    }
}
