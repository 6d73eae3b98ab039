// Seat assignment (spec §4.1–4.3): which sessions land on the console seat and which get a dynamic one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::CoreTest;
using test::remoteSession;
using test::SignalLog;
using test::textSession;
using test::x11Session;
using ::testing::ElementsAre;

class AManagerWithAConsoleSeat : public CoreTest, public ::testing::Test {
protected:
    AManagerWithAConsoleSeat() { manager.addStaticSeat({}); }
};

TEST_F(AManagerWithAConsoleSeat, CallsItsFirstStaticSeatSeat1NamedSeat0)
{
    ASSERT_NE(manager.consoleSeat(), nullptr);
    EXPECT_EQ(console().path(), "/org/freedesktop/ConsoleKit/Seat1");
    EXPECT_EQ(console().name(), "seat0");
    EXPECT_EQ(console().kind(), SeatKind::Static);
    EXPECT_TRUE(console().canActivateSessions());
}

TEST_F(AManagerWithAConsoleSeat, PutsALocalTextSessionOnTty2OnTheConsoleSeat)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    EXPECT_EQ(s.seat(), manager.consoleSeat());
    EXPECT_THAT(console().sessions(), ElementsAre(&s));
    EXPECT_EQ(s.vtnr(), 2u);
}

TEST_F(AManagerWithAConsoleSeat, PutsALocalX11SessionOnTheConsoleSeat)
{
    Session& s = open(x11Session(1000, ":0", "/dev/tty7"));
    EXPECT_EQ(s.seat(), manager.consoleSeat());
    EXPECT_EQ(s.vtnr(), 7u);
}

TEST_F(AManagerWithAConsoleSeat, PutsALocalSessionWithAnExplicitVtnrAndNoDeviceOnTheConsoleSeat)
{
    SessionParams p;
    p.unixUser = 1000;
    p.isLocal = true;
    p.vtnr = 5;
    Session& s = open(p);
    EXPECT_EQ(s.seat(), manager.consoleSeat());
    EXPECT_EQ(s.vtnr(), 5u);
}

TEST_F(AManagerWithAConsoleSeat, PutsAWaylandSessionOnAVtWithoutAnX11DisplayOnTheConsoleSeat)
{
    // How a display manager opens a Wayland session: x11-display-device names the VT, no x11-display.
    Session& s = open(x11Session(1000, "", "/dev/tty2"));
    EXPECT_EQ(s.seat(), manager.consoleSeat());
    EXPECT_EQ(s.vtnr(), 2u);
}

TEST_F(AManagerWithAConsoleSeat, PutsALocalSessionWithADisplayDeviceAndAnX11DisplayDeviceOnTheConsoleSeat)
{
    SessionParams p = textSession(1000, "/dev/tty3");
    p.x11DisplayDevice = "/dev/tty3";
    Session& s = open(p);
    EXPECT_EQ(s.seat(), manager.consoleSeat());
}

TEST_F(AManagerWithAConsoleSeat, GivesARemoteSessionADynamicSeat)
{
    SessionParams p = x11Session(1000, ":0", "/dev/tty7");
    p.remoteHostName = "far.example.org"; // even when it claims to be local
    Session& s = open(p);
    ASSERT_NE(s.seat(), nullptr);
    EXPECT_NE(s.seat(), manager.consoleSeat());
    EXPECT_EQ(s.seat()->kind(), SeatKind::Dynamic);
    EXPECT_FALSE(s.seat()->canActivateSessions());
    EXPECT_EQ(s.seat()->path(), "/org/freedesktop/ConsoleKit/Seat2");
    EXPECT_THAT(s.seat()->sessions(), ElementsAre(&s));
}

TEST_F(AManagerWithAConsoleSeat, GivesASshLoginADynamicSeat)
{
    Session& s = open(remoteSession(1000, "far.example.org"));
    EXPECT_EQ(s.seat()->kind(), SeatKind::Dynamic);
}

TEST_F(AManagerWithAConsoleSeat, GivesANonLocalSessionADynamicSeatEvenOnAVt)
{
    SessionParams p = textSession(1000, "/dev/tty2");
    p.isLocal = false;
    Session& s = open(p);
    EXPECT_EQ(s.seat()->kind(), SeatKind::Dynamic);
}

TEST_F(AManagerWithAConsoleSeat, GivesAPtyTextSessionADynamicSeat)
{
    // 0.4.6 put it on the console seat where it could never become active; we do not.
    Session& s = open(textSession(1000, "/dev/pts/0"));
    EXPECT_EQ(s.seat()->kind(), SeatKind::Dynamic);
    EXPECT_TRUE(console().sessions().empty());
}

TEST_F(AManagerWithAConsoleSeat, GivesAnX11SessionWithoutADisplayDeviceADynamicSeat)
{
    Session& s = open(x11Session(1000, ":0", ""));
    EXPECT_EQ(s.seat()->kind(), SeatKind::Dynamic);
}

TEST_F(AManagerWithAConsoleSeat, GivesEachDynamicSessionASeatOfItsOwn)
{
    Session& a = open(remoteSession(1000, "a.example.org"));
    Session& b = open(remoteSession(1000, "b.example.org"));
    EXPECT_NE(a.seat(), b.seat());
    EXPECT_THAT(a.seat()->sessions(), ElementsAre(&a));
    EXPECT_THAT(b.seat()->sessions(), ElementsAre(&b));
    EXPECT_EQ(manager.seats().size(), 3u);
}

TEST_F(AManagerWithAConsoleSeat, PutsSeveralConsoleSessionsOnTheOneConsoleSeat)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(x11Session(1001, ":0", "/dev/tty7"));
    Session& c = open(textSession(1000, "/dev/tty3"));
    EXPECT_THAT(console().sessions(), ElementsAre(&a, &b, &c));
    EXPECT_EQ(manager.seats().size(), 1u);
}

TEST_F(AManagerWithAConsoleSeat, AnnouncesADynamicSeatBeforeItsSession)
{
    SignalLog log(manager);
    open(remoteSession(1000, "far.example.org"));
    EXPECT_THAT(log.events, ElementsAre("SeatAdded Seat2", "SessionAdded Session1", "SystemIdleHintChanged false"));
}

TEST_F(AManagerWithAConsoleSeat, HasAssignedTheSeatWhenItAnnouncesASession)
{
    const Seat* seen = nullptr;
    auto c = manager.sessionAdded.connect([&](Session& s) { seen = s.seat(); });
    open(textSession(1000, "/dev/tty2"));
    EXPECT_EQ(seen, manager.consoleSeat());
}

TEST_F(AManagerWithAConsoleSeat, RemovesADynamicSeatWithItsSessionAndSaysSo)
{
    Session& s = open(remoteSession(1000, "far.example.org"));
    const std::string cookie = s.cookie();
    const Leader leader = s.leader();
    SignalLog log(manager);
    std::vector<std::string> seatSessionsWhenRemoved;
    auto c = manager.seatRemoved.connect([&](Seat& seat) {
        seatSessionsWhenRemoved.push_back(seat.path());
        EXPECT_TRUE(seat.sessions().empty());
    });

    ASSERT_TRUE(manager.closeSession(cookie, leader.uid, leader.pid).ok());

    EXPECT_THAT(log.events, ElementsAre("SessionRemoved Session1", "SeatRemoved Seat2", "SystemIdleHintChanged true"));
    EXPECT_THAT(seatSessionsWhenRemoved, ElementsAre("/org/freedesktop/ConsoleKit/Seat2"));
    EXPECT_EQ(manager.findSeat("Seat2"), nullptr);
    EXPECT_THAT(manager.seats(), ElementsAre(manager.consoleSeat()));
}

TEST_F(AManagerWithAConsoleSeat, KeepsTheConsoleSeatWhenItsLastSessionCloses)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    SignalLog log(manager);
    manager.removeSession(s);
    EXPECT_EQ(log.count("SeatRemoved Seat1"), 0u);
    ASSERT_NE(manager.consoleSeat(), nullptr);
    EXPECT_TRUE(console().sessions().empty());
}

TEST_F(AManagerWithAConsoleSeat, KeepsCountingSeatSerialsAfterADynamicSeatIsRemoved)
{
    Session& a = open(remoteSession(1000, "a.example.org"));
    Session& b = open(remoteSession(1000, "b.example.org"));
    EXPECT_EQ(a.seat()->id(), "Seat2");
    EXPECT_EQ(b.seat()->id(), "Seat3");
    manager.removeSession(a);
    Session& c = open(remoteSession(1000, "c.example.org"));
    EXPECT_EQ(c.seat()->id(), "Seat4"); // Seat2 is not handed out again
}

TEST_F(AManagerWithAConsoleSeat, LeavesASecondStaticSeatEmpty)
{
    Seat& second = manager.addStaticSeat({{"drm", "card1"}});
    EXPECT_EQ(second.id(), "Seat2");
    EXPECT_EQ(second.name(), "Seat2");
    EXPECT_EQ(second.kind(), SeatKind::Static);
    EXPECT_TRUE(second.canActivateSessions());
    EXPECT_EQ(manager.consoleSeat(), manager.findSeat("Seat1"));

    open(textSession(1000, "/dev/tty2"));
    open(x11Session(1000, ":1", "/dev/tty8"));
    EXPECT_TRUE(second.sessions().empty());
    EXPECT_EQ(console().sessions().size(), 2u);
}

TEST_F(AManagerWithAConsoleSeat, ListsSeatsBySerial)
{
    open(remoteSession(1000, "a.example.org"));
    open(remoteSession(1000, "b.example.org"));
    std::vector<std::string> ids;
    for (Seat* seat : manager.seats())
        ids.push_back(seat->id());
    EXPECT_THAT(ids, ElementsAre("Seat1", "Seat2", "Seat3"));
}

class AManagerWithoutStaticSeats : public CoreTest, public ::testing::Test { };

TEST_F(AManagerWithoutStaticSeats, GivesEverySessionADynamicSeat)
{
    Session& text = open(textSession(1000, "/dev/tty2"));
    Session& x11 = open(x11Session(1000, ":0", "/dev/tty7"));
    EXPECT_EQ(manager.consoleSeat(), nullptr);
    EXPECT_EQ(text.seat()->kind(), SeatKind::Dynamic);
    EXPECT_EQ(x11.seat()->kind(), SeatKind::Dynamic);
    EXPECT_NE(text.seat(), x11.seat());
    EXPECT_EQ(text.seat()->id(), "Seat1");
    EXPECT_EQ(x11.seat()->id(), "Seat2");
}

TEST_F(AManagerWithoutStaticSeats, HasNoSeat0)
{
    open(textSession(1000, "/dev/tty2"));
    EXPECT_EQ(manager.findSeat("seat0"), nullptr);
}

TEST_F(AManagerWithoutStaticSeats, NeverMakesASessionActive)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    manager.setActiveVt(2);
    EXPECT_FALSE(s.isActive());
    EXPECT_EQ(s.seat()->activeSession(), nullptr);
}

TEST(AManagerAddingAStaticSeat, AnnouncesIt)
{
    Manager manager;
    SignalLog log(manager);
    manager.addStaticSeat({});
    EXPECT_THAT(log.events, ElementsAre("SeatAdded Seat1"));
}

} // namespace
} // namespace ck::core
