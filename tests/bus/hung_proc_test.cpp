// A /proc read that never returns (issue 18.1): the pid an unprivileged user names has an
// environ on a FUSE file system whose server never answers (ck-hung-environ, shown to the daemon
// through --proc-root). The daemon must keep serving everybody else and refuse the hung call
// with a named error after its deadline, instead of freezing its main loop until the file
// system goes away.
#include <chrono>
#include <cstdio>
#include <future>

#include "bus/bus_fixture.h"
#include "bus/hostile_support.h"

namespace ck::test {
namespace {

class AProcessWhoseEnvironNeverReads : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.extraArgs.push_back("--proc-root=" + proc_.path());
        o.env["G_DEBUG"] = "fatal-criticals";
        return o;
    }

    FakeProc proc_;
};

TEST_F(AProcessWhoseEnvironNeverReads, DelaysNobodyElseAndItsLookupFailsWithBusyAfterTheDeadline)
{
    Child trap({env("CK_BUILD_ROOT") + "/tests/bus/ck-hung-environ"});
    const auto dir = trap.readLine(std::chrono::seconds(10));
    if (!dir || !dir->starts_with("/proc/"))
        GTEST_SKIP() << "no FUSE here (ck-hung-environ could not set its trap)";
    proc_.mapToDirectory(trap.pid(), *dir);

    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    LatencyProber prober(bus_->address());
    const auto start = std::chrono::steady_clock::now();
    auto lookup = std::async(std::launch::async, [&] {
        std::string line = nobody.manager("GetSessionForUnixProcess", "(uint32 " + std::to_string(trap.pid()) + ",)");
        return std::make_pair(line, std::chrono::steady_clock::now() - start);
    });
    // Well past the 1 s deadline: the prober has seen whether the main loop was held up.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const auto worst = prober.stop();
    const int probes = prober.calls();
    // The trap's exit aborts its FUSE connection, which releases a reader stuck in it.
    trap.kill(SIGTERM);
    trap.wait();
    const auto [line, took] = lookup.get();
    const auto tookMs = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    std::printf("[hung-proc] slowest root GetSeats %lld ms over %d calls; the hung lookup answered after %lld ms: %s\n",
        static_cast<long long>(worst.count()), probes, static_cast<long long>(tookMs), line.c_str());
    EXPECT_LT(worst, std::chrono::milliseconds(500));
    EXPECT_EQ(prober.failures(), 0);
    EXPECT_NE(line.find("org.freedesktop.ConsoleKit.Manager.Error.Busy"), std::string::npos) << line;
    EXPECT_GE(tookMs, 900);
    EXPECT_LT(tookMs, 2500);
    // The daemon still answers look-ups of ordinary processes.
    const std::string self = nobody.manager("GetSessionForUnixProcess", "(uint32 " + std::to_string(::getpid()) + ",)");
    EXPECT_NE(self.find("does not belong to any session"), std::string::npos) << self;
}

TEST_F(AProcessWhoseEnvironNeverReads, DoesNotKeepTheDaemonFromAnsweringItsCallersWhenItStops)
{
    Child trap({env("CK_BUILD_ROOT") + "/tests/bus/ck-hung-environ"});
    const auto dir = trap.readLine(std::chrono::seconds(10));
    if (!dir || !dir->starts_with("/proc/"))
        GTEST_SKIP() << "no FUSE here (ck-hung-environ could not set its trap)";
    proc_.mapToDirectory(trap.pid(), *dir);
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    auto lookup = std::async(std::launch::async,
        [&] { return nobody.manager("GetSessionForUnixProcess", "(uint32 " + std::to_string(trap.pid()) + ",)"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // the read hangs now, within its deadline
    ASSERT_EQ(::kill(daemon_->pid(), SIGTERM), 0);
    // The stopping daemon does not wait for the read: its pending call ends at once and it stops
    // cleanly (a thread asleep in FUSE is not joined; the kernel ends it with the trap).
    const bool answered = lookup.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
    trap.kill(SIGTERM);
    trap.wait();
    ASSERT_TRUE(answered) << "the stopping daemon left the caller waiting for the hung read";
    const std::string line = lookup.get();
    std::printf("[hung-proc] answer of the hung call as the daemon stopped: %s\n", line.c_str());
    // "abandoned" from the service, or NoReply from the bus when the connection went before the
    // queued reply was written (the daemon's stop does not flush it): an error either way.
    EXPECT_TRUE(line.starts_with("ERROR ")) << line;
    // Signal 0: only reaps it (a second SIGTERM could hit a daemon past its signal handling).
    EXPECT_EQ(daemon_->stop(0), 0) << daemon_->stderrText();
}

} // namespace
} // namespace ck::test
