// restoreSession: a restarted daemon takes its sessions back with the same ids, cookies and seats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

class ARestartedManager : public CoreTest, public ::testing::Test {
protected:
    ARestartedManager() { manager.addStaticSeat({}); }

    static Manager::Restored record(unsigned serial, std::string cookie, SessionParams params, std::string seatPath)
    {
        Manager::Restored r;
        r.serial = serial;
        r.cookie = std::move(cookie);
        r.params = std::move(params);
        r.leader = leaderOf(0, 4000 + static_cast<pid_t>(serial), ":1." + std::to_string(serial));
        r.created = 1'374'208'180'420'170;
        r.seatPath = std::move(seatPath);
        return r;
    }
};

constexpr const char* kSeat1 = "/org/freedesktop/ConsoleKit/Seat1";

TEST_F(ARestartedManager, RestoresAConsoleSessionWithItsSerialCookieSeatAndHints)
{
    Manager::Restored r = record(5, "aaaabbbbccccddddeeeeffff00001111", x11Session(1000, ":0", "/dev/tty7"), kSeat1);
    r.idleHint = true;
    r.idleSince = 1'374'208'200'000'000;
    r.lockedHint = true;
    r.runtimeDir = "/run/user/1000";
    auto restored = manager.restoreSession(std::move(r));
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    Session& s = **restored;

    EXPECT_EQ(s.path(), "/org/freedesktop/ConsoleKit/Session5");
    EXPECT_EQ(s.cookie(), "aaaabbbbccccddddeeeeffff00001111");
    EXPECT_EQ(s.seat(), manager.consoleSeat());
    EXPECT_EQ(s.creationTime(), 1'374'208'180'420'170);
    EXPECT_EQ(s.leader().pid, 4005);
    EXPECT_EQ(s.leader().busName, ":1.5");
    EXPECT_EQ(s.params().x11Display, ":0");
    EXPECT_EQ(s.vtnr(), 7u);
    EXPECT_TRUE(s.idleHint());
    EXPECT_EQ(s.idleSince(), 1'374'208'200'000'000);
    EXPECT_TRUE(s.lockedHint());
    EXPECT_EQ(s.runtimeDir(), "/run/user/1000");
    EXPECT_EQ(manager.findSession("Session5"), &s);
    EXPECT_EQ(manager.findSessionByCookie("aaaabbbbccccddddeeeeffff00001111"), &s);
}

TEST_F(ARestartedManager, LetsTheLeaderCloseARestoredSession)
{
    auto restored = manager.restoreSession(record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1));
    ASSERT_TRUE(restored.ok());
    EXPECT_TRUE(manager.closeSession("cookie5", 0, 4005).ok());
    EXPECT_EQ(manager.leaderVanished(":1.5"), 0u);
}

TEST_F(ARestartedManager, RecreatesADynamicSeatWithItsSerial)
{
    SignalLog log(manager);
    auto restored = manager.restoreSession(
        record(3, "cookie3", remoteSession(1000, "far.example.org"), "/org/freedesktop/ConsoleKit/Seat7"));
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    Seat* seat = (*restored)->seat();
    ASSERT_NE(seat, nullptr);
    EXPECT_EQ(seat->path(), "/org/freedesktop/ConsoleKit/Seat7");
    EXPECT_EQ(seat->kind(), SeatKind::Dynamic);
    EXPECT_EQ(manager.findSeat("Seat7"), seat);
    EXPECT_THAT(log.events, ElementsAre("SeatAdded Seat7", "SessionAdded Session3", "SystemIdleHintChanged false"));
}

TEST_F(ARestartedManager, RemovesARecreatedDynamicSeatWithItsSession)
{
    auto restored = manager.restoreSession(
        record(3, "cookie3", remoteSession(1000, "far.example.org"), "/org/freedesktop/ConsoleKit/Seat7"));
    ASSERT_TRUE(restored.ok());
    SignalLog log(manager);
    manager.removeSession(**restored);
    EXPECT_THAT(log.events, ElementsAre("SessionRemoved Session3", "SeatRemoved Seat7", "SystemIdleHintChanged true"));
}

TEST_F(ARestartedManager, DoesNotHandOutTheSerialOfARestoredSeat)
{
    ASSERT_TRUE(manager
                    .restoreSession(record(
                        3, "cookie3", remoteSession(1000, "far.example.org"), "/org/freedesktop/ConsoleKit/Seat7"))
                    .ok());
    manager.setNextSerials(4, 7); // what the state file says
    EXPECT_EQ(open(remoteSession(1000, "near.example.org")).seat()->id(), "Seat8");
}

TEST_F(ARestartedManager, ContinuesSessionSerialsWhereTheStateFileSays)
{
    ASSERT_TRUE(manager.restoreSession(record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    manager.setNextSerials(9, 2);
    EXPECT_EQ(open(textSession(1000, "/dev/tty3")).id(), "Session9");
}

TEST_F(ARestartedManager, NeverGivesANewSessionTheIdOfARestoredOne)
{
    ASSERT_TRUE(manager.restoreSession(record(1, "cookie1", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    EXPECT_EQ(open(textSession(1000, "/dev/tty3")).id(), "Session2");
}

TEST_F(ARestartedManager, RejectsADuplicateSerial)
{
    ASSERT_TRUE(manager.restoreSession(record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    auto dup = manager.restoreSession(record(5, "other", textSession(1001, "/dev/tty3"), kSeat1));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(dup.error().message, "Session5 cannot be restored: id in use");
    EXPECT_EQ(manager.sessionCount(), 1u);
    EXPECT_EQ(manager.findSessionByCookie("other"), nullptr);
}

TEST_F(ARestartedManager, RejectsADuplicateCookie)
{
    ASSERT_TRUE(manager.restoreSession(record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    auto dup = manager.restoreSession(record(6, "cookie5", textSession(1001, "/dev/tty3"), kSeat1));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(dup.error().message, "Session6 cannot be restored: bad cookie");
    EXPECT_EQ(manager.findSession("Session6"), nullptr);
}

TEST_F(ARestartedManager, RejectsTheCookieOfAnOpenSession)
{
    const std::string cookie = open(textSession(1000, "/dev/tty2")).cookie();
    auto dup = manager.restoreSession(record(6, cookie, textSession(1001, "/dev/tty3"), kSeat1));
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::InvalidInput);
}

TEST_F(ARestartedManager, RejectsAnEmptyCookieAndOutOfRangeSerials)
{
    EXPECT_FALSE(manager.restoreSession(record(5, "", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    EXPECT_FALSE(manager.restoreSession(record(0, "c0", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    EXPECT_FALSE(manager.restoreSession(record(2147483648u, "cbig", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    EXPECT_EQ(manager.sessionCount(), 0u);
}

TEST_F(ARestartedManager, DoesNotSignalARejectedRestore)
{
    ASSERT_TRUE(manager.restoreSession(record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1)).ok());
    SignalLog log(manager);
    (void)manager.restoreSession(
        record(5, "x", remoteSession(1000, "far.example.org"), "/org/freedesktop/ConsoleKit/Seat9"));
    EXPECT_TRUE(log.events.empty());
    EXPECT_EQ(manager.findSeat("Seat9"), nullptr);
}

TEST_F(ARestartedManager, MakesARestoredSessionOnTheActiveVtActive)
{
    manager.setActiveVt(7);
    auto restored = manager.restoreSession(record(5, "cookie5", x11Session(1000, ":0", "/dev/tty7"), kSeat1));
    ASSERT_TRUE(restored.ok());
    EXPECT_TRUE((*restored)->isActive());
    EXPECT_EQ(manager.consoleSeat()->activeSession(), *restored);
}

TEST_F(ARestartedManager, AssignsASeatByTheRuleWhenTheRecordedSeatIsTaken)
{
    // Two records claiming the same dynamic seat: the second cannot share it.
    ASSERT_TRUE(manager
                    .restoreSession(
                        record(3, "cookie3", remoteSession(1000, "a.example.org"), "/org/freedesktop/ConsoleKit/Seat7"))
                    .ok());
    auto second = manager.restoreSession(
        record(4, "cookie4", remoteSession(1000, "b.example.org"), "/org/freedesktop/ConsoleKit/Seat7"));
    ASSERT_TRUE(second.ok());
    EXPECT_NE((*second)->seat(), manager.findSeat("Seat7"));
    EXPECT_EQ((*second)->seat()->kind(), SeatKind::Dynamic);
    EXPECT_EQ((*second)->seat()->sessions().size(), 1u);
}

TEST_F(ARestartedManager, AssignsASeatByTheRuleWhenNoSeatWasRecorded)
{
    auto console = manager.restoreSession(record(3, "cookie3", textSession(1000, "/dev/tty2"), ""));
    ASSERT_TRUE(console.ok());
    EXPECT_EQ((*console)->seat(), manager.consoleSeat());
    auto remote = manager.restoreSession(record(4, "cookie4", remoteSession(1000, "far.example.org"), ""));
    ASSERT_TRUE(remote.ok());
    EXPECT_EQ((*remote)->seat()->kind(), SeatKind::Dynamic);
}

TEST_F(ARestartedManager, RecomputesTheSystemIdleHintFromRestoredHints)
{
    Manager::Restored r = record(5, "cookie5", textSession(1000, "/dev/tty2"), kSeat1);
    r.idleHint = true;
    ASSERT_TRUE(manager.restoreSession(std::move(r)).ok());
    EXPECT_TRUE(manager.systemIdleHint());
    ASSERT_TRUE(manager.restoreSession(record(6, "cookie6", textSession(1000, "/dev/tty3"), kSeat1)).ok());
    EXPECT_FALSE(manager.systemIdleHint());
}

TEST_F(ARestartedManager, DoesNotRecreateASeatWithAnOutOfRangeSerial)
{
    auto zero = manager.restoreSession(
        record(3, "cookie3", remoteSession(1000, "a.example.org"), "/org/freedesktop/ConsoleKit/Seat0"));
    ASSERT_TRUE(zero.ok());
    EXPECT_NE((*zero)->seat()->serial(), 0u);
    auto big = manager.restoreSession(
        record(4, "cookie4", remoteSession(1000, "b.example.org"), "/org/freedesktop/ConsoleKit/Seat2147483648"));
    ASSERT_TRUE(big.ok());
    EXPECT_LE((*big)->seat()->serial(), 2147483647u);
}

} // namespace
} // namespace ck::core
