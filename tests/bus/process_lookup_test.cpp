// Sessions found through processes (XDG_SESSION_COOKIE in /proc/PID/environ) and closed by
// cookie: GetSessionForUnixProcess, GetSessionByPID, GetCurrentSession, CloseSession.
#include <unistd.h>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

using Environment = std::map<std::string, std::string>;

class AProcessInASession : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        s_ = openTextSession(*client_);
        ASSERT_FALSE(s_.cookie.empty());
    }
    // `gdbus call` as root with the given environment.
    CommandResult gdbus(const std::string& path, const std::string& method, const std::vector<std::string>& args,
        const std::map<std::string, std::string>& environment = {})
    {
        std::vector<std::string> argv = {"gdbus", "call", "--address", bus_->address(), "--dest",
            "org.freedesktop.ConsoleKit", "--object-path", path, "--method", method};
        argv.insert(argv.end(), args.begin(), args.end());
        return runCommand(argv, environment);
    }
    Opened s_;
};

TEST_F(AProcessInASession, IsFoundByItsPid)
{
    ProcessWithEnvironment child({{"XDG_SESSION_COOKIE", s_.cookie}});
    EXPECT_TRUE(isReply(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", guint32(child.pid()))), "(o)",
        "(objectpath '" + s_.path + "',)"));
}

TEST_F(AProcessInASession, IsFoundByItsPidThroughGetSessionByPID)
{
    ProcessWithEnvironment child({{"XDG_SESSION_COOKIE", s_.cookie}});
    EXPECT_TRUE(isReply(client_->manager("GetSessionByPID", g_variant_new("(u)", guint32(child.pid()))), "(o)",
        "(objectpath '" + s_.path + "',)"));
}

TEST_F(AProcessInASession, IsFoundAmongOtherVariables)
{
    ProcessWithEnvironment child({{"HOME", "/root"}, {"XDG_SESSION_COOKIE", s_.cookie}, {"ZZZ", "1"}});
    EXPECT_TRUE(isReply(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", guint32(child.pid()))), "(o)",
        "(objectpath '" + s_.path + "',)"));
}

TEST_F(AProcessInASession, FindsItsOwnSessionWithGetCurrentSession)
{
    CommandResult r = gdbus(
        kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetCurrentSession", {}, {{"XDG_SESSION_COOKIE", s_.cookie}});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "(objectpath '" + s_.path + "',)\n");
}

TEST_F(AProcessInASession, FindsItsOwnSessionWhenItIsNotRoot)
{
    Peer nobody(bus_->address(), kNobody, {{"XDG_SESSION_COOKIE", s_.cookie}});
    EXPECT_EQ(nobody.manager("GetCurrentSession"), "(objectpath '" + s_.path + "',)");
}

TEST_F(AProcessInASession, WithAnUnknownCookieBelongsToNoSession)
{
    ProcessWithEnvironment child(Environment{{"XDG_SESSION_COOKIE", "not-a-cookie"}});
    EXPECT_TRUE(isError(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", guint32(child.pid()))),
        kManagerError + "Failed", "Process '" + std::to_string(child.pid()) + "' does not belong to any session"));
}

TEST_F(AProcessInASession, WithoutTheVariableBelongsToNoSession)
{
    ProcessWithEnvironment child(Environment{{"HOME", "/"}});
    EXPECT_TRUE(isError(client_->manager("GetSessionByPID", g_variant_new("(u)", guint32(child.pid()))),
        kManagerError + "Failed", "does not belong to any session"));
}

TEST_F(AProcessInASession, WithAnEmptyEnvironmentBelongsToNoSession)
{
    ProcessWithEnvironment child(Environment{});
    EXPECT_TRUE(isError(client_->manager("GetSessionByPID", g_variant_new("(u)", guint32(child.pid()))),
        kManagerError + "Failed", "does not belong to any session"));
}

TEST_F(AProcessInASession, WithoutTheVariableHasNoCurrentSession)
{
    CommandResult r = gdbus(kManagerPath, "org.freedesktop.ConsoleKit.Manager.GetCurrentSession", {},
        {{"XDG_SESSION_COOKIE", "stale-cookie"}});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("org.freedesktop.ConsoleKit.Manager.Error.Failed"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("does not belong to any session"), std::string::npos) << r.output;
}

TEST_F(AProcessInASession, ThatExitedCannotBeLookedUp)
{
    pid_t gone = 0;
    {
        ProcessWithEnvironment child({{"XDG_SESSION_COOKIE", s_.cookie}});
        gone = child.pid();
    }
    EXPECT_TRUE(isError(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", guint32(gone))),
        kManagerError + "Failed", "Unable to lookup session information for process"));
}

TEST_F(AProcessInASession, OfAClosedSessionBelongsToNoSession)
{
    ProcessWithEnvironment child({{"XDG_SESSION_COOKIE", s_.cookie}});
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())).ok());
    EXPECT_TRUE(isError(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", guint32(child.pid()))),
        kManagerError + "Failed", "does not belong to any session"));
}

TEST_F(AProcessInASession, RefusesPid0And1AsInvalidInput)
{
    for (guint32 pid : {0u, 1u})
        EXPECT_TRUE(isError(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", pid)),
            kManagerError + "InvalidInput", "pid must be > 1"))
            << pid;
}

TEST_F(AProcessInASession, RefusesPidsBeyondTheKernelsRangeAsInvalidInput)
{
    EXPECT_TRUE(isError(client_->manager("GetSessionForUnixProcess", g_variant_new("(u)", 4294967295u)),
        kManagerError + "InvalidInput", "pid 4294967295 is out of range"));
    EXPECT_TRUE(isError(client_->manager("GetSessionByPID", g_variant_new("(u)", 2147483648u)),
        kManagerError + "InvalidInput", "pid 2147483648 is out of range"));
    EXPECT_TRUE(daemonAnswers());
}

// --- CloseSession ------------------------------------------------------------------------------

TEST_F(AProcessInASession, IsClosedByItsLeader)
{
    EXPECT_TRUE(isReply(client_->manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())), "(b)", "(true,)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
    EXPECT_TRUE(isError(client_->manager("GetSessionForCookie", g_variant_new("(s)", s_.cookie.c_str())),
        kManagerError + "Failed", "Unable to find session for cookie"));
    EXPECT_TRUE(isError(session(s_.path, "GetId"), kUnknownObject, "No such session"));
}

TEST_F(AProcessInASession, IsNotClosedByAnotherProcessWithTheCookie)
{
    CommandResult r = gdbus(kManagerPath, "org.freedesktop.ConsoleKit.Manager.CloseSession", {s_.cookie});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("Process ID does not match the owner of cookie"), std::string::npos) << r.output;
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + s_.path + "'],)"));
}

TEST_F(AProcessInASession, IsNotClosedByAnotherUserWithTheCookie)
{
    Peer nobody(bus_->address(), kNobody);
    const std::string reply = nobody.manager("CloseSession", "('" + s_.cookie + "',)");
    EXPECT_EQ(reply,
        "ERROR org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission: "
        "User ID does not match the owner of cookie");
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + s_.path + "'],)"));
}

TEST_F(AProcessInASession, IsClosedByAnotherConnectionOfTheLeaderProcess)
{
    // The leader is a process (uid and pid), as in ConsoleKit: a second connection of it may close.
    Client second(bus_->address());
    EXPECT_TRUE(isReply(second.manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())), "(b)", "(true,)"));
}

TEST_F(AProcessInASession, CannotBeClosedTwice)
{
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())).ok());
    EXPECT_TRUE(isError(client_->manager("CloseSession", g_variant_new("(s)", s_.cookie.c_str())),
        kManagerError + "Failed", "Unable to find session for cookie"));
}

TEST_F(AProcessInASession, IsNotClosedByAnEmptyCookie)
{
    EXPECT_TRUE(isError(client_->manager("CloseSession", g_variant_new("(s)", "")), kManagerError + "InvalidInput",
        "No cookie specified"));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + s_.path + "'],)"));
}

TEST_F(AProcessInASession, IsNotClosedByAnUnknownCookie)
{
    EXPECT_TRUE(isError(client_->manager("CloseSession", g_variant_new("(s)", "unknown")), kManagerError + "Failed",
        "Unable to find session for cookie"));
}

using APeerLeader = BusTest;

TEST_F(APeerLeader, ClosesItsOwnSession)
{
    Peer leader(bus_->address());
    const std::string cookie = Peer::cookieOf(leader.manager("OpenSession"));
    ASSERT_FALSE(cookie.empty());
    EXPECT_EQ(leader.manager("CloseSession", "('" + cookie + "',)"), "(true,)");
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(APeerLeader, KeepsItsSessionWhenThisProcessTriesToCloseIt)
{
    Peer leader(bus_->address());
    const std::string cookie = Peer::cookieOf(leader.manager("OpenSession"));
    ASSERT_FALSE(cookie.empty());
    EXPECT_TRUE(isError(client_->manager("CloseSession", g_variant_new("(s)", cookie.c_str())),
        kManagerError + "InsufficientPermission", "Process ID does not match the owner of cookie"));
    EXPECT_TRUE(
        isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)"));
}

} // namespace
} // namespace ck::test
