// Session and Seat on their own: the string table of states, VT numbers of devices, ids and paths.
#include <gtest/gtest.h>

#include "core/seat.h"
#include "core/session.h"

namespace ck::core {
namespace {

TEST(TheSessionStateTable, NamesEveryStateAsClientsCompareIt)
{
    EXPECT_STREQ(sessionStateName(SessionState::Online), "online");
    EXPECT_STREQ(sessionStateName(SessionState::Active), "active");
    EXPECT_STREQ(sessionStateName(SessionState::Closing), "closing");
}

TEST(VtOfDevice, ReadsEveryVtFromTty1ToTty63)
{
    for (unsigned n = 1; n <= 63; ++n)
        EXPECT_EQ(vtOfDevice("/dev/tty" + std::to_string(n)), n) << n;
}

TEST(VtOfDevice, ReturnsZeroForAnythingThatIsNotAVirtualTerminal)
{
    for (const char* device : {"/dev/tty0", "/dev/tty64", "/dev/tty07", "/dev/ttyS0", "/dev/pts/1", "", "/dev/tty",
             "/dev/tty1 ", "tty1", "/dev/tty-1", "/dev/tty+1", "/dev/tty99999999999", "/dev/ttyUSB0", "/dev/console",
             "/dev/tty1/", "/dev/tty100"})
        EXPECT_EQ(vtOfDevice(device), 0u) << '"' << device << '"';
}

SessionParams paramsWith(std::string x11DisplayDevice, std::string displayDevice, unsigned vtnr = 0)
{
    SessionParams p;
    p.x11DisplayDevice = std::move(x11DisplayDevice);
    p.displayDevice = std::move(displayDevice);
    p.vtnr = vtnr;
    return p;
}

TEST(ASession, TakesItsIdAndPathFromItsSerial)
{
    Session s(7, "c00k1e", SessionParams{}, Leader{}, 42);
    EXPECT_EQ(s.serial(), 7u);
    EXPECT_EQ(s.path(), "/org/freedesktop/ConsoleKit/Session7");
    EXPECT_EQ(s.id(), "Session7");
    EXPECT_EQ(s.cookie(), "c00k1e");
    EXPECT_EQ(s.creationTime(), 42);
}

TEST(ASession, TakesItsVtFromTheX11DisplayDeviceBeforeTheDisplayDevice)
{
    Session s(1, "c", paramsWith("/dev/tty7", "/dev/tty2"), Leader{}, 0);
    EXPECT_EQ(s.consoleDevice(), "/dev/tty7");
    EXPECT_EQ(s.vtnr(), 7u);
}

TEST(ASession, TakesItsVtFromTheDisplayDeviceWhenThereIsNoX11DisplayDevice)
{
    Session s(1, "c", paramsWith("", "/dev/tty2"), Leader{}, 0);
    EXPECT_EQ(s.consoleDevice(), "/dev/tty2");
    EXPECT_EQ(s.vtnr(), 2u);
}

TEST(ASession, PrefersAnExplicitVtnrOverItsDevices)
{
    Session s(1, "c", paramsWith("", "/dev/tty2", 5), Leader{}, 0);
    EXPECT_EQ(s.vtnr(), 5u);
}

TEST(ASession, OnAPtyHasNoVt)
{
    Session s(1, "c", paramsWith("", "/dev/pts/0"), Leader{}, 0);
    EXPECT_EQ(s.vtnr(), 0u);
}

TEST(ASession, StartsOnlineInactiveBusyUnlockedAndWithoutASeat)
{
    Session s(1, "c", SessionParams{}, Leader{}, 0);
    EXPECT_EQ(s.state(), SessionState::Online);
    EXPECT_FALSE(s.isActive());
    EXPECT_FALSE(s.idleHint());
    EXPECT_FALSE(s.lockedHint());
    EXPECT_EQ(s.seat(), nullptr);
    EXPECT_EQ(s.idleSince(), 0);
    EXPECT_EQ(s.runtimeDir(), "");
}

TEST(ASessionParams, DefaultsToTheConsoleKit2Values)
{
    SessionParams p;
    EXPECT_EQ(p.sessionClass, "user");
    EXPECT_EQ(p.sessionService, "unspecified");
    EXPECT_FALSE(p.isLocal);
    EXPECT_EQ(p.vtnr, 0u);
}

TEST(ASeat, TakesItsIdAndPathFromItsSerial)
{
    Seat seat(3, SeatKind::Dynamic, {}, "");
    EXPECT_EQ(seat.path(), "/org/freedesktop/ConsoleKit/Seat3");
    EXPECT_EQ(seat.id(), "Seat3");
}

TEST(ASeat, IsNamedAfterItsIdWhenGivenNoName)
{
    Seat seat(3, SeatKind::Dynamic, {}, "");
    EXPECT_EQ(seat.name(), "Seat3");
}

TEST(ASeat, KeepsTheNameItIsGiven)
{
    Seat seat(1, SeatKind::Static, {}, "seat0");
    EXPECT_EQ(seat.name(), "seat0");
    EXPECT_EQ(seat.id(), "Seat1");
}

TEST(ASeat, CanActivateSessionsOnlyWhenStatic)
{
    EXPECT_TRUE(Seat(1, SeatKind::Static, {}, "").canActivateSessions());
    EXPECT_FALSE(Seat(2, SeatKind::Dynamic, {}, "").canActivateSessions());
}

TEST(ASeat, KeepsItsDevicesInOrder)
{
    Seat seat(1, SeatKind::Static, {{"drm", "card0"}, {"input", "/dev/input/event3"}}, "");
    ASSERT_EQ(seat.devices().size(), 2u);
    EXPECT_EQ(seat.devices()[0], (Device{"drm", "card0"}));
    EXPECT_EQ(seat.devices()[1], (Device{"input", "/dev/input/event3"}));
}

TEST(ASeatKind, HasTheNumbersOfTheSeatKindProperty)
{
    // Seat.GetKind / the database write these numbers: 0 static, 1 dynamic ("transient").
    EXPECT_EQ(static_cast<int>(SeatKind::Static), 0);
    EXPECT_EQ(static_cast<int>(SeatKind::Dynamic), 1);
}

} // namespace
} // namespace ck::core
