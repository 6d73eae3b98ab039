// Unknown objects: methods and properties of sessions and seats that do not exist answer
// org.freedesktop.DBus.Error.UnknownObject naming the object, and the daemon lives on.
#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

struct ObjectCall {
    const char* method;
    const char* args; // GVariant text, "" for none
};

const ObjectCall kSessionCalls[] = {
    {"GetId", ""},
    {"GetSeatId", ""},
    {"GetSessionType", ""},
    {"GetSessionClass", ""},
    {"GetSessionState", ""},
    {"GetSessionService", ""},
    {"GetUser", ""},
    {"GetUnixUser", ""},
    {"GetXDGRuntimeDir", ""},
    {"GetX11Display", ""},
    {"GetX11DisplayDevice", ""},
    {"GetDisplayDevice", ""},
    {"GetRemoteHostName", ""},
    {"GetLoginSessionId", ""},
    {"GetVTNr", ""},
    {"IsActive", ""},
    {"IsLocal", ""},
    {"GetCreationTime", ""},
    {"Activate", ""},
    {"Lock", ""},
    {"Unlock", ""},
    {"GetIdleHint", ""},
    {"GetIdleSinceHint", ""},
    {"SetIdleHint", "(true,)"},
    {"SetLockedHint", "(true,)"},
    {"CanControlSession", ""},
    {"TakeControl", "(false,)"},
    {"ReleaseControl", ""},
    {"TakeDevice", "(uint32 13, uint32 64)"},
    {"ReleaseDevice", "(uint32 13, uint32 64)"},
    {"PauseDeviceComplete", "(uint32 13, uint32 64)"},
};

const ObjectCall kSeatCalls[] = {
    {"GetId", ""},
    {"GetName", ""},
    {"GetSessions", ""},
    {"GetDevices", ""},
    {"GetActiveSession", ""},
    {"CanActivateSessions", ""},
    {"ActivateSession", "(objectpath '/org/freedesktop/ConsoleKit/Session1',)"},
    {"SwitchTo", "(uint32 2,)"},
    {"SwitchTo", "(uint32 0,)"},
};

class AnUnknownObject : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        s_ = openTextSession(*client_); // so that "unknown" is not merely "empty"
    }
    Reply callOn(const char* path, const char* iface, const ObjectCall& c)
    {
        return client_->call(path, iface, c.method, c.args[0] != '\0' ? g_variant_new_parsed(c.args) : nullptr);
    }
    Opened s_;
};

TEST_F(AnUnknownObject, AnswersEverySessionMethodWithUnknownObject)
{
    for (const auto& c : kSessionCalls)
        EXPECT_TRUE(isError(callOn(kUnknownSession, kSessionIface, c), kUnknownObject,
            "No such session: /org/freedesktop/ConsoleKit/Session999"))
            << c.method;
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AnUnknownObject, AnswersEverySeatMethodWithUnknownObject)
{
    for (const auto& c : kSeatCalls)
        EXPECT_TRUE(isError(
            callOn(kUnknownSeat, kSeatIface, c), kUnknownObject, "No such seat: /org/freedesktop/ConsoleKit/Seat999"))
            << c.method << c.args;
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AnUnknownObject, AnswersAPropertyOfAnUnknownSessionWithUnknownObject)
{
    EXPECT_TRUE(isError(client_->getProperty(kUnknownSession, kSessionIface, "unix-user"), kUnknownObject,
        "No object /org/freedesktop/ConsoleKit/Session999 with property unix-user"));
}

TEST_F(AnUnknownObject, AnswersAPropertyOfAnUnknownSeatWithUnknownObject)
{
    EXPECT_TRUE(isError(client_->getProperty(kUnknownSeat, kSeatIface, "name"), kUnknownObject,
        "No object /org/freedesktop/ConsoleKit/Seat999 with property name"));
}

// GDBus answers Properties.GetAll itself from get_property calls and drops the ones that fail, so
// GetAll on an object that does not exist is an empty dictionary (a subtree handler cannot fail
// the whole call); Get, which clients use to poll one value, is the named error above.
TEST_F(AnUnknownObject, AnswersGetAllOfAnUnknownSessionWithNoProperties)
{
    EXPECT_TRUE(
        isReply(properties(kUnknownSession, "GetAll", g_variant_new("(s)", kSessionIface)), "(a{sv})", "(@a{sv} {},)"));
    EXPECT_TRUE(
        isReply(properties(kUnknownSeat, "GetAll", g_variant_new("(s)", kSeatIface)), "(a{sv})", "(@a{sv} {},)"));
}

TEST_F(AnUnknownObject, RefusesToSetAPropertyOfAnUnknownSession)
{
    Reply r = properties(
        kUnknownSession, "Set", g_variant_new("(ssv)", kSessionIface, "idle-hint", g_variant_new_boolean(TRUE)));
    EXPECT_FALSE(r.ok()) << r.print();
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AnUnknownObject, IsASessionThatClosed)
{
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())).ok());
    EXPECT_TRUE(isError(session(s_.path, "GetUnixUser"), kUnknownObject, "No such session: " + s_.path));
    EXPECT_TRUE(isError(client_->getProperty(s_.path, kSessionIface, "active"), kUnknownObject, s_.path));
}

TEST_F(AnUnknownObject, IsADynamicSeatThatWasRemoved)
{
    const Opened remote = openRemoteSession(*client_);
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", remote.cookie.c_str())).ok());
    EXPECT_TRUE(isError(seat("/org/freedesktop/ConsoleKit/Seat2", "GetSessions"), kUnknownObject,
        "No such seat: /org/freedesktop/ConsoleKit/Seat2"));
}

TEST_F(AnUnknownObject, IsASessionPathWithoutANumber)
{
    EXPECT_TRUE(isError(session("/org/freedesktop/ConsoleKit/SessionX", "GetId"), kUnknownObject, "No such session"));
    EXPECT_TRUE(isError(session("/org/freedesktop/ConsoleKit/Session0", "GetId"), kUnknownObject, "No such session"));
    EXPECT_TRUE(isError(seat("/org/freedesktop/ConsoleKit/Seat0", "GetId"), kUnknownObject, "No such seat"));
}

// Only the canonical id names a session: "Session01" is not an alias of Session1.
TEST_F(AnUnknownObject, IsASessionPathWithALeadingZero)
{
    EXPECT_TRUE(isError(session("/org/freedesktop/ConsoleKit/Session01", "GetId"), kUnknownObject, "No such session"));
    EXPECT_TRUE(isError(client_->manager("GetSession", g_variant_new("(s)", "Session01")),
        kManagerError + "InvalidInput", "Unable to find session for ID 'Session01'"));
}

TEST_F(AnUnknownObject, AnswersAnUnknownMethodOfAKnownSessionWithAnError)
{
    Reply r = session(s_.path, "NoSuchMethod");
    EXPECT_FALSE(r.ok()) << r.print();
    EXPECT_TRUE(r.errorName == "org.freedesktop.DBus.Error.UnknownMethod") << r.print();
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AnUnknownObject, AnswersAnUnknownManagerMethodWithAnError)
{
    Reply r = client_->manager("NoSuchMethod");
    EXPECT_TRUE(isError(r, "org.freedesktop.DBus.Error.UnknownMethod", "NoSuchMethod"));
    EXPECT_TRUE(daemonAnswers());
}

} // namespace
} // namespace ck::test
