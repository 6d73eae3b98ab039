// Real-VT tests of src/vt on /dev/tty0: switches, bursts, thread counts, VmSize, shutdown.
// Needs root and a VT console; exits 77 (meson: SKIP) otherwise. Always switches back.
#include <fcntl.h>
#include <gtest/gtest.h>

#include "support/pool_cost.h"
#include "support/vt_probe.h"
#include <linux/vt.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "../unit/vt/proc_self.h"
#include "../unit/vt/test_wait.h"
#include "vt/vt_device.h"
#include "vt/vt_monitor.h"
#include "vt/vt_watcher.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ck::vt::VtMonitor;
using ck::vt::VtWatcher;
using ck::vt::WatchMode;
using ck::vt::test::runFor;
using ck::vt::test::runUntil;
using ck::vt::test::statusKb;
using ck::vt::test::taskCount;

namespace {

// The test's own console fd, independent of the code under test.
int gConsole = -1;
unsigned gOriginalVt = 0;
unsigned gVtA = 5;
unsigned gVtB = 6;

unsigned kernelVt()
{
    return ck::test::activeVtOf(gConsole);
}

// VT_ACTIVATE only queues the switch; wait (bounded, unlike VT_WAITACTIVE) until it happened.
bool switchTo(unsigned vt, std::chrono::milliseconds timeout = 5s)
{
    if (ck::test::switchVtOf(gConsole, vt, timeout))
        return true;
    std::fprintf(stderr, "vt-real-test: VT %u requested, VT %u still active after %lld ms\n", vt, kernelVt(),
        static_cast<long long>(timeout.count()));
    return false;
}

void restoreOriginalVt()
{
    if (gConsole >= 0 && gOriginalVt != 0 && kernelVt() != gOriginalVt && !switchTo(gOriginalVt))
        std::fprintf(stderr, "vt-real-test: could not switch back to VT %u\n", gOriginalVt);
}

class RestoreVtEnvironment : public ::testing::Environment {
public:
    void TearDown() override { restoreOriginalVt(); }
};

bool readable(int fd, int timeoutMs)
{
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeoutMs) == 1 && (p.revents & POLLIN);
}

class ARealVt : public ::testing::TestWithParam<WatchMode> {
protected:
    void SetUp() override { ASSERT_TRUE(kernelVt() == gOriginalVt || switchTo(gOriginalVt)); }
    void TearDown() override { restoreOriginalVt(); }

    std::unique_ptr<VtMonitor> openMonitor(WatchMode mode)
    {
        auto m = VtMonitor::open("/dev/tty0", mode, [this](unsigned vt) { reports_.push_back(vt); });
        EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
        return m.ok() ? std::move(m).value() : nullptr;
    }

    std::vector<unsigned> reports_;
};

const char* name(WatchMode m)
{
    return ck::vt::watchModeName(m);
}

} // namespace

TEST(TheRealConsole, AnswersEfaultToTheWaitEventProbe)
{
    auto dev = ck::vt::openConsole();
    ASSERT_TRUE(dev.ok()) << dev.error().message;
    EXPECT_EQ(dev.value()->probeWaitEvent(), EFAULT);
    EXPECT_EQ(dev.value()->activeVt().value(), kernelVt());
    auto w = VtWatcher::start(*dev.value(), WatchMode::Auto);
    ASSERT_TRUE(w.ok()) << w.error().message;
    EXPECT_EQ(w.value()->mode(), WatchMode::WaitEvent);
}

TEST_P(ARealVt, WatcherReportsASingleSwitchWithTheRightVt)
{
    auto dev = ck::vt::openConsole();
    ASSERT_TRUE(dev.ok()) << dev.error().message;
    auto started = VtWatcher::start(*dev.value(), GetParam());
    ASSERT_TRUE(started.ok()) << started.error().message;
    auto& w = *started.value();
    EXPECT_EQ(w.takeActiveVt(), gOriginalVt);
    ASSERT_TRUE(ck::vt::test::eventually([&] { return w.settled(); }));
    std::this_thread::sleep_for(20ms); // let the thread(s) get into the kernel

    ASSERT_TRUE(switchTo(gVtA));
    ASSERT_TRUE(readable(w.eventFd(), 2000)) << name(GetParam());
    EXPECT_EQ(w.takeActiveVt(), gVtA);

    std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(switchTo(gOriginalVt));
    ASSERT_TRUE(readable(w.eventFd(), 2000)) << name(GetParam());
    EXPECT_EQ(w.takeActiveVt(), gOriginalVt);
}

TEST_P(ARealVt, MonitorReportsASingleSwitchOnce)
{
    auto m = openMonitor(GetParam());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->mode(), GetParam());
    EXPECT_EQ(m->activeVt(), gOriginalVt);
    runFor(50ms);
    ASSERT_TRUE(m->activate(gVtA).ok());
    const auto t0 = Clock::now();
    ASSERT_TRUE(runUntil([&] { return !reports_.empty(); }, 2s));
    const auto latency = Clock::now() - t0;
    runFor(100ms);
    EXPECT_EQ(reports_, std::vector<unsigned>{gVtA});
    EXPECT_EQ(m->activeVt(), gVtA);
    std::printf("%s: single switch reported after %lld us\n", name(GetParam()),
        static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
}

// Two bursts: 300 switches each made to happen one after another (the kernel completes each),
// then 300 VT_ACTIVATE requests fired without waiting. After each, the monitor must agree with
// VT_GETSTATE within 100 ms and stay there.
TEST_P(ARealVt, MonitorEndsAtTheKernelsVtWithin100msAfterABurst)
{
    auto m = openMonitor(GetParam());
    ASSERT_TRUE(m);
    runFor(50ms);
    for (bool waitEach : {true, false}) {
        std::atomic<bool> done{false};
        std::atomic<bool> failed{false};
        std::atomic<Clock::rep> doneAt{0};
        const unsigned last = waitEach ? gVtB : gVtA;
        std::thread burst([&] {
            for (unsigned i = 0; i < 300; ++i) {
                const unsigned vt = i % 2 ? gVtB : gVtA;
                if (waitEach ? !switchTo(vt) : ::ioctl(gConsole, VT_ACTIVATE, static_cast<unsigned long>(vt)) < 0)
                    failed.store(true);
            }
            if (!switchTo(last)) // the queued requests have all been carried out
                failed.store(true);
            doneAt.store(Clock::now().time_since_epoch().count());
            done.store(true);
        });
        runUntil([&] { return done.load(); }, 20s);
        burst.join();
        ASSERT_FALSE(failed.load());
        const unsigned truth = kernelVt();
        ASSERT_EQ(truth, last);
        ASSERT_TRUE(runUntil([&] { return m->activeVt() == truth; }, 1s)) << name(GetParam());
        const auto lag = Clock::now() - Clock::time_point(Clock::duration(doneAt.load()));
        EXPECT_LT(lag, 100ms) << name(GetParam());
        runFor(150ms);
        EXPECT_EQ(m->activeVt(), kernelVt()) << "never flips to a stale value";
        EXPECT_EQ(reports_.back(), truth);
        std::printf("%s burst (%s): %zu reports so far, caught up %lld us after the burst ended\n", name(GetParam()),
            waitEach ? "each switch completed" : "requests only", reports_.size(),
            static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(lag).count()));
    }
    for (std::size_t i = 1; i < reports_.size(); ++i)
        EXPECT_NE(reports_[i], reports_[i - 1]) << "reported only on change";
}

TEST_P(ARealVt, RunsTheExpectedThreadsAndJoinsThemAll)
{
    const std::size_t baseline = taskCount();
    const std::size_t expected = GetParam() == WatchMode::WaitEvent ? 1 : ck::vt::kMaxVt - 1;
    auto m = openMonitor(GetParam());
    ASSERT_TRUE(m);
    runFor(50ms);
    EXPECT_EQ(m->threadCount(), expected);
    EXPECT_EQ(taskCount(), baseline + expected);
    for (unsigned vt : {gVtA, gVtB, gOriginalVt, gVtB, gVtA}) {
        ASSERT_TRUE(switchTo(vt));
        ASSERT_TRUE(runUntil([&] { return m->activeVt() == vt; }, 1s));
        runFor(60ms); // reconcile and re-arm
        EXPECT_EQ(m->threadCount(), expected) << name(GetParam());
        EXPECT_EQ(taskCount(), baseline + expected) << name(GetParam());
    }
    std::printf("%s: %zu watcher threads (/proc/self/task %zu -> %zu)\n", name(GetParam()), m->threadCount(), baseline,
        taskCount());
    const auto t0 = Clock::now();
    m.reset();
    const auto took = Clock::now() - t0;
    EXPECT_EQ(taskCount(), baseline) << "every thread joined";
    EXPECT_LT(took, 1s);
    std::printf("%s: shutdown joined all threads in %lld us\n", name(GetParam()),
        static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
}

INSTANTIATE_TEST_SUITE_P(BothWatchModes, ARealVt, ::testing::Values(WatchMode::WaitEvent, WatchMode::WaitActive),
    [](const auto& p) { return std::string(ck::vt::watchModeName(p.param)); });

TEST(TheRealConsoleInNoneMode, ReadsTheActiveVtWithoutThreads)
{
    const std::size_t baseline = taskCount();
    std::vector<unsigned> reports;
    auto m = VtMonitor::open("/dev/tty0", WatchMode::None, [&](unsigned vt) { reports.push_back(vt); });
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m.value()->threadCount(), 0u);
    EXPECT_EQ(taskCount(), baseline);
    ASSERT_TRUE(switchTo(gVtA));
    EXPECT_EQ(m.value()->activeVt(), gVtA);
    ASSERT_TRUE(switchTo(gOriginalVt));
    EXPECT_EQ(m.value()->activeVt(), gOriginalVt);
    runFor(60ms);
    EXPECT_TRUE(reports.empty());
}

// VmSize per mode, measured in a fresh copy of this binary (glibc caches the stacks of joined
// threads, so earlier tests would hide the pool's cost).
TEST(TheRealConsole, CostsAtMost8MiBOfVmSizeForThePoolOverNoWatching)
{
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer gives every thread its own large shadow allocations";
#endif
    if (ck::test::measuringPoolCost()) {
        auto none = VtMonitor::open("/dev/tty0", WatchMode::None, nullptr);
        ASSERT_TRUE(none.ok());
        const long noneKb = statusKb("VmSize");
        long eventKb = 0;
        {
            auto m = VtMonitor::open("/dev/tty0", WatchMode::WaitEvent, nullptr);
            ASSERT_TRUE(m.ok());
            runFor(30ms);
            eventKb = statusKb("VmSize");
        }
        auto m = VtMonitor::open("/dev/tty0", WatchMode::WaitActive, nullptr);
        ASSERT_TRUE(m.ok());
        runFor(30ms);
        ck::test::reportPoolCost({noneKb, eventKb, statusKb("VmSize"), m.value()->threadCount()});
        return;
    }
    const auto cost
        = ck::test::measurePoolCostInFreshProcess("TheRealConsole.CostsAtMost8MiBOfVmSizeForThePoolOverNoWatching");
    ASSERT_TRUE(cost) << "the fresh process did not report its VmSize";
    const long noneKb = cost->noneKb, eventKb = cost->eventKb, poolKb = cost->poolKb;
    const std::size_t threads = cost->threads;
    std::printf("VmSize: none %ld kB; waitevent %ld kB (+%ld); waitactive, %zu threads, %ld kB (+%ld)\n", noneKb,
        eventKb, eventKb - noneKb, threads, poolKb, poolKb - noneKb);
    EXPECT_EQ(threads, 62u);
    EXPECT_LE(eventKb - noneKb, 1024);
    EXPECT_LE(poolKb - noneKb, 8 * 1024);
}

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (::geteuid() != 0) {
        std::fprintf(stderr, "vt-real-test: not root, skipping\n");
        return 77;
    }
    gConsole = ::open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (gConsole < 0 || kernelVt() == 0) {
        std::fprintf(stderr, "vt-real-test: /dev/tty0 is not a usable VT console, skipping\n");
        return 77;
    }
    gOriginalVt = kernelVt();
    // Two VTs other than the one we started on (activating an unallocated VT allocates it).
    if (gOriginalVt == gVtA || gOriginalVt == gVtB) {
        gVtA = 7;
        gVtB = 8;
    }
    ::testing::AddGlobalTestEnvironment(new RestoreVtEnvironment);
    const int rc = RUN_ALL_TESTS();
    restoreOriginalVt();
    ::close(gConsole);
    return rc;
}
