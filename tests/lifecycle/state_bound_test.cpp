// The restart state under an unprivileged flood (issue 18.3): uid 65534 opens as many sessions as
// it may, each with the longest DISPLAY the daemon accepts, and the state file stays small; after
// a restart another user's session (its leader alive) is still there.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "support/test_bus.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

constexpr int kCap = 256; // the daemon's default --max-sessions-per-user
constexpr std::size_t kLongestDisplay = 256; // core::kMaxDisplayLength

long long sizeOf(const std::string& path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

std::string sessionForCookie(Client& c, const std::string& cookie)
{
    Reply r = c.manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str()));
    if (!r.ok())
        return "";
    const gchar* p = nullptr;
    g_variant_get(r.value, "(&o)", &p);
    return p;
}

std::vector<std::string> sessionsOfUser(Client& c, guint32 uid)
{
    Reply r = c.manager("GetSessionsForUnixUser", g_variant_new("(u)", uid));
    std::vector<std::string> out;
    if (!r.ok())
        return out;
    GVariantIter* it = nullptr;
    g_variant_get(r.value, "(ao)", &it);
    const gchar* p = nullptr;
    while (g_variant_iter_next(it, "&o", &p))
        out.emplace_back(p);
    g_variant_iter_free(it);
    return out;
}

TEST(AnUnprivilegedFlooderOfTheRestartState, CannotGrowItPastABoundNorCostAnotherUserHisSessionAcrossARestart)
{
    TestBus bus;
    DaemonOptions options;
    // The cap is under test, not the rate limit (which would only make the flood take 25 s).
    options.extraArgs.push_back("--open-session-rate=0");
    Daemon daemon(bus, options);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    const std::string state = daemon.rundir() + "/state";

    // Another user's login: a display manager (root) opens it for uid 1000 and stays its leader.
    Child leader({"/usr/bin/python3", env("CK_SOURCE_ROOT") + "/tests/lifecycle/leader.py", "1000", "/dev/tty3"},
        {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    const std::string cookie = leader.readLine().value_or("");
    ASSERT_EQ(cookie.size(), 32u) << "the leader did not get a session";
    Client c(bus.address());
    const std::string victim = sessionForCookie(c, cookie);
    ASSERT_FALSE(victim.empty());
    const long long before = sizeOf(state);

    // The attacker asks for more than it may have, each with the longest accepted DISPLAY.
    const std::string display = std::string(kLongestDisplay - 2, 'h') + ":0";
    Child flood(
        {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
            env("CK_SOURCE_ROOT") + "/tests/lifecycle/session_flood.py", bus.address(), std::to_string(kCap + 16)},
        {{"DISPLAY", display}});
    const auto opened = flood.readLine(60s);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(*opened, "opened " + std::to_string(kCap));
    const auto attackers = sessionsOfUser(c, 65534);
    ASSERT_EQ(attackers.size(), static_cast<std::size_t>(kCap));
    Reply shown = c.call(attackers.front(), kSessionIface, "GetX11Display");
    EXPECT_EQ(shown.print(), "('" + display + "',)") << "the longest DISPLAY was not taken as it is";

    const long long flooded = sizeOf(state);
    const long long perSession = (flooded - before) / kCap;
    std::printf("[state] %lld bytes with one session; %lld with %d more of uid 65534 (%lld per session)\n", before,
        flooded, kCap, perSession);
    std::fflush(stdout);
    EXPECT_GT(perSession, static_cast<long long>(kLongestDisplay)) << "the DISPLAY is not in the state";
    // 64 MiB is where a state file is refused; a user at his cap stays far below it.
    EXPECT_LT(flooded, 1024 * 1024);

    // A restart (a crash) brings back the other user's session, whatever the attacker stored.
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, cookie), victim) << daemon.stderrText();
    EXPECT_EQ(sessionsOfUser(c, 1000), std::vector<std::string>{victim});
    EXPECT_EQ(sessionsOfUser(c, 65534).size(), static_cast<std::size_t>(kCap)) << "the attacker's leader lives too";

    // Its sessions end: the state keeps their records until it is next rewritten, still bounded.
    flood.closeStdin();
    flood.wait();
    ASSERT_TRUE(c.waitFor([&] { return sessionsOfUser(c, 65534).empty(); }, 10s));
    const long long after = sizeOf(state);
    std::printf("[state] %lld bytes after the attacker's sessions ended\n", after);
    EXPECT_LT(after, 2 * 1024 * 1024);
    EXPECT_EQ(daemon.stop(), 0);
}

} // namespace
} // namespace ck::test
