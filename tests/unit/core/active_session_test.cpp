// Active-session tracking on the console seat (spec §4.4): the session on the kernel's active VT.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::ConsoleTest;
using test::leaderOf;
using test::SignalLog;
using test::textSession;
using test::x11Session;
using ::testing::ElementsAre;

class AConsoleSeat : public ConsoleTest, public ::testing::Test {
protected:
    Session& restore(unsigned serial, SessionParams params, Microseconds created)
    {
        Manager::Restored r;
        r.serial = serial;
        r.cookie = "cookie" + std::to_string(serial);
        r.params = std::move(params);
        r.leader = leaderOf(r.params.unixUser);
        r.created = created;
        r.seatPath = console().path();
        auto s = manager.restoreSession(std::move(r));
        if (!s)
            ADD_FAILURE() << s.error().message;
        return *s.value();
    }
};

// A text login on tty2 (Session1, uid 1000) and an X session on tty7 (Session2, uid 1001).
class ASeatWithTwoSessions : public AConsoleSeat {
protected:
    Session& text = open(textSession(1000, "/dev/tty2"));
    Session& x11 = open(x11Session(1001, ":0", "/dev/tty7"));
};

TEST_F(ASeatWithTwoSessions, HasNoActiveSessionBeforeTheActiveVtIsKnown)
{
    EXPECT_EQ(console().activeSession(), nullptr);
    EXPECT_FALSE(text.isActive());
    EXPECT_FALSE(x11.isActive());
    EXPECT_EQ(manager.activeVt(), 0u);
}

TEST_F(ASeatWithTwoSessions, ActivatesTheSessionOnTheNewVt)
{
    manager.setActiveVt(7);
    EXPECT_EQ(manager.activeVt(), 7u);
    EXPECT_EQ(console().activeSession(), &x11);
    EXPECT_TRUE(x11.isActive());
    EXPECT_FALSE(text.isActive());

    manager.setActiveVt(2);
    EXPECT_EQ(console().activeSession(), &text);
    EXPECT_TRUE(text.isActive());
    EXPECT_FALSE(x11.isActive());
}

TEST_F(ASeatWithTwoSessions, MarksTheNewSessionActiveAndTheOldOneOnline)
{
    manager.setActiveVt(2);
    EXPECT_EQ(text.state(), SessionState::Active);
    EXPECT_EQ(x11.state(), SessionState::Online);
    manager.setActiveVt(7);
    EXPECT_EQ(text.state(), SessionState::Online);
    EXPECT_EQ(x11.state(), SessionState::Active);
}

TEST_F(ASeatWithTwoSessions, SignalsTheSwitchWithTheOldAndTheNewSession)
{
    manager.setActiveVt(2);
    SignalLog log(manager);
    manager.setActiveVt(7);
    // ActiveChanged(false) on the old one, ActiveChanged(true) on the new one, then the seat's signal.
    EXPECT_THAT(log.events,
        ElementsAre("SessionChanged Session1 Active", "SessionChanged Session1 State", "SessionChanged Session2 Active",
            "SessionChanged Session2 State", "ActiveSessionChanged Seat1 Session1 -> Session2"));
}

TEST_F(ASeatWithTwoSessions, PassesTheOldAndNewSessionObjectsToActiveSessionChanged)
{
    manager.setActiveVt(2);
    Seat* seenSeat = nullptr;
    Session* seenOld = nullptr;
    Session* seenNew = nullptr;
    bool newWasActiveWhenSignalled = false;
    auto c = manager.activeSessionChanged.connect([&](Seat& seat, Session* o, Session* n) {
        seenSeat = &seat;
        seenOld = o;
        seenNew = n;
        newWasActiveWhenSignalled = n != nullptr && n->isActive() && seat.activeSession() == n;
    });
    manager.setActiveVt(7);
    EXPECT_EQ(seenSeat, manager.consoleSeat());
    EXPECT_EQ(seenOld, &text);
    EXPECT_EQ(seenNew, &x11);
    EXPECT_TRUE(newWasActiveWhenSignalled);
}

TEST_F(ASeatWithTwoSessions, LeavesNoSessionActiveOnAVtWithoutSessions)
{
    manager.setActiveVt(7);
    SignalLog log(manager);
    manager.setActiveVt(5);
    EXPECT_EQ(console().activeSession(), nullptr);
    EXPECT_FALSE(x11.isActive());
    EXPECT_EQ(x11.state(), SessionState::Online);
    EXPECT_THAT(log.events,
        ElementsAre("SessionChanged Session2 Active", "SessionChanged Session2 State",
            "ActiveSessionChanged Seat1 Session2 -> -"));
}

TEST_F(ASeatWithTwoSessions, DoesNotSignalWhenTheSameVtIsReportedAgain)
{
    manager.setActiveVt(7);
    SignalLog log(manager);
    manager.setActiveVt(7);
    EXPECT_TRUE(log.events.empty());
}

TEST_F(ASeatWithTwoSessions, DoesNotSignalASwitchBetweenTwoVtsWithoutSessions)
{
    manager.setActiveVt(4);
    SignalLog log(manager);
    manager.setActiveVt(5);
    EXPECT_TRUE(log.events.empty());
}

TEST_F(ASeatWithTwoSessions, EmitsActiveSessionChangedToNobodyWhenTheActiveSessionCloses)
{
    manager.setActiveVt(7);
    const std::string cookie = x11.cookie();
    const Leader leader = x11.leader();
    SignalLog log(manager);
    ASSERT_TRUE(manager.closeSession(cookie, leader.uid, leader.pid).ok());
    EXPECT_THAT(log.events,
        ElementsAre(
            "SessionChanged Session2 Active", "SessionRemoved Session2", "ActiveSessionChanged Seat1 Session2 -> -"));
    EXPECT_EQ(console().activeSession(), nullptr);
}

TEST_F(ASeatWithTwoSessions, LeavesTheActiveSessionAloneWhenAnInactiveOneCloses)
{
    manager.setActiveVt(7);
    SignalLog log(manager);
    manager.removeSession(text);
    EXPECT_THAT(log.events, ElementsAre("SessionRemoved Session1"));
    EXPECT_EQ(console().activeSession(), &x11);
}

TEST_F(AConsoleSeat, MakesASessionOpenedOnTheActiveVtActive)
{
    manager.setActiveVt(2);
    SignalLog log(manager);
    Session& s = open(textSession(1000, "/dev/tty2"));
    EXPECT_TRUE(s.isActive());
    EXPECT_EQ(s.state(), SessionState::Active);
    EXPECT_EQ(console().activeSession(), &s);
    EXPECT_THAT(log.events,
        ElementsAre("SessionAdded Session1", "SessionChanged Session1 Active", "SessionChanged Session1 State",
            "ActiveSessionChanged Seat1 - -> Session1", "SystemIdleHintChanged false"));
}

TEST_F(AConsoleSeat, LeavesASessionOpenedOnAnotherVtInactive)
{
    manager.setActiveVt(2);
    Session& s = open(textSession(1000, "/dev/tty3"));
    EXPECT_FALSE(s.isActive());
    EXPECT_EQ(s.state(), SessionState::Online);
}

TEST_F(AConsoleSeat, PrefersTheX11DisplayDeviceOverTheDisplayDevice)
{
    // The text session on tty7 is older, but a graphical session on the same VT wins (CK2 ≥ 1.1.0).
    Session& text = open(textSession(1000, "/dev/tty7"));
    Session& x11 = open(x11Session(1001, ":0", "/dev/tty7"));
    manager.setActiveVt(7);
    EXPECT_EQ(console().activeSession(), &x11);
    EXPECT_FALSE(text.isActive());
}

TEST_F(AConsoleSeat, MatchesAStartxSessionByItsX11DisplayDeviceNotItsLoginTty)
{
    // startx from tty2: display-device /dev/tty2, the X server on tty8.
    SessionParams p = x11Session(1000, ":1", "/dev/tty8");
    p.displayDevice = "/dev/tty2";
    Session& s = open(p);
    manager.setActiveVt(8);
    EXPECT_EQ(console().activeSession(), &s);
}

TEST_F(AConsoleSeat, ChoosesTheFirstOpenedOfSeveralSessionsOnTheSameVt)
{
    Session& first = open(textSession(1000, "/dev/tty2"));
    Session& second = open(textSession(1001, "/dev/tty2"));
    manager.setActiveVt(2);
    EXPECT_EQ(console().activeSession(), &first);
    EXPECT_FALSE(second.isActive());
}

TEST_F(AConsoleSeat, ChoosesTheOldestByCreationTimeNotBySerial)
{
    Session& newer = restore(1, textSession(1000, "/dev/tty2"), 2'000'000);
    Session& older = restore(2, textSession(1001, "/dev/tty2"), 1'000'000);
    Session& newest = restore(3, textSession(1002, "/dev/tty2"), 3'000'000);
    manager.setActiveVt(2);
    EXPECT_EQ(console().activeSession(), &older);
    EXPECT_FALSE(newer.isActive());
    EXPECT_FALSE(newest.isActive());
}

TEST_F(AConsoleSeat, ChoosesTheOldestOfSeveralX11SessionsOnTheSameVt)
{
    restore(1, x11Session(1000, ":0", "/dev/tty7"), 5'000'000);
    Session& older = restore(2, x11Session(1001, ":1", "/dev/tty7"), 4'000'000);
    manager.setActiveVt(7);
    EXPECT_EQ(console().activeSession(), &older);
}

TEST_F(AConsoleSeat, HandsTheVtToTheNextSessionOnItWhenTheActiveOneCloses)
{
    Session& first = open(textSession(1000, "/dev/tty2"));
    Session& second = open(textSession(1001, "/dev/tty2"));
    manager.setActiveVt(2);
    SignalLog log(manager);
    manager.removeSession(first);
    EXPECT_EQ(console().activeSession(), &second);
    EXPECT_TRUE(second.isActive());
    // The closing session is not announced as "online": it is removed right away.
    // One ActiveSessionChanged that names the successor, never a "nobody" in between.
    EXPECT_THAT(log.events,
        ElementsAre("SessionChanged Session1 Active", "SessionRemoved Session1", "SessionChanged Session2 Active",
            "SessionChanged Session2 State", "ActiveSessionChanged Seat1 Session1 -> Session2"));
}

TEST_F(AConsoleSeat, MarksAClosingSessionClosingNotOnline)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    manager.setActiveVt(2);
    std::vector<SessionState> statesSeen;
    auto c = manager.sessionRemoved.connect([&](Session& gone) { statesSeen.push_back(gone.state()); });
    manager.removeSession(s);
    EXPECT_THAT(statesSeen, ElementsAre(SessionState::Closing));
}

TEST_F(ASeatWithTwoSessions, ForgetsTheActiveSessionWhenTheVtBecomesUnknown)
{
    manager.setActiveVt(7);
    manager.setActiveVt(0); // VT_GETSTATE failed
    EXPECT_EQ(console().activeSession(), nullptr);
    EXPECT_FALSE(x11.isActive());
}

TEST_F(AConsoleSeat, BreaksATieInCreationTimeByTheLowerSerial)
{
    restore(5, textSession(1000, "/dev/tty2"), 1'000'000);
    Session& lower = restore(3, textSession(1001, "/dev/tty2"), 1'000'000);
    manager.setActiveVt(2);
    EXPECT_EQ(console().activeSession(), &lower);
}

SessionParams vtnrOnly(uid_t user, unsigned vtnr)
{
    SessionParams p;
    p.unixUser = user;
    p.isLocal = true;
    p.vtnr = vtnr;
    return p;
}

TEST_F(AConsoleSeat, BreaksATieInCreationTimeByTheLowerSerialForVtnrOnlySessions)
{
    restore(5, vtnrOnly(1000, 4), 1'000'000);
    Session& lower = restore(3, vtnrOnly(1001, 4), 1'000'000);
    manager.setActiveVt(4);
    EXPECT_EQ(console().activeSession(), &lower);
}

TEST_F(AConsoleSeat, NeverActivatesTheSessionOfADynamicSeat)
{
    SessionParams p = textSession(1000, "/dev/tty3");
    p.isLocal = false;
    Session& s = open(p);
    ASSERT_EQ(s.seat()->kind(), SeatKind::Dynamic);
    SignalLog log(manager);
    manager.setActiveVt(3);
    EXPECT_FALSE(s.isActive());
    EXPECT_EQ(s.state(), SessionState::Online);
    EXPECT_EQ(s.seat()->activeSession(), nullptr);
    EXPECT_EQ(console().activeSession(), nullptr);
    EXPECT_TRUE(log.events.empty());
}

TEST_F(AConsoleSeat, ActivatesASessionWithAnExplicitVtnrAndNoDevice)
{
    SessionParams p;
    p.unixUser = 1000;
    p.isLocal = true;
    p.vtnr = 5;
    Session& s = open(p);
    manager.setActiveVt(5);
    EXPECT_EQ(console().activeSession(), &s);
    EXPECT_TRUE(s.isActive());
    manager.setActiveVt(6);
    EXPECT_FALSE(s.isActive());
}

TEST_F(AConsoleSeat, PrefersASessionWithADeviceOverOneWithOnlyAVtnr)
{
    SessionParams p;
    p.unixUser = 1000;
    p.isLocal = true;
    p.vtnr = 5;
    open(p);
    Session& withDevice = open(textSession(1001, "/dev/tty5"));
    manager.setActiveVt(5);
    EXPECT_EQ(console().activeSession(), &withDevice);
}

TEST_F(ASeatWithTwoSessions, AnnouncesTheStateChangeOfBothSessionsOnASwitch)
{
    manager.setActiveVt(2);
    SignalLog log(manager);
    manager.setActiveVt(7);
    EXPECT_EQ(log.count("SessionChanged Session1 State"), 1u);
    EXPECT_EQ(log.count("SessionChanged Session2 State"), 1u);
}

} // namespace
} // namespace ck::core
