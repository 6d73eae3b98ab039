// Wrong argument types and out-of-range values: every method answers with a named error and a
// readable message, and the daemon keeps running (TearDown also checks it exits 0 on SIGTERM).
#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

struct WrongCall {
    const char* name; // test name suffix
    const char* path; // "SESSION" = the open session, "SEAT" = Seat1
    const char* iface;
    const char* method;
    const char* args; // GVariant text of the (wrong) argument tuple
    const char* expected; // the signature the XML declares
};

const WrongCall kWrongCalls[] = {
    {"GetSessionForUnixProcessWithAString", "", kManagerIface, "GetSessionForUnixProcess", "('1234',)", "(u)"},
    {"GetSessionByPIDWithAnInt", "", kManagerIface, "GetSessionByPID", "(int32 1234,)", "(u)"},
    {"CloseSessionWithAnInt", "", kManagerIface, "CloseSession", "(int32 5,)", "(s)"},
    {"CloseSessionWithoutArguments", "", kManagerIface, "CloseSession", "()", "(s)"},
    {"OpenSessionWithParametersWithADictionary", "", kManagerIface, "OpenSessionWithParameters",
        "({'unix-user': <0>},)", "(a(sv))"},
    {"OpenSessionWithParametersWithAStringArray", "", kManagerIface, "OpenSessionWithParameters", "(['unix-user'],)",
        "(a(sv))"},
    {"OpenSessionWithParametersWithAPairInsteadOfAList", "", kManagerIface, "OpenSessionWithParameters",
        "('unix-user', <0>)", "(a(sv))"},
    {"OpenSessionWithAnArgument", "", kManagerIface, "OpenSession", "('x',)", "()"},
    {"GetSessionWithAnObjectPath", "", kManagerIface, "GetSession",
        "(objectpath '/org/freedesktop/ConsoleKit/Session1',)", "(s)"},
    {"GetSessionForCookieWithTwoStrings", "", kManagerIface, "GetSessionForCookie", "('a', 'b')", "(s)"},
    {"GetSessionsForUnixUserWithAString", "", kManagerIface, "GetSessionsForUnixUser", "('root',)", "(u)"},
    {"GetSessionsForUserWithASignedInt", "", kManagerIface, "GetSessionsForUser", "(int32 -1,)", "(u)"},
    {"ActivateSessionOnSeatWithOneArgument", "", kManagerIface, "ActivateSessionOnSeat", "('Session1',)", "(ss)"},
    {"LockSessionWithAnInt", "", kManagerIface, "LockSession", "(uint32 1,)", "(s)"},
    {"GetSeatsWithAnArgument", "", kManagerIface, "GetSeats", "(true,)", "()"},
    {"SeatSwitchToWithAString", "SEAT", kSeatIface, "SwitchTo", "('5',)", "(u)"},
    {"SeatSwitchToWithASignedInt", "SEAT", kSeatIface, "SwitchTo", "(int32 -1,)", "(u)"},
    {"SeatActivateSessionWithAString", "SEAT", kSeatIface, "ActivateSession",
        "('/org/freedesktop/ConsoleKit/Session1',)", "(o)"},
    {"SessionSetIdleHintWithAString", "SESSION", kSessionIface, "SetIdleHint", "('true',)", "(b)"},
    {"SessionSetIdleHintWithAnInt", "SESSION", kSessionIface, "SetIdleHint", "(uint32 1,)", "(b)"},
    {"SessionSetLockedHintWithoutArguments", "SESSION", kSessionIface, "SetLockedHint", "()", "(b)"},
    {"SessionTakeControlWithAString", "SESSION", kSessionIface, "TakeControl", "('force',)", "(b)"},
    {"SessionTakeDeviceWithOneNumber", "SESSION", kSessionIface, "TakeDevice", "(uint32 13,)", "(uu)"},
    {"SessionGetIdWithAnArgument", "SESSION", kSessionIface, "GetId", "(uint32 1,)", "()"},
};

class AMethodCalledWithTheWrongSignature : public BusTest, public ::testing::WithParamInterface<WrongCall> { };

TEST_P(AMethodCalledWithTheWrongSignature, IsRejectedWithInvalidArgsAndTheDaemonLivesOn)
{
    const WrongCall& c = GetParam();
    const Opened s = openTextSession(*client_);
    std::string path = c.path;
    if (path.empty())
        path = kManagerPath;
    else if (path == "SESSION")
        path = s.path;
    else if (path == "SEAT")
        path = kSeat1;
    GVariant* args = g_variant_new_parsed(c.args);
    Reply r = client_->call(path, c.iface, c.method, args);
    ASSERT_FALSE(r.ok()) << r.print();
    EXPECT_EQ(r.errorName, kInvalidArgs) << r.print();
    EXPECT_NE(r.errorMessage.find(c.expected), std::string::npos)
        << "the message should name " << c.expected << ": " << r.print();
    EXPECT_TRUE(daemonAnswers());
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + s.path + "'],)"));
}

INSTANTIATE_TEST_SUITE_P(EveryInterface, AMethodCalledWithTheWrongSignature, ::testing::ValuesIn(kWrongCalls),
    [](const ::testing::TestParamInfo<WrongCall>& p) { return std::string(p.param.name); });

using AStandardInterfaceCalledWithTheWrongSignature = BusTest;

// org.freedesktop.DBus.Properties is GDBus's own: it answers UnknownMethod naming the signature.
TEST_F(AStandardInterfaceCalledWithTheWrongSignature, IsRejectedNamingTheSignature)
{
    const Opened s = openTextSession(*client_);
    EXPECT_TRUE(isError(properties(s.path, "Get", g_variant_new("(s)", kSessionIface)),
        "org.freedesktop.DBus.Error.UnknownMethod", "does not exist"));
    EXPECT_TRUE(isError(properties(s.path, "Set", g_variant_new("(ss)", kSessionIface, "idle-hint")),
        "org.freedesktop.DBus.Error.UnknownMethod", "Set"));
    EXPECT_TRUE(daemonAnswers());
}

// --- out-of-range parameter values -------------------------------------------------------------

class AnOutOfRangeParameter : public BusTest {
protected:
    ::testing::AssertionResult refused(GVariant* params, const std::string& messagePart)
    {
        Reply r = client_->manager("OpenSessionWithParameters", params);
        auto result = isError(r, kManagerError + "InvalidInput", messagePart);
        if (!result)
            return result;
        Reply sessions = client_->manager("GetSessions");
        if (sessions.print() != "(@ao [],)")
            return ::testing::AssertionFailure() << "a session was opened anyway: " << sessions.print();
        return daemonAnswers();
    }
};

TEST_F(AnOutOfRangeParameter, Vtnr64IsRefused)
{
    EXPECT_TRUE(refused(
        sessionParameters({{"vtnr", g_variant_new_uint32(64)}}), "Parameter 'vtnr' must be between 0 and 63, not 64"));
}

TEST_F(AnOutOfRangeParameter, ANegativeVtnrIsRefused)
{
    EXPECT_TRUE(refused(sessionParameters({{"vtnr", g_variant_new_int32(-1)}}), "Parameter 'vtnr' must be between"));
}

TEST_F(AnOutOfRangeParameter, UnixUserMinusOneIsRefused)
{
    EXPECT_TRUE(refused(sessionParameters({{"unix-user", g_variant_new_int32(-1)}}),
        "Parameter 'unix-user' is not a valid user id: -1"));
}

TEST_F(AnOutOfRangeParameter, UnixUser4294967295IsRefused)
{
    EXPECT_TRUE(refused(sessionParameters({{"unix-user", g_variant_new_uint32(4294967295u)}}),
        "Parameter 'unix-user' is not a valid user id: 4294967295"));
}

TEST_F(AnOutOfRangeParameter, AUnixUserBeyond32BitsIsRefused)
{
    EXPECT_TRUE(refused(sessionParameters({{"unix-user", g_variant_new_uint64(G_MAXUINT64)}}),
        "Parameter 'unix-user' must be of type"));
    EXPECT_TRUE(refused(sessionParameters({{"user", g_variant_new_int64(G_GINT64_CONSTANT(1) << 40)}}),
        "Parameter 'user' is not a valid user id"));
}

TEST_F(AnOutOfRangeParameter, AStringLongerThanItsFieldsBoundIsRefused)
{
    // A display name, a device path, a host name and a label each have a known, short length.
    const std::pair<const char*, std::size_t> bounds[]
        = {{"session-type", 64}, {"session-class", 64}, {"session-service", 255}, {"x11-display", 256},
            {"x11-display-device", 128}, {"display-device", 128}, {"remote-host-name", 253}, {"login-session-id", 64}};
    for (const auto& [name, bound] : bounds) {
        const std::string huge(bound + 1, 'x');
        EXPECT_TRUE(refused(sessionParameters({{name, g_variant_new_string(huge.c_str())}}),
            std::string("Parameter '") + name + "' is longer than " + std::to_string(bound) + " bytes"))
            << name;
    }
}

TEST_F(AnOutOfRangeParameter, AHostNameOfExactly253BytesIsAccepted)
{
    const std::string big(253, 'y');
    const Opened s = open(*client_, sessionParameters({{"remote-host-name", g_variant_new_string(big.c_str())}}));
    EXPECT_TRUE(isReply(session(s.path, "GetRemoteHostName"), "(s)", "('" + big + "',)"));
}

TEST_F(AnOutOfRangeParameter, AValueOfTheWrongTypeIsRefusedNamingBothTypes)
{
    EXPECT_TRUE(refused(sessionParameters({{"is-local", g_variant_new_int32(1)}}),
        "Parameter 'is-local' must be of type 'b', not 'i'"));
    EXPECT_TRUE(refused(
        sessionParameters({{"vtnr", g_variant_new_string("5")}}), "Parameter 'vtnr' must be of type 'u', not 's'"));
    EXPECT_TRUE(refused(sessionParameters({{"x11-display", g_variant_new_int32(0)}}),
        "Parameter 'x11-display' must be of type 's', not 'i'"));
    EXPECT_TRUE(refused(sessionParameters({{"unix-user", g_variant_new_boolean(TRUE)}}),
        "Parameter 'unix-user' must be of type 'i' or 'u', not 'b'"));
}

TEST_F(AnOutOfRangeParameter, RefusesTheWholeListWhenOneEntryIsBad)
{
    EXPECT_TRUE(refused(sessionParameters({{"session-type", g_variant_new_string("tty")},
                            {"vtnr", g_variant_new_uint32(99)}, {"is-local", g_variant_new_boolean(TRUE)}}),
        "Parameter 'vtnr'"));
}

// --- huge strings elsewhere --------------------------------------------------------------------

class AHugeString : public BusTest {
protected:
    std::string huge_ = std::string(100000, 'z');
};

TEST_F(AHugeString, AsASessionIdIsAnUnknownSession)
{
    EXPECT_TRUE(isError(client_->manager("GetSession", g_variant_new("(s)", huge_.c_str())),
        kManagerError + "InvalidInput", "Unable to find session for ID"));
    EXPECT_TRUE(isError(client_->manager("ActivateSession", g_variant_new("(s)", huge_.c_str())),
        kManagerError + "InvalidInput", "Invalid session"));
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AHugeString, AsACookieIsAnUnknownCookie)
{
    EXPECT_TRUE(isError(client_->manager("GetSessionForCookie", g_variant_new("(s)", huge_.c_str())),
        kManagerError + "Failed", "Unable to find session for cookie"));
    EXPECT_TRUE(isError(client_->manager("CloseSession", g_variant_new("(s)", huge_.c_str())), kManagerError + "Failed",
        "Unable to find session for cookie"));
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AHugeString, AsASeatIdIsAnUnknownSeat)
{
    const Opened s = openTextSession(*client_);
    EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", s.path.c_str(), huge_.c_str())),
        kManagerError + "InvalidInput", "Invalid seat"));
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AHugeString, AsASessionIdWithDigitsIsAnUnknownSession)
{
    const std::string digits = "Session" + std::string(5000, '9');
    EXPECT_TRUE(isError(client_->manager("GetSession", g_variant_new("(s)", digits.c_str())),
        kManagerError + "InvalidInput", "Unable to find session for ID"));
    EXPECT_TRUE(isError(client_->manager("LockSession", g_variant_new("(s)", "Session4294967297")),
        kManagerError + "InvalidInput", "Invalid session"));
}

TEST_F(AHugeString, AsAPropertyNameIsRefused)
{
    const Opened s = openTextSession(*client_);
    EXPECT_TRUE(isError(client_->getProperty(s.path, kSessionIface, huge_), kInvalidArgs, "No such property"));
    EXPECT_TRUE(daemonAnswers());
}

} // namespace
} // namespace ck::test
