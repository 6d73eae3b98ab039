// Floods and traps from unprivileged and hostile callers (issues 18.1, 18.4, 16.3): a FIFO where
// the daemon used to read the X lock file, session floods against the caps and the rate limit,
// and hostile OpenSessionWithParameters arguments. A root prober measures the daemon's latency
// meanwhile, and the daemon's RSS is printed after each flood.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <future>

#include "bus/bus_fixture.h"
#include "bus/hostile_support.h"

namespace ck::test {
namespace {

// Generous: the machine running the suite may be loaded (and under valgrind the prober itself is
// slow, hence scaled); a stuck main loop takes forever.
// tools/ck-dev sets CK_TEST_SANITIZED=1 for the build-asan run.
bool sanitizedDaemon()
{
    return env("CK_TEST_SANITIZED") == "1";
}

const auto kAcceptableLatency = scaled(std::chrono::milliseconds(2000));

void report(const char* what, pid_t daemon, std::chrono::milliseconds worst)
{
    std::printf("[flood] %-44s daemon VmRSS %6ld KiB, slowest root GetSeats %4lld ms\n", what, rssKib(daemon),
        static_cast<long long>(worst.count()));
    std::fflush(stdout);
}

class AnUnprivilegedFlooder : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.extraArgs.push_back("--max-sessions-per-user=64");
        o.extraArgs.push_back("--open-session-rate=0"); // the cap, not the rate limit, is under test
        return o;
    }
};

class AnUnprivilegedTrapSetter : public BusTest { };

TEST_F(AnUnprivilegedTrapSetter, CannotFreezeTheDaemonWithAFifoAsXLockFile)
{
    const unsigned display = privateDisplayNumber();
    const std::string fifo = "/tmp/.X" + std::to_string(display) + "-lock";
    ::unlink(fifo.c_str());
    CommandResult made
        = runCommand({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "mkfifo", "-m", "0644", fifo});
    ASSERT_EQ(made.status, 0) << made.output;
    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", ":" + std::to_string(display)}});
    ASSERT_TRUE(nobody.ready());
    LatencyProber prober(bus_->address());
    auto opened = std::async(std::launch::async, [&] { return nobody.manager("OpenSession"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const auto worst = prober.stop();
    report("OpenSession with DISPLAY on a FIFO lock", daemon_->pid(), worst);
    // Release a daemon stuck in open() so that the test can end either way.
    const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (w >= 0) {
        [[maybe_unused]] auto n = ::write(w, "1\n", 2);
        ::close(w);
    }
    ::unlink(fifo.c_str());
    EXPECT_LT(worst, kAcceptableLatency);
    EXPECT_EQ(prober.failures(), 0);
    EXPECT_FALSE(Peer::cookieOf(opened.get()).empty());
}

TEST_F(AnUnprivilegedFlooder, IsCappedWithANamedErrorAndTheDaemonStaysSmallAndQuick)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    const long before = rssKib(daemon_->pid());
    report("(idle daemon, before the flood)", daemon_->pid(), std::chrono::milliseconds(0));
    LatencyProber prober(bus_->address());
    int opened = 0;
    std::string refusal;
    for (int i = 0; i < 200 && refusal.empty(); ++i) {
        const std::string reply = nobody.manager("OpenSession");
        if (Peer::cookieOf(reply).empty())
            refusal = reply;
        else
            ++opened;
    }
    // The refusal is final: more calls are refused alike and cost nothing.
    for (int i = 0; i < 500; ++i)
        ASSERT_EQ(nobody.manager("OpenSession").find("ERROR "), 0u);
    const auto worst = prober.stop();
    report("700 OpenSession by one user (cap 64)", daemon_->pid(), worst);
    EXPECT_EQ(opened, 64);
    EXPECT_EQ(refusal.find("ERROR " + kManagerError + "Busy: "), 0u) << refusal;
    EXPECT_NE(refusal.find("user 65534 has 64 sessions"), std::string::npos) << refusal;
    EXPECT_LT(worst, kAcceptableLatency);
    if (!sanitizedDaemon()) { // ASan keeps freed memory in quarantine: RSS says nothing there
        EXPECT_LT(rssKib(daemon_->pid()) - before, 8 * 1024) << "RSS grew from " << before << " KiB";
    }
    EXPECT_FALSE(openTextSession(*client_).path.empty()) << "another user is not affected";
}

class ARateLimitedUser : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.extraArgs.push_back("--open-session-rate=1");
        o.extraArgs.push_back("--open-session-burst=5");
        return o;
    }
};

TEST_F(ARateLimitedUser, IsRefusedPastItsBurstWhileRootIsNot)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    for (int i = 0; i < 5; ++i)
        ASSERT_FALSE(Peer::cookieOf(nobody.manager("OpenSession")).empty()) << i;
    const std::string refused = nobody.manager("OpenSession");
    EXPECT_EQ(refused.find("ERROR " + kManagerError + "Busy: Too many sessions opened by user 65534"), 0u) << refused;
    EXPECT_FALSE(openTextSession(*client_).path.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    EXPECT_FALSE(Peer::cookieOf(nobody.manager("OpenSession")).empty()) << "a token came back";
}

class AHostileRootClient : public BusTest { };

// Each hostile argument, sent many times: a named error every time, the daemon's memory flat.
TEST_F(AHostileRootClient, GetsNamedErrorsForHostileParametersWithBoundedMemory)
{
    struct Case {
        const char* what;
        std::function<GVariant*()> make;
        std::string error;
        std::string message;
        int times;
    };
    const std::string big(1024 * 1024, 'x');
    const std::vector<Case> cases = {
        {"5000 parameters",
            [] {
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
                for (int i = 0; i < 5000; ++i)
                    g_variant_builder_add(&b, "(sv)", ("unknown-" + std::to_string(i)).c_str(), g_variant_new_int32(i));
                return g_variant_new("(a(sv))", &b);
            },
            kManagerError + "InvalidInput", "Too many parameters: 5000", 20},
        {"1 MiB session-type",
            [&] {
                return sessionParameters({{"session-type", g_variant_new_string(big.c_str())}});
            },
            kManagerError + "InvalidInput", "'session-type' is longer than 64 bytes", 50},
        {"nested variant",
            [] {
                return sessionParameters({{"x11-display", g_variant_new_variant(g_variant_new_string(":0"))}});
            },
            kManagerError + "InvalidInput", "'x11-display' must be of type 's'", 200},
        {"wrong type",
            [] {
                return sessionParameters({{"is-local", g_variant_new_string("yes")}});
            },
            kManagerError + "InvalidInput", "'is-local' must be of type 'b'", 200},
        {"device outside /dev",
            [] {
                return sessionParameters({{"display-device", g_variant_new_string("/etc/shadow")}});
            },
            kManagerError + "InvalidInput", "'display-device' is not a device path under /dev", 200},
        {"device with ..",
            [] {
                return sessionParameters({{"x11-display-device", g_variant_new_string("/dev/../etc/shadow")}});
            },
            kManagerError + "InvalidInput", "is not a device path under /dev", 200},
        {"display that is no display",
            [] {
                return sessionParameters({{"x11-display", g_variant_new_string("$(reboot)")}});
            },
            kManagerError + "InvalidInput", "'x11-display' is not an X display name", 200},
        {"newline in session-service",
            [] {
                return sessionParameters({{"session-service", g_variant_new_string("x\n[Session /forged]")}});
            },
            kManagerError + "InvalidInput", "contains control characters", 200},
        {"uid out of range",
            [] {
                return sessionParameters({{"unix-user", g_variant_new_int64(1LL << 40)}});
            },
            kManagerError + "InvalidInput", "is not a valid user id", 200},
        {"negative uid",
            [] {
                return sessionParameters({{"unix-user", g_variant_new_int32(-5)}});
            },
            kManagerError + "InvalidInput", "is not a valid user id", 200},
    };
    const long start = rssKib(daemon_->pid());
    report("(idle daemon, before the floods)", daemon_->pid(), std::chrono::milliseconds(0));
    for (const Case& c : cases) {
        LatencyProber prober(bus_->address());
        for (int i = 0; i < c.times; ++i) {
            Reply r = client_->manager("OpenSessionWithParameters", c.make());
            ASSERT_TRUE(isError(r, c.error, c.message)) << c.what;
        }
        const auto worst = prober.stop();
        report(c.what, daemon_->pid(), worst);
        EXPECT_LT(worst, kAcceptableLatency) << c.what;
    }
    // Out-of-range pids of the look-ups.
    for (guint32 pid : {0u, 1u, 0x7fffffffu, 0xffffffffu})
        EXPECT_FALSE(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", pid)).ok()) << pid;
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
    if (!sanitizedDaemon()) {
        EXPECT_LT(rssKib(daemon_->pid()) - start, 16 * 1024) << "RSS grew from " << start << " KiB";
    }
    EXPECT_TRUE(daemonAnswers());
}

} // namespace
} // namespace ck::test
