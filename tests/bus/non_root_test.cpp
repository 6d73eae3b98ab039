// Callers that are not root (uid 65534 through setpriv): what the shipped bus policy lets them do,
// what it refuses, and the daemon's own checks behind the policy.
#include <fstream>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

class ANonRootCaller : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        root_ = openGraphicalSession(*client_, "/dev/tty5");
        ASSERT_EQ(root_.path, "/org/freedesktop/ConsoleKit/Session1");
    }
    CommandResult asNobody(
        const std::string& path, const std::string& method, const std::vector<std::string>& args = {})
    {
        return gdbusCallAs(kNobody, bus_->address(), path, method, args);
    }
    static ::testing::AssertionResult refusedWith(
        const CommandResult& r, const std::string& error, const std::string& messagePart = "")
    {
        if (r.status == 0)
            return ::testing::AssertionFailure() << "the call succeeded: " << r.output;
        if (r.output.find(error) == std::string::npos || r.output.find(messagePart) == std::string::npos)
            return ::testing::AssertionFailure()
                << "expected " << error << " \"" << messagePart << "\", got " << r.output;
        return ::testing::AssertionSuccess();
    }
    Opened root_;
};

TEST_F(ANonRootCaller, ListsTheSeats)
{
    CommandResult r = asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetSeats");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)\n");
}

TEST_F(ANonRootCaller, ReadsSessionsAndSeats)
{
    EXPECT_EQ(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetSessions").output,
        "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)\n");
    EXPECT_EQ(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.GetUnixUser").output, "(uint32 0,)\n");
    EXPECT_EQ(asNobody(kSeat1, "org.freedesktop.ConsoleKit.Seat.GetSessions").output,
        "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)\n");
    EXPECT_EQ(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetSystemIdleHint").output, "(false,)\n");
}

TEST_F(ANonRootCaller, GetsASessionOfItsOwnThroughOpenSession)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    const std::string cookie = Peer::cookieOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(cookie.empty());
    const std::string path = firstString(client_->manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str())));
    ASSERT_EQ(path, "/org/freedesktop/ConsoleKit/Session2");
    EXPECT_TRUE(isReply(session(path, "GetUnixUser"), "(u)", "(uint32 65534,)"));
    EXPECT_TRUE(isReply(session(path, "IsLocal"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessionsForUnixUser", g_variant_new("(u)", kNobody)), "(ao)",
        "([objectpath '" + path + "'],)"));
}

TEST_F(ANonRootCaller, LosesItsSessionWhenItsProcessExits)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_FALSE(Peer::cookieOf(nobody.manager("OpenSession")).empty());
    MessageLog log(client_->connection());
    EXPECT_EQ(nobody.quit(), 0);
    ASSERT_TRUE(log.waitFor([&] { return !log.signalsOf("SessionRemoved", kManagerIface).empty(); }));
    EXPECT_EQ(log.signalsOf("SessionRemoved", kManagerIface)[0].body,
        "('Session2', objectpath '/org/freedesktop/ConsoleKit/Session2')");
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + root_.path + "'],)"));
}

TEST_F(ANonRootCaller, OpensASessionWithGdbusThatEndsWhenGdbusExits)
{
    MessageLog log(client_->connection());
    CommandResult r = asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.OpenSession");
    EXPECT_EQ(r.status, 0) << r.output;
    ASSERT_TRUE(log.waitFor([&] { return !log.signalsOf("SessionRemoved", kManagerIface).empty(); }));
    EXPECT_EQ(log.signals("SessionNew").size(), 1u);
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + root_.path + "'],)"));
}

TEST_F(ANonRootCaller, SetsTheIdleHintOfItsOwnSession)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_FALSE(Peer::cookieOf(nobody.manager("OpenSession")).empty());
    const std::string path = "/org/freedesktop/ConsoleKit/Session2";
    EXPECT_EQ(nobody.call(path, "org.freedesktop.ConsoleKit.Session.SetIdleHint", "(true,)"), "()");
    EXPECT_TRUE(isReply(session(path, "GetIdleHint"), "(b)", "(true,)"));
    EXPECT_EQ(nobody.call(path, "org.freedesktop.ConsoleKit.Session.SetLockedHint", "(true,)"), "()");
    EXPECT_TRUE(isReply(client_->getProperty(path, kSessionIface, "LockedHint"), "(v)", "(<true>,)"));
}

TEST_F(ANonRootCaller, IsTheOnlyOneWhoMaySetItsIdleHintNotEvenRoot)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_FALSE(Peer::cookieOf(nobody.manager("OpenSession")).empty());
    EXPECT_TRUE(isError(session("/org/freedesktop/ConsoleKit/Session2", "SetIdleHint", g_variant_new("(b)", TRUE)),
        kSessionError + "InsufficientPermission", "Only session owner may set idle hint state"));
}

TEST_F(ANonRootCaller, MayNotSetTheIdleHintOfRootsSession)
{
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.SetIdleHint", {"true"}),
        "org.freedesktop.ConsoleKit.Session.Error.InsufficientPermission",
        "Only session owner may set idle hint state"));
    EXPECT_TRUE(isReply(session(root_.path, "GetIdleHint"), "(b)", "(false,)"));
}

TEST_F(ANonRootCaller, MayNotSetTheLockedHintOfRootsSession)
{
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.SetLockedHint", {"true"}),
        "org.freedesktop.ConsoleKit.Session.Error.InsufficientPermission",
        "Only session owner may set locked hint state"));
}

TEST_F(ANonRootCaller, MayNotActivateASessionOfAnotherUser)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.ActivateSession", {"Session1"}),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission", "Not authorized"));
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.Activate"),
        "org.freedesktop.ConsoleKit.Session.Error.InsufficientPermission", "Not authorized"));
    EXPECT_TRUE(refusedWith(asNobody(kSeat1, "org.freedesktop.ConsoleKit.Seat.ActivateSession", {root_.path}),
        "org.freedesktop.ConsoleKit.Seat.Error.InsufficientPermission", "Not authorized"));
}

TEST_F(ANonRootCaller, MayNotSwitchTheVtOfASeatWithoutASessionThere)
{
    EXPECT_TRUE(refusedWith(asNobody(kSeat1, "org.freedesktop.ConsoleKit.Seat.SwitchTo", {"3"}),
        "org.freedesktop.ConsoleKit.Seat.Error.InsufficientPermission", "Not authorized"));
}

TEST_F(ANonRootCaller, MayNotCloseRootsSession)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.CloseSession", {root_.cookie}),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission",
        "User ID does not match the owner of cookie"));
}

TEST_F(ANonRootCaller, IsDeniedOpenSessionWithParametersByTheBusPolicy)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.OpenSessionWithParameters",
                                {"[('unix-user', <0>)]"}),
        kAccessDenied));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + root_.path + "'],)"));
}

TEST_F(ANonRootCaller, IsDeniedLockAndUnlockByTheBusPolicy)
{
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.Lock"), kAccessDenied));
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.Unlock"), kAccessDenied));
    EXPECT_TRUE(refusedWith(
        asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.LockSession", {"Session1"}), kAccessDenied));
    EXPECT_TRUE(refusedWith(
        asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.UnlockSession", {"Session1"}), kAccessDenied));
    EXPECT_TRUE(isReply(client_->getProperty(root_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

TEST_F(ANonRootCaller, IsDeniedListSessionsByTheBusPolicy)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.ListSessions"), kAccessDenied));
}

TEST_F(ANonRootCaller, ReadsPropertiesButCannotSetThem)
{
    CommandResult get = asNobody(root_.path, "org.freedesktop.DBus.Properties.Get", {kSessionIface, "VTNr"});
    EXPECT_EQ(get.output, "(<uint32 5>,)\n");
    EXPECT_TRUE(refusedWith(
        asNobody(root_.path, "org.freedesktop.DBus.Properties.Set", {kSessionIface, "LockedHint", "<true>"}),
        kInvalidArgs, "not writable"));
}

// --- the daemon's own checks behind a permissive policy ----------------------------------------

// A bus that also lets everybody call the root-only methods, to reach the daemon's in-code checks.
class ANonRootCallerPastThePolicy : public ANonRootCaller {
protected:
    void SetUp() override
    {
        const std::string conf = dir_.path() + "/permissive-bus.conf";
        std::ofstream(conf) << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                               " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                               "<busconfig>\n"
                               "  <include>"
                + env("CK_TEST_BUS_CONF")
                + "</include>\n"
                  "  <policy context=\"default\">\n"
                  "    <allow send_destination=\"org.freedesktop.ConsoleKit\"/>\n"
                  "  </policy>\n"
                  "</busconfig>\n";
        const std::string saved = env("CK_TEST_BUS_CONF");
        ::setenv("CK_TEST_BUS_CONF", conf.c_str(), 1);
        ANonRootCaller::SetUp();
        ::setenv("CK_TEST_BUS_CONF", saved.c_str(), 1);
    }
    TempDir dir_;
};

TEST_F(ANonRootCallerPastThePolicy, IsRefusedOpenSessionWithParametersByTheDaemon)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.OpenSessionWithParameters",
                                {"[('unix-user', <0>), ('is-local', <true>)]"}),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission",
        "Only root may open a session with parameters"));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + root_.path + "'],)"));
}

TEST_F(ANonRootCallerPastThePolicy, IsRefusedLockAndUnlockByTheDaemon)
{
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.LockSession", {"Session1"}),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission", "Only root may lock sessions"));
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.UnlockSession", {"Session1"}),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission", "Only root may unlock sessions"));
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.Lock"),
        "org.freedesktop.ConsoleKit.Session.Error.InsufficientPermission", "Only root may lock sessions"));
    EXPECT_TRUE(refusedWith(asNobody(root_.path, "org.freedesktop.ConsoleKit.Session.Unlock"),
        "org.freedesktop.ConsoleKit.Session.Error.InsufficientPermission", "Only root may unlock sessions"));
    EXPECT_TRUE(isReply(client_->getProperty(root_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

TEST_F(ANonRootCallerPastThePolicy, IsRefusedListSessionsByTheDaemon)
{
    // Issue 18.7: who is logged in where, with names, is root's (ConsoleKit2); GetSessions stays open.
    EXPECT_TRUE(refusedWith(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.ListSessions"),
        "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission", "Only root may list sessions"));
    EXPECT_EQ(asNobody(kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetSessions").status, 0);
    Reply root = client_->manager("ListSessions");
    ASSERT_TRUE(root.ok()) << root.print();
    EXPECT_NE(root.print().find(root_.path), std::string::npos) << root.print();
}

} // namespace
} // namespace ck::test
