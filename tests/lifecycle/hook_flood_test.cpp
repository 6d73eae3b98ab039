// Issue 18.5 against the real daemon: one unprivileged user's flood of sessions must not hold up
// another user's login hook, and must not leave the daemon holding their hook environments.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "support/test_bus.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

long vmRssKb(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmRSS:"))
            return std::stol(line.substr(6));
    return -1;
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AFloodOfOneUsersSessions, DoesNotDelayAnotherUsersLoginHookNorKeepTheirEnvironments)
{
    TestBus bus;
    Daemon daemon(bus);
    const std::string out = daemon.root() + "/hook.out";
    // Every session_added of uid 65534 takes a second; the others' are quick.
    const std::string dir = daemon.confdir() + "/run-session.d";
    ::mkdir(dir.c_str(), 0755);
    {
        std::ofstream hook(dir + "/10-slow.ck");
        hook << "#!/bin/sh\n[ \"$1\" = session_added ] || exit 0\necho \"$CK_SESSION_USER_UID\" >> " << out
             << "\n[ \"$CK_SESSION_USER_UID\" = 65534 ] && sleep 1\nexit 0\n";
    }
    ::chmod((dir + "/10-slow.ck").c_str(), 0755);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    const long idleKb = vmRssKb(daemon.pid());

    // 200 sessions of uid 65534 with a 30 KB DISPLAY each (CK_FLOOD_DISPLAY: its length), opened as
    // fast as the daemon answers.
    constexpr int kFlood = 200;
    Child flood({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
                    env("CK_SOURCE_ROOT") + "/tests/lifecycle/session_flood.py", bus.address(), std::to_string(kFlood)},
        {{"DISPLAY", "flood" + std::string(std::stoul(env("CK_FLOOD_DISPLAY", "30000")), 'x') + ":0"}});
    auto opened = flood.readLine(60s);
    ASSERT_TRUE(opened.has_value());
    std::fprintf(stderr, "uid 65534: %s of %d sessions\n", opened->c_str(), kFlood);
    ASSERT_TRUE(c.waitFor([&] { return slurp(out).find("65534") != std::string::npos; }, 10s)) << "no hook ran";

    // Another user logs in (a display manager opens the session as root).
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(1000));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string("/dev/tty3"));
    auto dm = std::make_unique<Client>(bus.address()); // the session's leader
    const auto loggedIn = std::chrono::steady_clock::now();
    Reply r = dm->manager("OpenSessionWithParameters", g_variant_new("(a(sv))", &b));
    ASSERT_TRUE(r.ok()) << r.print();
    const bool ran = c.waitFor([&] { return slurp(out).find("1000\n") != std::string::npos; }, 15s);
    const auto delay = std::chrono::steady_clock::now() - loggedIn;
    std::fprintf(stderr, "uid 1000's login hook ran %.0f ms after its session opened, behind %s of uid 65534\n",
        std::chrono::duration<double, std::milli>(delay).count(), opened->c_str());
    EXPECT_TRUE(ran) << "uid 1000's login hook had not run after 15 s";
    EXPECT_LT(delay, 3s);

    // Every session ends; what the flood queued must not stay in the daemon.
    flood.closeStdin();
    EXPECT_EQ(flood.wait(), 0);
    dm.reset();
    c.waitFor([] { return false; }, 2s); // the removals, the database, the trim
    const long afterKb = vmRssKb(daemon.pid());
    std::fprintf(stderr, "daemon VmRSS: %ld kB idle, %ld kB once the flood's sessions had ended\n", idleKb, afterKb);
    EXPECT_LT(afterKb - idleKb, 4 * 1024) << "the hook queue holds the flood's environments";
    EXPECT_TRUE(c.manager("GetSeats").ok());
}

} // namespace
} // namespace ck::test
