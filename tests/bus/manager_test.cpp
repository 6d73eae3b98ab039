// Manager interface on a real bus: session lifecycle, queries, idle hints, activation and lock errors.
#include <pwd.h>

#include <cstdlib>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

using AManager = BusTest;

std::string userNameOf(uid_t uid)
{
    passwd* pw = ::getpwuid(uid);
    return pw != nullptr ? pw->pw_name : "";
}

TEST_F(AManager, ListsTheConsoleSeatWhenNoSessionExists)
{
    Reply seats = client_->manager("GetSeats");
    ASSERT_TRUE(seats.ok()) << seats.print();
    EXPECT_EQ(seats.print(), "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)");
    Reply sessions = client_->manager("GetSessions");
    EXPECT_EQ(sessions.print(), "(@ao [],)");
}

TEST_F(AManager, EndsASessionWhenItsLeaderDisconnects)
{
    Client leader(bus_->address());
    client_->watchSignals();
    Reply cookie = leader.manager("OpenSession");
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    EXPECT_TRUE(client_->waitForSignal("SessionNew"));
    EXPECT_EQ(client_->manager("GetSessions").print(), "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)");
    leader.close();
    EXPECT_TRUE(client_->waitForSignal("SessionRemoved"));
    EXPECT_EQ(client_->manager("GetSessions").print(), "(@ao [],)");
}

TEST_F(AManager, RejectsAParameterOfTheWrongTypeNamingIt)
{
    Reply r = client_->manager("OpenSessionWithParameters", g_variant_new_parsed("([('unix-user', <'root'>)],)"));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InvalidInput");
    EXPECT_NE(r.errorMessage.find("unix-user"), std::string::npos) << r.errorMessage;
}

TEST_F(AManager, RefusesOpenSessionWithParametersToNonRoot)
{
    CommandResult r = gdbusCallAs(
        65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.OpenSessionWithParameters", {"[]"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("AccessDenied"), std::string::npos) << r.output;
}

TEST_F(AManager, ListsTheConsoleSeatAsNameAndPath)
{
    EXPECT_TRUE(isReply(
        client_->manager("ListSeats"), "(a(so))", "([('seat0', objectpath '/org/freedesktop/ConsoleKit/Seat1')],)"));
}

TEST_F(AManager, ListsNoSessionsAsAnEmptyArray)
{
    EXPECT_TRUE(isReply(client_->manager("ListSessions"), "(a(susso))", "(@a(susso) [],)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(AManager, ReturnsAnEmptyArrayForAUserWithoutSessions)
{
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUnixUser", g_variant_new("(u)", 1000u)), "(ao)", "(@ao [],)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUser", g_variant_new("(u)", 1000u)), "(ao)", "(@ao [],)"));
}

TEST_F(AManager, IsIdleSinceTheEpochWhileNoSessionExists)
{
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(true,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleSinceHint"), "(s)", "('1970-01-01T00:00:00Z',)"));
}

TEST_F(AManager, AnswersGetSessionForAnUnknownIdWithInvalidInput)
{
    EXPECT_TRUE(isError(client_->manager("GetSession", g_variant_new("(s)", "Session999")),
        kManagerError + "InvalidInput", "Unable to find session for ID 'Session999'"));
}

TEST_F(AManager, AnswersAnUnknownCookieWithFailed)
{
    EXPECT_TRUE(isError(client_->manager("GetSessionForCookie", g_variant_new("(s)", "no-such-cookie")),
        kManagerError + "Failed", "Unable to find session for cookie"));
}

// --- with sessions -----------------------------------------------------------------------------

class AManagerWithTwoSessions : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        local_ = openTextSession(*client_);
        remote_ = open(*client_,
            sessionParameters({{"unix-user", g_variant_new_int32(kNobody)},
                {"remote-host-name", g_variant_new_string("far.example.org")},
                {"display-device", g_variant_new_string("/dev/pts/3")}, {"is-local", g_variant_new_boolean(FALSE)}}));
        ASSERT_EQ(local_.path, "/org/freedesktop/ConsoleKit/Session1");
        ASSERT_EQ(remote_.path, "/org/freedesktop/ConsoleKit/Session2");
    }
    Opened local_, remote_;
};

TEST_F(AManagerWithTwoSessions, ListsBothSessionPathsInOrder)
{
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session1', "
        "'/org/freedesktop/ConsoleKit/Session2'],)"));
}

TEST_F(AManagerWithTwoSessions, ListsTheConsoleSeatAndTheDynamicSeat)
{
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Seat1', "
        "'/org/freedesktop/ConsoleKit/Seat2'],)"));
    EXPECT_TRUE(isReply(client_->manager("ListSeats"), "(a(so))",
        "([('seat0', objectpath '/org/freedesktop/ConsoleKit/Seat1'), "
        "('Seat2', '/org/freedesktop/ConsoleKit/Seat2')],)"));
}

TEST_F(AManagerWithTwoSessions, ListsSessionsWithIdUidUserNameSeatAndPath)
{
    const std::string expected = "([('Session1', uint32 0, '" + userNameOf(0)
        + "', 'seat0', objectpath '/org/freedesktop/ConsoleKit/Session1'), "
          "('Session2', 65534, '"
        + userNameOf(kNobody) + "', 'Seat2', '/org/freedesktop/ConsoleKit/Session2')],)";
    EXPECT_TRUE(isReply(client_->manager("ListSessions"), "(a(susso))", expected));
}

TEST_F(AManagerWithTwoSessions, ListsAnEmptyUserNameForAUidWithoutPasswdEntry)
{
    uid_t unknown = 4242;
    while (::getpwuid(unknown) != nullptr)
        ++unknown;
    open(*client_, sessionParameters({{"unix-user", g_variant_new_uint32(unknown)}}));
    Reply r = client_->manager("ListSessions");
    ASSERT_TRUE(r.ok()) << r.print();
    EXPECT_NE(r.print().find("('Session3', " + std::to_string(unknown) + ", '', "), std::string::npos) << r.print();
}

TEST_F(AManagerWithTwoSessions, FindsASessionByItsBareId)
{
    EXPECT_TRUE(isReply(client_->manager("GetSession", g_variant_new("(s)", "Session2")), "(o)",
        "(objectpath '/org/freedesktop/ConsoleKit/Session2',)"));
}

TEST_F(AManagerWithTwoSessions, FindsASessionByItsFullPath)
{
    EXPECT_TRUE(isReply(client_->manager("GetSession", g_variant_new("(s)", "/org/freedesktop/ConsoleKit/Session1")),
        "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Session1',)"));
}

TEST_F(AManagerWithTwoSessions, DoesNotTakeASeatIdForASessionId)
{
    EXPECT_TRUE(isError(client_->manager("GetSession", g_variant_new("(s)", "Seat1")), kManagerError + "InvalidInput",
        "Unable to find session for ID 'Seat1'"));
}

TEST_F(AManagerWithTwoSessions, FindsEachSessionByItsCookie)
{
    EXPECT_TRUE(isReply(client_->manager("GetSessionForCookie", g_variant_new("(s)", remote_.cookie.c_str())), "(o)",
        "(objectpath '/org/freedesktop/ConsoleKit/Session2',)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessionForCookie", g_variant_new("(s)", local_.cookie.c_str())), "(o)",
        "(objectpath '/org/freedesktop/ConsoleKit/Session1',)"));
}

TEST_F(AManagerWithTwoSessions, HandsOutUnguessableDistinctCookies)
{
    EXPECT_NE(local_.cookie, remote_.cookie);
    EXPECT_GE(local_.cookie.size(), 32u) << local_.cookie;
}

TEST_F(AManagerWithTwoSessions, ListsTheSessionsOfAUnixUser)
{
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUnixUser", g_variant_new("(u)", kNobody)), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session2'],)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUnixUser", g_variant_new("(u)", 0u)), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)"));
}

TEST_F(AManagerWithTwoSessions, AnswersTheDeprecatedGetSessionsForUserAlike)
{
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUser", g_variant_new("(u)", kNobody)), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session2'],)"));
}

TEST_F(AManagerWithTwoSessions, ListsEverySessionOfAUserWithSeveral)
{
    open(*client_, sessionParameters({{"unix-user", g_variant_new_int32(kNobody)}}));
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUnixUser", g_variant_new("(u)", kNobody)), "(ao)",
        "([objectpath '/org/freedesktop/ConsoleKit/Session2', "
        "'/org/freedesktop/ConsoleKit/Session3'],)"));
}

// --- system idle hint --------------------------------------------------------------------------

TEST_F(AManager, IsNotIdleOnceASessionThatIsNotIdleExists)
{
    MessageLog log(client_->connection());
    openGraphicalSession(*client_);
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleSinceHint"), "(s)", "('',)"));
    ASSERT_TRUE(log.waitForSignals("SystemIdleHintChanged"));
    EXPECT_EQ(log.signals("SystemIdleHintChanged")[0].body, "(false,)");
    EXPECT_EQ(log.signals("SystemIdleHintChanged")[0].path, kManagerPath);
}

TEST_F(AManager, BecomesIdleAgainWhenEverySessionIsIdle)
{
    const Opened a = openGraphicalSession(*client_);
    const Opened b = openGraphicalSession(*client_, "/dev/tty8", ":1");
    MessageLog log(client_->connection());
    ASSERT_TRUE(isReply(session(a.path, "SetIdleHint", g_variant_new("(b)", TRUE)), "()", "()"));
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(false,)"));
    ASSERT_TRUE(isReply(session(b.path, "SetIdleHint", g_variant_new("(b)", TRUE)), "()", "()"));
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(true,)"));
    ASSERT_TRUE(log.waitForSignals("SystemIdleHintChanged"));
    EXPECT_EQ(log.signals("SystemIdleHintChanged").size(), 1u);
    EXPECT_EQ(log.signals("SystemIdleHintChanged")[0].body, "(true,)");

    const std::string since = firstString(client_->manager("GetSystemIdleSinceHint"));
    GDateTime* t = g_date_time_new_from_iso8601(since.c_str(), nullptr);
    ASSERT_NE(t, nullptr) << "not ISO 8601: " << since;
    GDateTime* now = g_date_time_new_now_utc();
    EXPECT_LT(std::abs(g_date_time_difference(now, t)), 60 * G_TIME_SPAN_SECOND) << since;
    EXPECT_TRUE(since.ends_with("Z")) << since;
    g_date_time_unref(now);
    g_date_time_unref(t);
}

TEST_F(AManager, IsNotIdleWhenOneSessionWakesUp)
{
    const Opened a = openGraphicalSession(*client_);
    ASSERT_TRUE(session(a.path, "SetIdleHint", g_variant_new("(b)", TRUE)).ok());
    ASSERT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(true,)"));
    ASSERT_TRUE(session(a.path, "SetIdleHint", g_variant_new("(b)", FALSE)).ok());
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleSinceHint"), "(s)", "('',)"));
}

TEST_F(AManager, IsIdleAgainWhenTheLastSessionThatWasNotIdleCloses)
{
    const Opened a = openGraphicalSession(*client_);
    ASSERT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(false,)"));
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", a.cookie.c_str())).ok());
    EXPECT_TRUE(isReply(client_->manager("GetSystemIdleHint"), "(b)", "(true,)"));
}

// --- activation errors that need no VT ---------------------------------------------------------

TEST_F(AManagerWithTwoSessions, AnswersActivateSessionForAnUnknownSessionWithInvalidInput)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSession", g_variant_new("(s)", "Session999")),
        kManagerError + "InvalidInput", "Invalid session 'Session999'"));
}

TEST_F(AManagerWithTwoSessions, RefusesToActivateASessionOnADynamicSeat)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSession", g_variant_new("(s)", "Session2")),
        kManagerError + "NotSupported", "Activation is not supported for this kind of seat"));
}

TEST_F(AManagerWithTwoSessions, AnswersARealSwitchWithNoConsolesAvailable)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSession", g_variant_new("(s)", "Session1")),
        kManagerError + "NotSupported", "No consoles available"));
    EXPECT_TRUE(isError(client_->manager("ActivateSession", g_variant_new("(s)", local_.path.c_str())),
        kManagerError + "NotSupported", "No consoles available"));
}

TEST_F(AManagerWithTwoSessions, AnswersActivateSessionOnSeatWithNoConsolesAvailableForEverySeatIdForm)
{
    for (const char* seatId : {"Seat1", "seat0", "/org/freedesktop/ConsoleKit/Seat1"})
        EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", "Session1", seatId)),
            kManagerError + "NotSupported", "No consoles available"))
            << seatId;
}

TEST_F(AManagerWithTwoSessions, RefusesActivateSessionOnSeatForASessionOfAnotherSeat)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", "Session2", "Seat1")),
        kManagerError + "InvalidInput", "Session2 is not on seat seat0"));
}

TEST_F(AManagerWithTwoSessions, AnswersActivateSessionOnSeatForUnknownIdsWithInvalidInput)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", "Session1", "Seat999")),
        kManagerError + "InvalidInput", "Invalid seat 'Seat999'"));
    EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", "Session999", "Seat1")),
        kManagerError + "InvalidInput", "Invalid session 'Session999'"));
}

// --- LockSession / UnlockSession ---------------------------------------------------------------

TEST_F(AManagerWithTwoSessions, LocksASessionForRootWithTheLockSignalAndTheLockedHint)
{
    MessageLog log(client_->connection());
    EXPECT_TRUE(isReply(client_->manager("LockSession", g_variant_new("(s)", "Session1")), "()", "()"));
    ASSERT_TRUE(log.waitForSignals("Lock"));
    EXPECT_EQ(log.signals("Lock")[0].path, local_.path);
    EXPECT_EQ(log.signals("Lock")[0].iface, kSessionIface);
    EXPECT_EQ(log.signals("Lock")[0].signature, "");
    EXPECT_TRUE(isReply(client_->getProperty(local_.path, kSessionIface, "LockedHint"), "(v)", "(<true>,)"));
    EXPECT_TRUE(isReply(client_->getProperty(remote_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

TEST_F(AManagerWithTwoSessions, UnlocksASessionForRootWithTheUnlockSignal)
{
    ASSERT_TRUE(client_->manager("LockSession", g_variant_new("(s)", local_.path.c_str())).ok());
    MessageLog log(client_->connection());
    EXPECT_TRUE(isReply(client_->manager("UnlockSession", g_variant_new("(s)", local_.path.c_str())), "()", "()"));
    ASSERT_TRUE(log.waitForSignals("Unlock"));
    EXPECT_EQ(log.signals("Unlock")[0].path, local_.path);
    EXPECT_TRUE(log.signals("Lock").empty());
    EXPECT_TRUE(isReply(client_->getProperty(local_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

TEST_F(AManagerWithTwoSessions, AnswersLockAndUnlockOfAnUnknownSessionWithInvalidInput)
{
    EXPECT_TRUE(isError(client_->manager("LockSession", g_variant_new("(s)", "Session999")),
        kManagerError + "InvalidInput", "Invalid session 'Session999'"));
    EXPECT_TRUE(isError(client_->manager("UnlockSession", g_variant_new("(s)", "Session999")),
        kManagerError + "InvalidInput", "Invalid session 'Session999'"));
}

} // namespace
} // namespace ck::test
