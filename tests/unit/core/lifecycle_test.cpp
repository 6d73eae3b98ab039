// Session lifecycle (spec §3): cookies, closing by the leader, leaders vanishing, locality, queries.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <unordered_set>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::CoreTest;
using test::leaderOf;
using test::remoteSession;
using test::SignalLog;
using test::textSession;
using test::x11Session;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class AManager : public CoreTest, public ::testing::Test {
protected:
    AManager() { manager.addStaticSeat({}); }
};

TEST_F(AManager, GivesEachSessionA32HexDigitCookieThatIsUniqueOver10000Sessions)
{
    manager.setLimits({20000, 20000}); // beyond the default caps of 8192 sessions, 256 per user
    auto isLowerHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    std::unordered_set<std::string> cookies;
    for (int i = 0; i < 10000; ++i) {
        const std::string& cookie = open(textSession(1000, "/dev/tty2"), leaderOf(1000, 100)).cookie();
        ASSERT_EQ(cookie.size(), 32u) << cookie;
        ASSERT_TRUE(std::all_of(cookie.begin(), cookie.end(), isLowerHex)) << cookie;
        cookies.insert(cookie);
    }
    EXPECT_EQ(cookies.size(), 10000u);
    EXPECT_EQ(manager.sessionCount(), 10000u);
}

TEST_F(AManager, FindsASessionByItsCookie)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(textSession(1001, "/dev/tty3"));
    EXPECT_EQ(manager.findSessionByCookie(a.cookie()), &a);
    EXPECT_EQ(manager.findSessionByCookie(b.cookie()), &b);
    EXPECT_EQ(manager.findSessionByCookie("0123456789abcdef0123456789abcdef"), nullptr);
    EXPECT_EQ(manager.findSessionByCookie(""), nullptr);
}

TEST_F(AManager, KeepsTheParametersAndLeaderOfASession)
{
    SessionParams p = x11Session(1000, ":0", "/dev/tty7");
    p.sessionClass = "greeter";
    p.sessionService = "lightdm";
    p.loginSessionId = "4";
    Session& s = open(p, leaderOf(0, 4242, ":1.42"));
    EXPECT_EQ(s.params().unixUser, 1000u);
    EXPECT_EQ(s.params().sessionType, "x11");
    EXPECT_EQ(s.params().sessionClass, "greeter");
    EXPECT_EQ(s.params().sessionService, "lightdm");
    EXPECT_EQ(s.params().x11Display, ":0");
    EXPECT_EQ(s.params().loginSessionId, "4");
    EXPECT_EQ(s.leader().uid, 0u);
    EXPECT_EQ(s.leader().pid, 4242);
    EXPECT_EQ(s.leader().busName, ":1.42");
}

TEST_F(AManager, StampsANewSessionWithTheTimeItOpened)
{
    const Microseconds before = realtimeNow();
    Session& s = open(textSession(1000, "/dev/tty2"));
    const Microseconds after = realtimeNow();
    EXPECT_GE(s.creationTime(), before);
    EXPECT_LE(s.creationTime(), after);
}

TEST_F(AManager, ClosesASessionForItsLeader)
{
    Session& s = open(textSession(1000, "/dev/tty2"), leaderOf(0, 500));
    const std::string cookie = s.cookie();
    SignalLog log(manager);
    auto r = manager.closeSession(cookie, 0, 500);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(manager.sessionCount(), 0u);
    EXPECT_EQ(manager.findSessionByCookie(cookie), nullptr);
    EXPECT_EQ(manager.findSession("Session1"), nullptr);
    EXPECT_TRUE(manager.consoleSeat()->sessions().empty());
    EXPECT_EQ(log.count("SessionRemoved Session1"), 1u);
}

TEST_F(AManager, RefusesToCloseForAnotherUidWithTheSamePid)
{
    Session& s = open(textSession(1000, "/dev/tty2"), leaderOf(1000, 500));
    auto r = manager.closeSession(s.cookie(), 1001, 500);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
    EXPECT_EQ(r.error().message, "User ID does not match the owner of cookie");
    EXPECT_EQ(manager.findSessionByCookie(s.cookie()), &s);
}

TEST_F(AManager, RefusesToCloseForAnotherPidOfTheSameUid)
{
    Session& s = open(textSession(1000, "/dev/tty2"), leaderOf(1000, 500));
    auto r = manager.closeSession(s.cookie(), 1000, 501);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
    EXPECT_EQ(r.error().message, "Process ID does not match the owner of cookie");
    EXPECT_EQ(manager.sessionCount(), 1u);
}

TEST_F(AManager, ComparesTheCallerWithTheLeaderNotWithTheSessionUser)
{
    // pam_ck_connector opens sessions as root for the user who logs in.
    Session& s = open(textSession(1000, "/dev/tty2"), leaderOf(0, 500));
    auto byUser = manager.closeSession(s.cookie(), 1000, 500);
    ASSERT_FALSE(byUser.ok());
    EXPECT_EQ(byUser.error().code, ErrorCode::InsufficientPermission);
    EXPECT_TRUE(manager.closeSession(s.cookie(), 0, 500).ok());
}

TEST_F(AManager, RefusesToCloseAnUnknownCookie)
{
    open(textSession(1000, "/dev/tty2"), leaderOf(1000, 500));
    auto r = manager.closeSession("0123456789abcdef0123456789abcdef", 1000, 500);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_EQ(r.error().message, "Unable to find session for cookie");
    EXPECT_EQ(manager.sessionCount(), 1u);
}

TEST_F(AManager, RefusesToCloseWithAnEmptyCookie)
{
    open(textSession(1000, "/dev/tty2"), leaderOf(1000, 500));
    auto r = manager.closeSession("", 1000, 500);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(r.error().message, "No cookie specified");
    EXPECT_EQ(manager.sessionCount(), 1u);
}

TEST_F(AManager, RefusesToCloseTheSameSessionTwice)
{
    Session& s = open(textSession(1000, "/dev/tty2"), leaderOf(1000, 500));
    const std::string cookie = s.cookie();
    ASSERT_TRUE(manager.closeSession(cookie, 1000, 500).ok());
    auto again = manager.closeSession(cookie, 1000, 500);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Failed);
}

TEST_F(AManager, EndsEverySessionOfAVanishedLeaderAndNoOther)
{
    Session& a = open(textSession(1000, "/dev/tty2"), leaderOf(0, 500, ":1.5"));
    Session& b = open(remoteSession(1001, "far.example.org"), leaderOf(0, 500, ":1.5"));
    Session& c = open(textSession(1002, "/dev/tty3"), leaderOf(0, 600, ":1.6"));
    Session& d = open(x11Session(1003, ":0", "/dev/tty7"), leaderOf(0, 700, ":1.50"));
    (void)a;
    (void)b;

    EXPECT_EQ(manager.leaderVanished(":1.5"), 2u);

    EXPECT_THAT(manager.sessions(), ElementsAre(&c, &d));
    EXPECT_FALSE(manager.hasLeader(":1.5"));
    EXPECT_TRUE(manager.hasLeader(":1.6"));
    EXPECT_TRUE(manager.hasLeader(":1.50"));
    EXPECT_EQ(manager.seats().size(), 1u); // b's dynamic seat went with it
}

TEST_F(AManager, ForgetsALeaderOnceItsLastSessionIsClosed)
{
    Session& a = open(textSession(1000, "/dev/tty2"), leaderOf(0, 500, ":1.5"));
    Session& b = open(textSession(1001, "/dev/tty3"), leaderOf(0, 500, ":1.5"));
    const std::string first = a.cookie(), second = b.cookie();

    ASSERT_TRUE(manager.closeSession(first, 0, 500).ok());
    EXPECT_TRUE(manager.hasLeader(":1.5"));
    ASSERT_TRUE(manager.closeSession(second, 0, 500).ok());
    EXPECT_FALSE(manager.hasLeader(":1.5"));
    EXPECT_EQ(manager.leaderVanished(":1.5"), 0u); // nothing left that names it
}

TEST_F(AManager, IgnoresTheDisappearanceOfANameThatLedNoSession)
{
    open(textSession(1000, "/dev/tty2"), leaderOf(0, 500, ":1.5"));
    SignalLog log(manager);
    EXPECT_EQ(manager.leaderVanished(":1.99"), 0u);
    EXPECT_EQ(manager.leaderVanished(""), 0u);
    EXPECT_EQ(manager.sessionCount(), 1u);
    EXPECT_TRUE(log.events.empty());
}

TEST_F(AManager, ListsSessionsBySerial)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(remoteSession(1001, "far.example.org"));
    Session& c = open(textSession(1000, "/dev/tty3"));
    EXPECT_THAT(manager.sessions(), ElementsAre(&a, &b, &c));
}

TEST_F(AManager, ListsTheSessionsOfOneUser)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    open(remoteSession(1001, "far.example.org"));
    Session& c = open(remoteSession(1000, "near.example.org"));
    EXPECT_THAT(manager.sessionsOfUser(1000), ElementsAre(&a, &c));
    EXPECT_THAT(manager.sessionsOfUser(4242), IsEmpty());
}

TEST_F(AManager, CountsDistinctUsersThatTheCallerCounts)
{
    open(textSession(0, "/dev/tty1"));
    open(textSession(1000, "/dev/tty2"));
    open(remoteSession(1000, "far.example.org"));
    open(textSession(1001, "/dev/tty3"));
    EXPECT_EQ(manager.distinctUsers([](uid_t) { return true; }), 3u);
    EXPECT_EQ(manager.distinctUsers([](uid_t uid) { return uid >= 1000; }), 2u);
    EXPECT_EQ(manager.distinctUsers([](uid_t) { return false; }), 0u);
}

TEST_F(AManager, KeepsARuntimeDirectoryForASession)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    int announced = 0;
    auto c = manager.sessionChanged.connect([&](Session& changed, SessionProperty p) {
        EXPECT_EQ(&changed, &s);
        EXPECT_EQ(p, SessionProperty::RuntimeDir);
        ++announced;
    });
    manager.setRuntimeDir(s, "/run/user/1000");
    EXPECT_EQ(s.runtimeDir(), "/run/user/1000");
    EXPECT_EQ(announced, 1) << "the restart state keeps it: a change is announced";
    manager.setRuntimeDir(s, "/run/user/1000");
    EXPECT_EQ(announced, 1) << "setting the same directory again is no change";
}

TEST_F(AManager, AnnouncesARemovedSessionAfterUnlinkingItButWhileItIsAlive)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    bool stillListed = true;
    bool stillOnSeat = true;
    std::string path;
    auto c = manager.sessionRemoved.connect([&](Session& gone) {
        path = gone.path();
        stillListed
            = manager.findSession(gone.id()) != nullptr || manager.findSessionByCookie(gone.cookie()) != nullptr;
        const auto& onSeat = manager.consoleSeat()->sessions();
        stillOnSeat = std::find(onSeat.begin(), onSeat.end(), &gone) != onSeat.end();
    });
    manager.removeSession(s);
    EXPECT_EQ(path, "/org/freedesktop/ConsoleKit/Session1");
    EXPECT_FALSE(stillListed);
    EXPECT_FALSE(stillOnSeat);
}

TEST(ADestroyedManager, SaysNothingSoThatAStateWriterKeepsItsSessionsForTheRestart)
{
    int events = 0;
    std::vector<Connection> connections; // outlive the manager
    {
        Manager manager;
        manager.addStaticSeat({});
        ASSERT_TRUE(manager.openSession(textSession(1000, "/dev/tty2"), leaderOf(1000)).ok());
        ASSERT_TRUE(manager.openSession(remoteSession(1000, "far.example.org"), leaderOf(1000)).ok());
        manager.setActiveVt(2);
        connections.push_back(manager.sessionRemoved.connect([&](Session&) { ++events; }));
        connections.push_back(manager.seatRemoved.connect([&](Seat&) { ++events; }));
        connections.push_back(manager.activeSessionChanged.connect([&](Seat&, Session*, Session*) { ++events; }));
        connections.push_back(manager.sessionChanged.connect([&](Session&, SessionProperty) { ++events; }));
        connections.push_back(manager.systemIdleHintChanged.connect([&](bool) { ++events; }));
    }
    EXPECT_EQ(events, 0);
}

// --- locality (0.4.6's rule for OpenSession) ---------------------------------------------------

TEST_F(AManager, VouchesForALoginSessionIdOfALocalSession)
{
    SessionParams p = textSession(1000, "/dev/tty2");
    p.loginSessionId = "7";
    open(p);
    EXPECT_TRUE(manager.localityVouchedFor("7", 1000));
}

TEST_F(AManager, DoesNotVouchForAnotherUsersSessionWithTheSameLoginSessionId)
{
    SessionParams p = textSession(0, "/dev/tty2");
    p.loginSessionId = "7";
    open(p);
    EXPECT_FALSE(manager.localityVouchedFor("7", 65534));
}

TEST_F(AManager, DoesNotVouchForALoginSessionIdOfARemoteSession)
{
    SessionParams p = remoteSession(1000, "far.example.org");
    p.loginSessionId = "8";
    open(p);
    EXPECT_FALSE(manager.localityVouchedFor("8", 1000));
}

TEST_F(AManager, DoesNotVouchForAnUnknownOrEmptyLoginSessionId)
{
    SessionParams p = textSession(1000, "/dev/tty2");
    open(p); // a local session whose login-session-id is empty
    EXPECT_FALSE(manager.localityVouchedFor("", 1000));
    EXPECT_FALSE(manager.localityVouchedFor("9", 1000));
}

TEST_F(AManager, StopsVouchingOnceTheLocalSessionCloses)
{
    SessionParams p = textSession(1000, "/dev/tty2");
    p.loginSessionId = "7";
    Session& s = open(p);
    manager.removeSession(s);
    EXPECT_FALSE(manager.localityVouchedFor("7", 1000));
}

} // namespace
} // namespace ck::core
