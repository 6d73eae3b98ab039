// Tests of VtMonitor on a GLib main loop with a FakeVtDevice: debounced reports, the lost-switch
// race, bursts, activation and the none mode.
#include <glib.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "fake_vt_device.h"
#include "test_wait.h"
#include "vt/vt_monitor.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ck::ErrorCode;
using ck::vt::VtMonitor;
using ck::vt::WatchMode;
using ck::vt::test::FakeVtDevice;
using ck::vt::test::runFor;
using ck::vt::test::runUntil;

namespace {

struct Harness {
    FakeVtDevice* dev = nullptr; // owned by the monitor
    std::vector<unsigned> reports;
    std::unique_ptr<VtMonitor> monitor;

    Harness(WatchMode mode, unsigned initialVt = 1, int probe = EFAULT)
    {
        auto device = std::make_unique<FakeVtDevice>(initialVt);
        device->setProbeErrno(probe);
        dev = device.get();
        auto m = VtMonitor::create(std::move(device), mode, [this](unsigned vt) { reports.push_back(vt); });
        EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
        if (m.ok())
            monitor = std::move(m).value();
    }
};

class AVtMonitor : public ::testing::TestWithParam<WatchMode> { };

} // namespace

TEST_P(AVtMonitor, ReportsASwitchOnceWithTheNewVt)
{
    Harness h(GetParam());
    ASSERT_TRUE(h.monitor);
    EXPECT_EQ(h.monitor->activeVt(), 1u);
    h.dev->switchTo(3);
    ASSERT_TRUE(runUntil([&] { return !h.reports.empty(); }, 2s));
    // The reconcile pass after the wake-up reads the VT again; it must not report it again.
    const auto reads = h.dev->reads();
    ASSERT_TRUE(runUntil([&] { return h.dev->reads() > reads; }, 2s)) << "no reconcile pass";
    EXPECT_EQ(h.reports, std::vector<unsigned>{3});
    EXPECT_EQ(h.monitor->activeVt(), 3u);
}

TEST_P(AVtMonitor, EndsAtTheKernelsVtWithin100msOfABurstAndNeverFlipsBack)
{
    Harness h(GetParam());
    ASSERT_TRUE(h.monitor);
    std::atomic<bool> done{false};
    std::atomic<long long> doneAtNs{0};
    std::thread burst([&] {
        for (unsigned i = 0; i < 301; ++i) {
            h.dev->switchTo(i % 2 ? 2 : 3);
            if (i % 16 == 0)
                std::this_thread::yield();
        }
        doneAtNs.store(Clock::now().time_since_epoch().count());
        done.store(true);
    });
    runUntil([&] { return done.load(); }, 10s);
    burst.join();
    const unsigned truth = h.dev->activeVt().value();
    ASSERT_EQ(truth, 3u);
    ASSERT_TRUE(runUntil([&] { return h.monitor->activeVt() == truth; }, 1s));
    const auto lag = Clock::now() - Clock::time_point(Clock::duration(doneAtNs.load()));
    EXPECT_LT(lag, 100ms);
    // Never flips back: wait until the reconcile passes the burst started have all run (the last
    // of them found nothing new and the watcher settled), then dispatch what is left.
    ASSERT_TRUE(runUntil([&] { return !h.monitor->reconcileScheduled(); }, 5s));
    for (int i = 0; i < 1000 && g_main_context_iteration(nullptr, FALSE); ++i) { }
    EXPECT_EQ(h.monitor->activeVt(), truth);
    ASSERT_FALSE(h.reports.empty());
    EXPECT_EQ(h.reports.back(), truth);
    for (std::size_t i = 0; i < h.reports.size(); ++i) {
        EXPECT_TRUE(h.reports[i] == 2 || h.reports[i] == 3) << h.reports[i];
        if (i > 0) {
            EXPECT_NE(h.reports[i], h.reports[i - 1]) << "reported only on change";
        }
    }
    std::printf("%s: %zu reports for %llu switches, caught up %lld us after the burst\n",
        ck::vt::watchModeName(GetParam()), h.reports.size(), static_cast<unsigned long long>(h.dev->switches()),
        static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(lag).count()));
}

INSTANTIATE_TEST_SUITE_P(BothWatchModes, AVtMonitor, ::testing::Values(WatchMode::WaitEvent, WatchMode::WaitActive),
    [](const auto& p) { return std::string(ck::vt::watchModeName(p.param)); });

TEST(AVtMonitorOnWaitEvent, FindsASwitchThatTheKernelNeverReportedWithin100ms)
{
    Harness h(WatchMode::WaitEvent);
    ASSERT_TRUE(h.monitor);
    ASSERT_TRUE(runUntil([&] { return h.dev->waitEventCallers() == 1; }, 2s));
    // The start-up reconcile pass reads the VT once; let it pass, so the read that lets the lost
    // switch happen below is the one that follows the wake-up.
    runFor(std::chrono::milliseconds(3 * VtMonitor::kReconcileDelayMs));
    // 1 -> 2 is reported. The main loop reads VT 2; only then, while the thread is on its way
    // back into VT_WAITEVENT, the kernel switches 2 -> 4 and tells nobody.
    h.dev->loseSwitchAfterNextRead(4);
    h.dev->switchTo(2);
    ASSERT_TRUE(runUntil([&] { return h.dev->lostSwitchDone(); }, 2s));
    const auto lostAt = Clock::now();
    ASSERT_TRUE(runUntil([&] { return !h.reports.empty(); }, 2s));
    EXPECT_EQ(h.reports.front(), 2u) << "the wake-up's own read saw VT 2, not the lost switch";
    ASSERT_TRUE(runUntil([&] { return h.monitor->activeVt() == 4; }, 1s)) << "only a fresh read finds VT 4";
    EXPECT_LT(Clock::now() - lostAt, 100ms);
    EXPECT_EQ(h.reports, (std::vector<unsigned>{2, 4}));
}

TEST(AVtMonitorInNoneMode, ReadsTheVtOnDemandAndReportsNothing)
{
    Harness h(WatchMode::None, 2);
    ASSERT_TRUE(h.monitor);
    EXPECT_EQ(h.monitor->mode(), WatchMode::None);
    EXPECT_EQ(h.monitor->threadCount(), 0u);
    EXPECT_EQ(h.monitor->activeVt(), 2u);
    h.dev->switchTo(7);
    // Nothing can report: no thread waits for the kernel and no reconcile pass is scheduled.
    EXPECT_FALSE(h.monitor->reconcileScheduled());
    for (int i = 0; i < 1000 && g_main_context_iteration(nullptr, FALSE); ++i) { }
    EXPECT_TRUE(h.reports.empty());
    EXPECT_EQ(h.monitor->activeVt(), 7u);
}

TEST(AVtMonitorInAutoMode, FallsBackToThePoolOnAKernelWithoutWaitEvent)
{
    Harness h(WatchMode::Auto, 1, ENOTTY);
    ASSERT_TRUE(h.monitor);
    EXPECT_EQ(h.monitor->mode(), WatchMode::WaitActive);
    EXPECT_EQ(h.monitor->threadCount(), 62u);
    h.dev->switchTo(8);
    ASSERT_TRUE(runUntil([&] { return h.monitor->activeVt() == 8; }, 2s));
    EXPECT_EQ(h.reports, std::vector<unsigned>{8});
}

TEST(AVtMonitorActivation, RejectsVtsOutside1To63)
{
    Harness h(WatchMode::None);
    ASSERT_TRUE(h.monitor);
    for (unsigned bad : {0u, 64u, 1000u}) {
        auto r = h.monitor->activate(bad);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
    }
    EXPECT_TRUE(h.dev->activations().empty());
}

TEST(AVtMonitorActivation, AsksTheKernelAndReportsWhenTheSwitchHappens)
{
    Harness h(WatchMode::WaitEvent);
    ASSERT_TRUE(h.monitor);
    ASSERT_TRUE(h.monitor->activate(63).ok());
    EXPECT_EQ(h.dev->activations(), std::vector<unsigned>{63});
    ASSERT_TRUE(runUntil([&] { return !h.reports.empty(); }, 2s));
    EXPECT_EQ(h.reports, std::vector<unsigned>{63});
}

TEST(AVtMonitorOpen, FailsClearlyWhenTheConsoleCannotBeOpened)
{
    auto m = VtMonitor::open("/nonexistent/tty0", WatchMode::Auto, nullptr);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("/nonexistent/tty0"), std::string::npos);
}

TEST(AVtMonitorOpen, RefusesADeviceThatIsNotAVt)
{
    auto m = VtMonitor::open("/dev/null", WatchMode::Auto, nullptr);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, ErrorCode::NotSupported);
}
