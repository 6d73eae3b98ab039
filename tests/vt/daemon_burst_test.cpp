// The real daemon under bursts of real VT switches: it ends on the kernel's session within 100 ms,
// and its thread count and VmSize stay what the watch mode promises.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>

#include "daemon_vt_support.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace ck::test {
namespace {

constexpr unsigned kBurstSwitches = 300;
constexpr auto kCatchUpLimit = 100ms;

// Samples /proc/<pid>/status "Threads:" from its own thread until stopped.
class ThreadSampler {
public:
    explicit ThreadSampler(pid_t pid)
        : pid_(pid), thread_([this] {
              while (!stop_.load()) {
                  const long n = procStatus(pid_, "Threads");
                  if (n > 0) {
                      min_.store(std::min(min_.load(), n));
                      max_.store(std::max(max_.load(), n));
                      samples_.fetch_add(1);
                  }
                  std::this_thread::sleep_for(200us);
              }
          })
    { }
    ~ThreadSampler() { stop(); }
    void stop()
    {
        stop_.store(true);
        if (thread_.joinable())
            thread_.join();
    }
    long min() const { return min_.load(); }
    long max() const { return max_.load(); }
    long samples() const { return samples_.load(); }

private:
    pid_t pid_;
    std::atomic<bool> stop_{false};
    std::atomic<long> min_{1 << 30};
    std::atomic<long> max_{0};
    std::atomic<long> samples_{0};
    std::thread thread_;
};

class ADaemonUnderVtBursts : public DaemonOnRealVt {
protected:
    // kBurstSwitches switches alternating between the two session VTs, ending on `last`; each
    // one completed before the next (waitEach) or only requested. Returns when the kernel shows
    // `last` (the end of the burst).
    ::testing::AssertionResult burst(bool waitEach, unsigned last)
    {
        const unsigned other = last == gVt.text ? gVt.x : gVt.text;
        for (unsigned i = 0; i < kBurstSwitches; ++i) {
            const unsigned vt = (kBurstSwitches - i) % 2 == 1 ? last : other; // the last one is `last`
            if (waitEach ? !switchTo(vt) : !requestVt(vt))
                return ::testing::AssertionFailure() << "switch " << i << " to VT " << vt << " failed";
        }
        if (!kernelReaches(last))
            return ::testing::AssertionFailure() << "the kernel did not end on VT " << last;
        return ::testing::AssertionSuccess();
    }
};

TEST_P(ADaemonUnderVtBursts, EndsOnTheKernelsSessionWithin100msAfterABurst)
{
    const Opened text = openText(gVt.text);
    const Opened x = openXOnVt(gVt.x);
    ASSERT_FALSE(x.path.empty());
    const std::map<unsigned, std::string> sessionOn{{gVt.text, text.path}, {gVt.x, x.path}};

    struct Case {
        bool waitEach;
        unsigned last;
    };
    for (const Case& c : {Case{true, gVt.x}, Case{false, gVt.text}, Case{true, gVt.text}, Case{false, gVt.x}}) {
        const char* kind = c.waitEach ? "each switch completed" : "requests only";
        const auto t0 = Clock::now();
        ASSERT_TRUE(burst(c.waitEach, c.last)) << kind;
        const auto end = Clock::now();
        const unsigned truth = kernelVt();
        ASSERT_EQ(truth, c.last);
        const std::string expected = sessionOn.at(truth);
        // Poll the daemon for at most 100 ms from the end of the burst.
        std::string seen;
        Clock::time_point caughtUp{};
        while (true) {
            seen = activeSession();
            const auto now = Clock::now();
            if (seen == expected) {
                caughtUp = now;
                break;
            }
            if (now - end > kCatchUpLimit)
                break;
        }
        EXPECT_EQ(seen, expected) << GetParam() << ", " << kind << ": not caught up 100 ms after the burst";
        std::printf("[%s] burst of %u (%s) took %lld ms; GetActiveSession matched VT_GETSTATE %lld us after "
                    "its end\n",
            GetParam().c_str(), kBurstSwitches, kind, static_cast<long long>(micros(end - t0) / 1000),
            caughtUp == Clock::time_point{} ? -1LL : micros(caughtUp - end));
        // It stays there (no stale event flips it back), and the last signal agrees.
        spin(150ms);
        EXPECT_EQ(kernelVt(), truth);
        EXPECT_EQ(activeSession(), expected) << GetParam() << ", " << kind;
        ASSERT_TRUE(log_->waitFor(
            [&] {
                const auto sigs = log_->signals("ActiveSessionChanged", kSeat1Path);
                return !sigs.empty() && sigs.back().body == "('" + expected + "',)";
            },
            1s))
            << "the last ActiveSessionChanged names the kernel's session";
        EXPECT_EQ(isActive(expected), true);
        EXPECT_EQ(isActive(expected == text.path ? x.path : text.path), false);
        log_->clear();
    }
}

TEST_P(ADaemonUnderVtBursts, KeepsItsThreadCountWhateverTheSessionsAndSwitches)
{
    const pid_t pid = daemon_->pid();
    const long atStart = procStatus(pid, "Threads");
    // 50 sessions on the two VTs.
    for (int i = 0; i < 50; ++i)
        ASSERT_FALSE(openText(i % 2 ? gVt.x : gVt.text).path.empty());
    spin(50ms);
    const long withSessions = procStatus(pid, "Threads");

    // Bursts of both kinds for at least 400 ms (a burst may take only a few ms on a VM console),
    // sampled all along from another thread.
    ThreadSampler sampler(pid);
    unsigned bursts = 0;
    for (const auto until = Clock::now() + 400ms; Clock::now() < until; bursts += 2) {
        ASSERT_TRUE(burst(false, gVt.x));
        ASSERT_TRUE(burst(true, gVt.text));
    }
    sampler.stop();
    std::this_thread::sleep_for(200ms); // settled: the pool (waitactive) re-armed
    const long after = procStatus(pid, "Threads");
    ASSERT_TRUE(switchTo(gVt.original));
    std::this_thread::sleep_for(200ms);
    const long back = procStatus(pid, "Threads");

    std::printf("[%s] daemon threads: at start %ld, with 50 sessions %ld, during %u bursts of %u %ld..%ld "
                "(%ld samples), after %ld, back on VT %u %ld\n",
        GetParam().c_str(), atStart, withSessions, bursts, kBurstSwitches, sampler.min(), sampler.max(),
        sampler.samples(), after, gVt.original, back);
    EXPECT_GT(sampler.samples(), 10);
    EXPECT_EQ(withSessions, atStart) << "sessions cost no threads";
    EXPECT_EQ(after, atStart);
    EXPECT_EQ(back, atStart);
    if (GetParam() == "waitevent") {
        EXPECT_LE(atStart, 4);
        EXPECT_LE(sampler.max(), 4);
        EXPECT_EQ(sampler.min(), atStart) << "unchanged by switching";
        EXPECT_EQ(sampler.max(), atStart) << "unchanged by switching";
    } else {
        // One VT_WAITACTIVE waiter for every VT but the active one (1..63).
        EXPECT_GE(atStart, 62);
        EXPECT_LE(sampler.max(), atStart + 1) << "a re-armed waiter replaces the one that woke";
    }
}

INSTANTIATE_TEST_SUITE_P(BothWatchModes, ADaemonUnderVtBursts, ::testing::Values("waitevent", "waitactive"), modeName);

// VmSize of a daemon per mode with the same 50 sessions after the same switches.
struct Footprint {
    long threads = -1;
    long vmSizeKb = -1;
    long vmRssKb = -1;
};

Footprint footprint(const std::string& mode)
{
    TestBus bus;
    DaemonOptions o;
    o.vtWatch = mode;
    Daemon daemon(bus, o);
    if (!daemon.start()) {
        ADD_FAILURE() << mode << ": the daemon did not start: " << daemon.stderrText();
        return {};
    }
    Client leader(bus.address());
    for (int i = 0; i < 50; ++i) {
        const std::string tty = "/dev/tty" + std::to_string(i % 2 ? gVt.x : gVt.text);
        Reply r = leader.manager("OpenSessionWithParameters",
            sessionParams({{"unix-user", g_variant_new_int32(0)}, {"display-device", g_variant_new_string(tty.c_str())},
                {"x11-display", g_variant_new_string("")}, {"x11-display-device", g_variant_new_string("")},
                {"is-local", g_variant_new_boolean(TRUE)}}));
        EXPECT_TRUE(r.ok()) << r.print();
    }
    for (unsigned vt : {gVt.text, gVt.x, gVt.original, gVt.x, gVt.text, gVt.original})
        EXPECT_TRUE(switchTo(vt));
    std::this_thread::sleep_for(200ms);
    Footprint f{
        procStatus(daemon.pid(), "Threads"), procStatus(daemon.pid(), "VmSize"), procStatus(daemon.pid(), "VmRSS")};
    leader.close(); // its sessions end; the daemon unmounts their runtime directory
    Client observer(bus.address());
    EXPECT_TRUE(waitUntilNoSessions(observer, 3s));
    EXPECT_EQ(daemon.stop(), 0) << daemon.stderrText();
    return f;
}

TEST(TheDaemonsWaitActivePool, CostsAtMost8MiBOfVmSizeOverWaitEvent)
{
    ASSERT_TRUE(kernelVt() == gVt.original || switchTo(gVt.original));
    const Footprint event = footprint("waitevent");
    const Footprint pool = footprint("waitactive");
    restoreOriginalVt();
    ASSERT_GT(event.vmSizeKb, 0);
    ASSERT_GT(pool.vmSizeKb, 0);
    std::printf("daemon with 50 sessions: waitevent %ld threads, VmSize %ld kB, VmRSS %ld kB; waitactive %ld threads, "
                "VmSize %ld kB (+%ld kB), VmRSS %ld kB (+%ld kB)\n",
        event.threads, event.vmSizeKb, event.vmRssKb, pool.threads, pool.vmSizeKb, pool.vmSizeKb - event.vmSizeKb,
        pool.vmRssKb, pool.vmRssKb - event.vmRssKb);
    EXPECT_LE(event.threads, 4);
    EXPECT_LE(pool.vmSizeKb - event.vmSizeKb, 8 * 1024);
}

} // namespace
} // namespace ck::test
