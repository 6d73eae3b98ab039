// OpenSession and OpenSessionWithParameters on a real bus: what each parameter sets, what is
// collected from the caller, is-local, and where the session is seated.
#include <fstream>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

// --- OpenSession: values collected from the calling process ------------------------------------

// The audit login session id a child of this process inherits, as the daemon reports it.
std::string inheritedLoginSessionId()
{
    std::ifstream in("/proc/self/sessionid");
    std::string id;
    in >> id;
    return id == "4294967295" ? "" : id; // the kernel's "unset"
}

using APeerOpeningASession = BusTest;

TEST_F(APeerOpeningASession, GetsAHexCookieAsAString)
{
    Peer peer(bus_->address());
    const std::string reply = peer.manager("OpenSession");
    const std::string cookie = Peer::cookieOf(reply);
    ASSERT_EQ(cookie.size(), 32u) << reply;
    EXPECT_EQ(cookie.find_first_not_of("0123456789abcdef"), std::string::npos) << cookie;
    EXPECT_TRUE(isReply(client_->manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str())), "(o)",
        "(objectpath '/org/freedesktop/ConsoleKit/Session1',)"));
}

TEST_F(APeerOpeningASession, GetsASessionDescribingItsOwnProcess)
{
    Peer peer(bus_->address());
    ASSERT_FALSE(Peer::cookieOf(peer.manager("OpenSession")).empty());
    const std::string s = "/org/freedesktop/ConsoleKit/Session1";
    EXPECT_TRUE(isReply(session(s, "GetUnixUser"), "(u)", "(uint32 0,)"));
    EXPECT_TRUE(isReply(session(s, "GetDisplayDevice"), "(s)", "('',)")); // no controlling tty
    EXPECT_TRUE(isReply(session(s, "GetX11Display"), "(s)", "('',)")); // no DISPLAY
    EXPECT_TRUE(isReply(session(s, "GetX11DisplayDevice"), "(s)", "('',)"));
    EXPECT_TRUE(isReply(session(s, "GetRemoteHostName"), "(s)", "('',)"));
    EXPECT_TRUE(isReply(session(s, "GetLoginSessionId"), "(s)", "('" + inheritedLoginSessionId() + "',)"));
    EXPECT_TRUE(isReply(session(s, "GetSessionType"), "(s)", "('',)"));
    EXPECT_TRUE(isReply(session(s, "GetSessionClass"), "(s)", "('user',)"));
    EXPECT_TRUE(isReply(session(s, "GetSessionService"), "(s)", "('unspecified',)"));
    EXPECT_TRUE(isReply(session(s, "GetVTNr"), "(u)", "(uint32 0,)"));
}

TEST_F(APeerOpeningASession, IsNotLocalAndGetsADynamicSeat)
{
    Peer peer(bus_->address());
    ASSERT_FALSE(Peer::cookieOf(peer.manager("OpenSession")).empty());
    const std::string s = "/org/freedesktop/ConsoleKit/Session1";
    EXPECT_TRUE(isReply(session(s, "IsLocal"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(session(s, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)"));
}

TEST_F(APeerOpeningASession, ReportsTheX11DisplayOfItsEnvironment)
{
    Peer peer(bus_->address(), 0, {{"DISPLAY", ":97"}});
    ASSERT_FALSE(Peer::cookieOf(peer.manager("OpenSession")).empty());
    EXPECT_TRUE(isReply(session("/org/freedesktop/ConsoleKit/Session1", "GetX11Display"), "(s)", "(':97',)"));
}

TEST_F(APeerOpeningASession, WithATcpDisplayIsNotLocal)
{
    Peer peer(bus_->address(), 0, {{"DISPLAY", "far.example.org:0"}});
    ASSERT_FALSE(Peer::cookieOf(peer.manager("OpenSession")).empty());
    const std::string s = "/org/freedesktop/ConsoleKit/Session1";
    EXPECT_TRUE(isReply(session(s, "GetX11Display"), "(s)", "('far.example.org:0',)"));
    EXPECT_TRUE(isReply(session(s, "IsLocal"), "(b)", "(false,)"));
}

TEST_F(APeerOpeningASession, CanOpenSeveralSessionsOnOneConnection)
{
    Peer peer(bus_->address());
    const std::string a = Peer::cookieOf(peer.manager("OpenSession"));
    const std::string b = Peer::cookieOf(peer.manager("OpenSession"));
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    EXPECT_NE(a, b);
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session1', "
        "'/org/freedesktop/ConsoleKit/Session2'],)"));
}

// --- OpenSessionWithParameters: one parameter at a time ----------------------------------------

class AnOpenSessionWithParameters : public BusTest {
protected:
    // Opens a session with `params` and calls one Session getter on it.
    Reply openAndGet(GVariant* params, const char* getter)
    {
        const Opened s = open(*client_, params);
        if (s.path.empty()) {
            Reply r;
            r.errorName = "(test)";
            r.errorMessage = "the session was not opened";
            return r;
        }
        return session(s.path, getter);
    }
};

TEST_F(AnOpenSessionWithParameters, TakesUnixUserAsInt32)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"unix-user", g_variant_new_int32(1000)}}), "GetUnixUser"), "(u)",
        "(uint32 1000,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesUnixUserAsUint32)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"unix-user", g_variant_new_uint32(1001)}}), "GetUnixUser"),
        "(u)", "(uint32 1001,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesUnixUserAsAnyIntegerThatFits)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"unix-user", g_variant_new_int64(1002)}}), "GetUnixUser"), "(u)",
        "(uint32 1002,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheDeprecatedUserAliasOfUnixUser)
{
    EXPECT_TRUE(isReply(
        openAndGet(sessionParameters({{"user", g_variant_new_uint32(1003)}}), "GetUser"), "(u)", "(uint32 1003,)"));
    EXPECT_TRUE(isReply(session("/org/freedesktop/ConsoleKit/Session1", "GetUnixUser"), "(u)", "(uint32 1003,)"));
}

TEST_F(AnOpenSessionWithParameters, DefaultsUnixUserToTheCaller)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({}), "GetUnixUser"), "(u)", "(uint32 0,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheSessionType)
{
    EXPECT_TRUE(
        isReply(openAndGet(sessionParameters({{"session-type", g_variant_new_string("wayland")}}), "GetSessionType"),
            "(s)", "('wayland',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheSessionClass)
{
    EXPECT_TRUE(
        isReply(openAndGet(sessionParameters({{"session-class", g_variant_new_string("greeter")}}), "GetSessionClass"),
            "(s)", "('greeter',)"));
}

TEST_F(AnOpenSessionWithParameters, DefaultsTheSessionClassToUser)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({}), "GetSessionClass"), "(s)", "('user',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheSessionService)
{
    EXPECT_TRUE(isReply(
        openAndGet(sessionParameters({{"session-service", g_variant_new_string("lightdm")}}), "GetSessionService"),
        "(s)", "('lightdm',)"));
}

TEST_F(AnOpenSessionWithParameters, DefaultsTheSessionServiceToUnspecified)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({}), "GetSessionService"), "(s)", "('unspecified',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheX11Display)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"x11-display", g_variant_new_string(":3")}}), "GetX11Display"),
        "(s)", "(':3',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheX11DisplayDevice)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"x11-display-device", g_variant_new_string("/dev/tty7")}}),
                            "GetX11DisplayDevice"),
        "(s)", "('/dev/tty7',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheDisplayDevice)
{
    EXPECT_TRUE(isReply(
        openAndGet(sessionParameters({{"display-device", g_variant_new_string("/dev/tty3")}}), "GetDisplayDevice"),
        "(s)", "('/dev/tty3',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheRemoteHostName)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"remote-host-name", g_variant_new_string("far.example.org")}}),
                            "GetRemoteHostName"),
        "(s)", "('far.example.org',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheLoginSessionId)
{
    EXPECT_TRUE(
        isReply(openAndGet(sessionParameters({{"login-session-id", g_variant_new_string("42")}}), "GetLoginSessionId"),
            "(s)", "('42',)"));
}

TEST_F(AnOpenSessionWithParameters, TakesIsLocalTrue)
{
    EXPECT_TRUE(isReply(
        openAndGet(sessionParameters({{"is-local", g_variant_new_boolean(TRUE)}}), "IsLocal"), "(b)", "(true,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesIsLocalFalse)
{
    EXPECT_TRUE(isReply(
        openAndGet(sessionParameters({{"is-local", g_variant_new_boolean(FALSE)}}), "IsLocal"), "(b)", "(false,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesAnExplicitVtnr)
{
    EXPECT_TRUE(
        isReply(openAndGet(sessionParameters({{"vtnr", g_variant_new_uint32(9)}}), "GetVTNr"), "(u)", "(uint32 9,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheVtnrAsInt32Too)
{
    EXPECT_TRUE(
        isReply(openAndGet(sessionParameters({{"vtnr", g_variant_new_int32(8)}}), "GetVTNr"), "(u)", "(uint32 8,)"));
}

TEST_F(AnOpenSessionWithParameters, DerivesTheVtnrFromTheX11DisplayDeviceFirst)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"x11-display", g_variant_new_string(":0")},
                                       {"x11-display-device", g_variant_new_string("/dev/tty7")},
                                       {"display-device", g_variant_new_string("/dev/tty2")}}),
                            "GetVTNr"),
        "(u)", "(uint32 7,)"));
}

TEST_F(AnOpenSessionWithParameters, DerivesTheVtnrFromTheDisplayDevice)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"display-device", g_variant_new_string("/dev/tty4")},
                                       {"x11-display-device", g_variant_new_string("")}}),
                            "GetVTNr"),
        "(u)", "(uint32 4,)"));
}

TEST_F(AnOpenSessionWithParameters, HasNoVtOnAPseudoTerminal)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"display-device", g_variant_new_string("/dev/pts/4")},
                                       {"x11-display-device", g_variant_new_string("")}}),
                            "GetVTNr"),
        "(u)", "(uint32 0,)"));
}

TEST_F(AnOpenSessionWithParameters, IgnoresIdCookieAndUnknownNames)
{
    Reply cookie = client_->manager("OpenSessionWithParameters",
        sessionParameters({{"id", g_variant_new_string("Session77")}, {"cookie", g_variant_new_string("my-own-cookie")},
            {"no-such-parameter", g_variant_new_int32(1)}, {"session-type", g_variant_new_string("tty")}}));
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    EXPECT_NE(firstString(cookie), "my-own-cookie");
    EXPECT_TRUE(
        isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)"));
    EXPECT_TRUE(isError(client_->manager("GetSessionForCookie", g_variant_new("(s)", "my-own-cookie")),
        kManagerError + "Failed", "Unable to find session for cookie"));
    EXPECT_TRUE(isReply(session("/org/freedesktop/ConsoleKit/Session1", "GetSessionType"), "(s)", "('tty',)"));
}

TEST_F(AnOpenSessionWithParameters, IgnoresTheActiveAndIdleHintParametersOfConsoleKit046)
{
    const Opened s = open(*client_,
        sessionParameters({{"active", g_variant_new_boolean(TRUE)}, {"idle-hint", g_variant_new_boolean(TRUE)}}));
    ASSERT_FALSE(s.path.empty());
    EXPECT_TRUE(isReply(session(s.path, "IsActive"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(session(s.path, "GetIdleHint"), "(b)", "(false,)"));
}

TEST_F(AnOpenSessionWithParameters, TakesTheLastOfTwoValuesForOneName)
{
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"session-type", g_variant_new_string("tty")},
                                       {"session-type", g_variant_new_string("x11")}}),
                            "GetSessionType"),
        "(s)", "('x11',)"));
}

TEST_F(AnOpenSessionWithParameters, AcceptsAnEmptyList)
{
    Reply r = client_->manager("OpenSessionWithParameters", g_variant_new_parsed("(@a(sv) [],)"));
    ASSERT_TRUE(r.ok()) << r.print();
    EXPECT_EQ(g_variant_get_type_string(r.value), std::string("(s)"));
}

// --- is-local ----------------------------------------------------------------------------------

TEST_F(AnOpenSessionWithParameters, InheritsLocalityFromALocalSessionWithTheSameLoginSessionId)
{
    open(*client_,
        sessionParameters(
            {{"login-session-id", g_variant_new_string("42")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"login-session-id", g_variant_new_string("42")}}), "IsLocal"),
        "(b)", "(true,)"));
}

TEST_F(AnOpenSessionWithParameters, IsNotLocalWithAnotherLoginSessionId)
{
    open(*client_,
        sessionParameters(
            {{"login-session-id", g_variant_new_string("42")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"login-session-id", g_variant_new_string("43")}}), "IsLocal"),
        "(b)", "(false,)"));
}

TEST_F(AnOpenSessionWithParameters, DoesNotInheritLocalityFromANonLocalSession)
{
    open(*client_,
        sessionParameters(
            {{"login-session-id", g_variant_new_string("42")}, {"is-local", g_variant_new_boolean(FALSE)}}));
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"login-session-id", g_variant_new_string("42")}}), "IsLocal"),
        "(b)", "(false,)"));
}

TEST_F(AnOpenSessionWithParameters, KeepsAnExplicitIsLocalFalseDespiteAVouchingSession)
{
    open(*client_,
        sessionParameters(
            {{"login-session-id", g_variant_new_string("42")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    EXPECT_TRUE(isReply(openAndGet(sessionParameters({{"login-session-id", g_variant_new_string("42")},
                                       {"is-local", g_variant_new_boolean(FALSE)}}),
                            "IsLocal"),
        "(b)", "(false,)"));
}

// --- seat assignment ---------------------------------------------------------------------------

using ASessionBeingSeated = BusTest;

TEST_F(ASessionBeingSeated, GoesToTheConsoleSeatWhenItIsALocalTextSessionOnAVt)
{
    const Opened s = openTextSession(*client_, "/dev/tty5");
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)"));
    EXPECT_TRUE(isReply(session(s.path, "GetVTNr"), "(u)", "(uint32 5,)"));
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "([objectpath '" + s.path + "'],)"));
}

TEST_F(ASessionBeingSeated, GoesToTheConsoleSeatWhenItIsALocalX11SessionWithItsVt)
{
    const Opened s = open(*client_,
        sessionParameters({{"x11-display", g_variant_new_string(":0")},
            {"x11-display-device", g_variant_new_string("/dev/tty7")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)"));
}

TEST_F(ASessionBeingSeated, GoesToTheConsoleSeatWhenItIsLocalWithAnExplicitVtnr)
{
    const Opened s = open(*client_,
        sessionParameters({{"vtnr", g_variant_new_uint32(3)}, {"display-device", g_variant_new_string("")},
            {"is-local", g_variant_new_boolean(TRUE)}}));
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)"));
}

TEST_F(ASessionBeingSeated, GetsANewDynamicSeatWhenItIsRemote)
{
    MessageLog log(client_->connection());
    const Opened s = openRemoteSession(*client_);
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)"));
    ASSERT_TRUE(log.waitForSignals("SeatAdded"));
    EXPECT_EQ(log.signals("SeatAdded")[0].body, "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)");
    EXPECT_EQ(log.signals("SeatAdded")[0].path, kManagerPath);
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Seat1', "
        "'/org/freedesktop/ConsoleKit/Seat2'],)"));
    EXPECT_TRUE(
        isReply(seat("/org/freedesktop/ConsoleKit/Seat2", "GetSessions"), "(ao)", "([objectpath '" + s.path + "'],)"));
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(ASessionBeingSeated, TakesItsDynamicSeatAlongWhenItCloses)
{
    const Opened s = openRemoteSession(*client_);
    MessageLog log(client_->connection());
    ASSERT_TRUE(isReply(client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str())), "(b)", "(true,)"));
    ASSERT_TRUE(log.waitForSignals("SeatRemoved"));
    EXPECT_EQ(log.signals("SeatRemoved")[0].body, "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)");
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)", "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)"));
}

TEST_F(ASessionBeingSeated, GetsADynamicSeatEachWhenSeveralAreRemote)
{
    openRemoteSession(*client_, "a.example.org");
    openRemoteSession(*client_, "b.example.org");
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Seat1', "
        "'/org/freedesktop/ConsoleKit/Seat2', "
        "'/org/freedesktop/ConsoleKit/Seat3'],)"));
}

TEST_F(ASessionBeingSeated, GetsADynamicSeatWhenItIsNotLocal)
{
    const Opened s = open(*client_,
        sessionParameters(
            {{"display-device", g_variant_new_string("/dev/tty5")}, {"is-local", g_variant_new_boolean(FALSE)}}));
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)"));
}

TEST_F(ASessionBeingSeated, GetsADynamicSeatWhenItIsOnAPseudoTerminal)
{
    const Opened s = openTextSession(*client_, "/dev/pts/2");
    EXPECT_TRUE(isReply(session(s.path, "GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)"));
}

TEST_F(ASessionBeingSeated, SharesTheConsoleSeatWithOtherLocalSessions)
{
    const Opened a = openTextSession(*client_, "/dev/tty5");
    const Opened b = openTextSession(*client_, "/dev/tty6");
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "([objectpath '" + a.path + "', '" + b.path + "'],)"));
}

class ADaemonWithoutStaticSeat : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.staticSeat = false;
        return o;
    }
};

TEST_F(ADaemonWithoutStaticSeat, ListsNoSeatsAsEmptyArrays)
{
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)", "(@ao [],)"));
    EXPECT_TRUE(isReply(client_->manager("ListSeats"), "(a(so))", "(@a(so) [],)"));
}

TEST_F(ADaemonWithoutStaticSeat, SeatsALocalTextSessionOnADynamicSeat)
{
    const Opened s = openTextSession(*client_, "/dev/tty5");
    const std::string seatPath = firstString(session(s.path, "GetSeatId"));
    ASSERT_FALSE(seatPath.empty());
    EXPECT_TRUE(isReply(seat(seatPath, "CanActivateSessions"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)", "([objectpath '" + seatPath + "'],)"));
}

} // namespace
} // namespace ck::test
