// pam_ck_connector through libpam (the pam-driver program and a PAM directory of the test's own,
// pam_start_confdir) against the real daemon on a private bus. Each known bug of ConsoleKit's
// module (spec pam-connector.md §2) has a test here that shows ours does not have it.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "connector/connector_fixture.h"

namespace ck::test {
namespace {

using Clock = std::chrono::steady_clock;

class APamLogin : public ConnectorTest {
protected:
    void SetUp() override
    {
        ConnectorTest::SetUp();
        if (!bus_)
            return;
        pamDir_ = bus_->dir() + "/pam.d";
        ::mkdir(pamDir_.c_str(), 0755);
        const std::string module = env("CK_PAM_MODULE");
        // `required`: PAM_IGNORE from the module leaves the stack without a verdict, which
        // libpam reports as a failure (so the driver's open= line tells success from ignore).
        std::ofstream(pamDir_ + "/ck") << "session required " << module << " debug\n";
        std::ofstream(pamDir_ + "/ck-nox11") << "session required " << module << " debug nox11\n";
        // One module loaded once for two lines, as when a shared stack with nox11 is included.
        std::ofstream(pamDir_ + "/ck-nox11-then-plain") << "session optional " << module << " nox11\n"
                                                        << "session required " << module << " debug\n";
    }

    // The driver run as `user` with the given steps, on this test's bus.
    ToolSpec driver(std::vector<std::string> steps, const std::string& user = "root")
    {
        // CK_PAM_DRIVER_WRAPPER, e.g. "valgrind --leak-check=full --error-exitcode=9", runs the
        // driver (and so the module and the library) under that tool.
        std::vector<std::string> argv;
        std::istringstream wrapper(env("CK_PAM_DRIVER_WRAPPER"));
        for (std::string word; wrapper >> word;)
            argv.push_back(word);
        argv.insert(argv.end(), {env("CK_PAM_DRIVER"), pamDir_, user});
        argv.insert(argv.end(), steps.begin(), steps.end());
        return tool(std::move(argv));
    }

    // The value of "name=" in the driver's output ("" when missing).
    static std::string valueOf(const std::string& out, const std::string& name)
    {
        for (const auto& line : lines(out))
            if (line.starts_with(name + "="))
                return line.substr(name.size() + 1);
        return {};
    }
    static std::vector<std::string> valuesOf(const std::string& out, const std::string& name)
    {
        std::vector<std::string> all;
        for (const auto& line : lines(out))
            if (line.starts_with(name + "="))
                all.push_back(line.substr(name.size() + 1));
        return all;
    }

    // The one session there is, "" when there is none or more.
    std::string onlySession()
    {
        auto all = sessions();
        return all.size() == 1 ? all[0] : std::string();
    }

    std::string marker() const { return bus_->dir() + "/go-on"; }
    void release() const { std::ofstream(marker()) << "go\n"; }

    std::string pamDir_;
};

TEST_F(APamLogin, RegistersAConsoleLoginAndPutsCookieAndRuntimeDirInThePamEnvironment)
{
    ToolProcess p(driver({"start:ck", "tty:tty3", "open", "getenv:XDG_SESSION_COOKIE", "getenv:XDG_RUNTIME_DIR",
        "threads", "sigpipe", "sockets", "pause:" + marker(), "close"}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    EXPECT_EQ(valueOf(p.out(), "open"), "PAM_SUCCESS") << p.out();
    const std::string cookie = valueOf(p.out(), "XDG_SESSION_COOKIE");
    ASSERT_FALSE(cookie.empty()) << p.out();
    const std::string path = sessionForCookie(cookie);
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty3'");
    EXPECT_EQ(property(path, "x11-display"), "''");
    EXPECT_EQ(property(path, "is-local"), "true");
    EXPECT_EQ(property(path, "unix-user"), "uint32 0");
    EXPECT_EQ(property(path, "session-service"), "'ck'");
    Reply dir = client_->call(path, kSessionIface, "GetXDGRuntimeDir");
    if (dir.ok()) {
        EXPECT_EQ(valueOf(p.out(), "XDG_RUNTIME_DIR"), stringOf(dir));
    }
    // libdbus in login/sshd: no thread, SIGPIPE left alone, the bus socket close-on-exec.
    EXPECT_EQ(valueOf(p.out(), "threads"), "1");
    EXPECT_EQ(valueOf(p.out(), "sigpipe"), "default");
    EXPECT_EQ(valueOf(p.out(), "sockets"), "1 noncloexec=0");

    release();
    EXPECT_EQ(p.wait(), 0) << p.err();
    EXPECT_EQ(valueOf(p.out(), "close"), "PAM_SUCCESS");
    EXPECT_TRUE(waitForSessionCount(0));
}

TEST_F(APamLogin, MarksALoginWithARemoteHostAsNotLocal)
{
    ToolProcess p(driver({"start:ck", "tty:/dev/pts/4", "rhost:client.example.org", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty()) << p.out() << p.err();
    EXPECT_EQ(property(path, "is-local"), "false");
    EXPECT_EQ(property(path, "remote-host-name"), "'client.example.org'");
    EXPECT_EQ(property(path, "display-device"), "'/dev/pts/4'");
    release();
    EXPECT_EQ(p.wait(), 0);
}

// ConsoleKit required PAM_TTY before it looked at CKCON_TTY.
TEST_F(APamLogin, TakesCkconTtyWhenPamTtyIsMissing)
{
    ToolProcess p(driver({"start:ck", "env:CKCON_TTY=/dev/tty55", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    EXPECT_EQ(valueOf(p.out(), "open"), "PAM_SUCCESS") << p.out();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty55'");
    release();
    EXPECT_EQ(p.wait(), 0);
}

TEST_F(APamLogin, IgnoresALoginWithoutAnyTerminal)
{
    ToolResult r = runTool(driver({"start:ck", "open", "getenv:XDG_SESSION_COOKIE"}));
    EXPECT_NE(valueOf(r.out, "open"), "PAM_SUCCESS") << r.out;
    EXPECT_NE(r.out.find("XDG_SESSION_COOKIE unset"), std::string::npos) << r.out;
    EXPECT_TRUE(sessions().empty());
}

// ConsoleKit kept nox11 in a static that nothing reset: after one stack line with nox11 ran,
// every later line and stack in the process skipped X11 logins.
TEST_F(APamLogin, ForgetsNox11OfAnEarlierLineOfTheSameStack)
{
    ToolProcess p(driver({"start:ck-nox11-then-plain", "tty::0", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    EXPECT_EQ(valueOf(p.out(), "open"), "PAM_SUCCESS") << p.out();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty()) << "the line without nox11 registers the X11 login";
    EXPECT_EQ(property(path, "x11-display"), "':0'");
    release();
    EXPECT_EQ(p.wait(), 0);
}

TEST_F(APamLogin, ForgetsNox11OfAnEarlierStack)
{
    ToolProcess p(driver({"start:ck-nox11", "tty::0", "open", "start:ck", "tty::0", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const auto opens = valuesOf(p.out(), "open");
    ASSERT_EQ(opens.size(), 2u) << p.out();
    EXPECT_NE(opens[0], "PAM_SUCCESS") << "nox11 skips the X11 login";
    EXPECT_EQ(opens[1], "PAM_SUCCESS") << "the next stack has no nox11";
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "x11-display"), "':0'");
    EXPECT_EQ(property(path, "display-device"), "''");
    release();
    EXPECT_EQ(p.wait(), 0);
}

// ConsoleKit knew an X11 login only by a ':' in PAM_TTY; a display manager that set PAM_TTY to
// the VT and registered its session itself got a second session from `pam_ck_connector nox11`.
TEST_F(APamLogin, SkipsEveryKindOfGraphicalLoginWithNox11)
{
    for (const std::vector<std::string>& login : {
             std::vector<std::string>{"tty:tty7", "xdisplay::1"},
             std::vector<std::string>{"tty:tty7", "env:XDG_SESSION_TYPE=x11"},
             std::vector<std::string>{"tty:tty7", "env:XDG_SESSION_TYPE=wayland"},
             std::vector<std::string>{"tty:tty7", "env:CKCON_X11_DISPLAY=:2"},
             std::vector<std::string>{"tty::0"},
         }) {
        std::vector<std::string> steps = {"start:ck-nox11"};
        steps.insert(steps.end(), login.begin(), login.end());
        steps.insert(steps.end(), {"open", "getenv:XDG_SESSION_COOKIE"});
        ToolResult r = runTool(driver(steps));
        EXPECT_NE(r.out.find("XDG_SESSION_COOKIE unset"), std::string::npos) << login.back() << ": " << r.out;
        EXPECT_TRUE(sessions().empty()) << login.back();
    }
    // A text login still registers with nox11.
    ToolProcess text(driver({"start:ck-nox11", "tty:tty2", "env:XDG_SESSION_TYPE=tty", "open", "pause:" + marker()}));
    ASSERT_TRUE(text.waitForOutput("paused")) << text.out() << text.err();
    EXPECT_EQ(valueOf(text.out(), "open"), "PAM_SUCCESS") << text.out();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty2'");
    EXPECT_EQ(property(path, "session-type"), "'tty'");
    release();
    EXPECT_EQ(text.wait(), 0);
}

TEST_F(APamLogin, PassesTheX11DisplayVtAndSessionClassOfADisplayManager)
{
    ToolProcess p(driver({"start:ck", "tty::0", "env:XDG_VTNR=7", "env:XDG_SESSION_TYPE=x11",
        "env:XDG_SESSION_CLASS=greeter", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty()) << p.out() << p.err();
    EXPECT_EQ(property(path, "x11-display"), "':0'");
    EXPECT_EQ(property(path, "x11-display-device"), "'/dev/tty7'");
    EXPECT_EQ(property(path, "VTNr"), "uint32 7");
    EXPECT_EQ(property(path, "session-type"), "'x11'");
    EXPECT_EQ(property(path, "session-class"), "'greeter'");
    release();
    EXPECT_EQ(p.wait(), 0);
}

TEST_F(APamLogin, GivesATextLoginItsVtButNoX11DisplayDevice)
{
    ToolProcess p(driver({"start:ck", "tty:tty3", "env:XDG_VTNR=3", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty()) << p.out() << p.err();
    EXPECT_EQ(property(path, "VTNr"), "uint32 3");
    EXPECT_EQ(property(path, "x11-display-device"), "''");
    release();
    EXPECT_EQ(p.wait(), 0);
}

// ConsoleKit: libdbus aborted login/sshd on a non-UTF-8 PAM_RHOST, and a failed open left the
// module's static connector set, so every later open (while the module stayed loaded) said
// "already registered".
TEST_F(APamLogin, SurvivesANonUtf8HostAndOpensOnTheNextTry)
{
    ToolProcess p(driver({"start:ck", "tty:pts/1", "rhost:bad-\xff\xfe-host", "open", "getenv:XDG_SESSION_COOKIE",
        "rhost:good.example.org", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const auto opens = valuesOf(p.out(), "open");
    ASSERT_EQ(opens.size(), 2u) << p.out() << p.err();
    EXPECT_NE(opens[0], "PAM_SUCCESS");
    EXPECT_NE(p.out().find("XDG_SESSION_COOKIE unset"), std::string::npos) << p.out();
    EXPECT_EQ(opens[1], "PAM_SUCCESS") << "the failed open kept nothing that blocks the retry";
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "remote-host-name"), "'good.example.org'");
    release();
    EXPECT_EQ(p.wait(), 0) << "no abort";
}

TEST_F(APamLogin, OpensTheNextLoginOfTheProcessAfterAFailure)
{
    ToolProcess p(driver(
        {"start:ck", "tty:pts/1", "rhost:bad-\xff-host", "open", "start:ck", "tty:tty4", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const auto opens = valuesOf(p.out(), "open");
    ASSERT_EQ(opens.size(), 2u) << p.out() << p.err();
    EXPECT_NE(opens[0], "PAM_SUCCESS");
    EXPECT_EQ(opens[1], "PAM_SUCCESS");
    const std::string path = onlySession();
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty4'");
    release();
    EXPECT_EQ(p.wait(), 0);
}

TEST_F(APamLogin, RegistersOneSessionPerHandle)
{
    ToolProcess p(driver({"start:ck", "tty:tty3", "open", "open", "pause:" + marker()}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    const auto opens = valuesOf(p.out(), "open");
    ASSERT_EQ(opens.size(), 2u);
    EXPECT_EQ(opens[0], "PAM_SUCCESS");
    EXPECT_NE(opens[1], "PAM_SUCCESS");
    EXPECT_EQ(sessions().size(), 1u);
    release();
    EXPECT_EQ(p.wait(), 0);
}

TEST_F(APamLogin, KeepsTheSessionWhenAForkedChildEndsOrClosesItsHandle)
{
    ToolProcess p(driver({"start:ck", "tty:tty3", "open", "fork-end", "fork-close", "pause:" + marker(), "close"}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    EXPECT_EQ(valueOf(p.out(), "fork-end"), "0");
    EXPECT_EQ(valueOf(p.out(), "fork-close"), "0");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(sessions().size(), 1u) << "the children left the parent's session alone";
    release();
    EXPECT_EQ(p.wait(), 0);
    EXPECT_EQ(valueOf(p.out(), "close"), "PAM_SUCCESS");
    EXPECT_TRUE(waitForSessionCount(0)) << "the parent closed it";
}

TEST_F(APamLogin, EndsTheSessionAtPamEndWithoutCloseSession)
{
    ToolProcess p(driver({"start:ck", "tty:tty3", "open", "pause:" + marker(), "end", "pause:" + marker() + "2"}));
    ASSERT_TRUE(p.waitForOutput("paused")) << p.out() << p.err();
    EXPECT_EQ(sessions().size(), 1u);
    release();
    ASSERT_TRUE(p.waitForOutput("end=")) << p.out();
    EXPECT_TRUE(waitForSessionCount(0)) << "pam_end in the opener ends the session";
    std::ofstream(marker() + "2") << "go\n";
    EXPECT_EQ(p.wait(), 0);
}

// ConsoleKit's module waited libdbus's 25 s for a daemon that did not answer.
TEST_F(APamLogin, GivesUpOnAStoppedDaemonWithinTheDeadline)
{
    ASSERT_EQ(::kill(daemon_->pid(), SIGSTOP), 0);
    const auto start = Clock::now();
    ToolResult r = runTool(driver({"start:ck", "tty:tty3", "open", "getenv:XDG_SESSION_COOKIE"}));
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    ::kill(daemon_->pid(), SIGCONT);
    std::fprintf(stderr, "pam_open_session against a stopped daemon returned after %.2f s\n", took);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(valueOf(r.out, "open"), "PAM_SUCCESS") << r.out;
    EXPECT_NE(r.out.find("XDG_SESSION_COOKIE unset"), std::string::npos) << r.out;
    EXPECT_GE(took, 9.9);
    EXPECT_LE(took, 12.0);
}

TEST_F(APamLogin, IsIgnoredForAUserConsoleKitRefuses)
{
    // OpenSessionWithParameters is root-only: a non-root program running the stack gets no session.
    const std::string driverPath = env("CK_PAM_DRIVER");
    if (!executableBy(65534, driverPath))
        GTEST_SKIP() << "the build tree is not reachable for uid 65534";
    ToolSpec spec = driver({"start:ck", "tty:tty3", "open", "getenv:XDG_SESSION_COOKIE"}, "nobody");
    spec.uid = 65534;
    ToolResult r = runTool(spec);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("XDG_SESSION_COOKIE unset"), std::string::npos) << r.out;
    EXPECT_TRUE(sessions().empty());
}

class APamLoginWithoutDaemon : public APamLogin {
protected:
    bool withDaemon() const override { return false; }
};

TEST_F(APamLoginWithoutDaemon, IsIgnoredAtOnceWhenConsoleKitIsNotRunning)
{
    const auto start = Clock::now();
    ToolResult r = runTool(driver({"start:ck", "tty:tty3", "open", "getenv:XDG_SESSION_COOKIE", "close"}));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(valueOf(r.out, "open"), "PAM_SUCCESS");
    EXPECT_NE(r.out.find("XDG_SESSION_COOKIE unset"), std::string::npos) << r.out;
    // (libpam answers close with the verdict open had: the chain is frozen after open.)
    EXPECT_FALSE(valueOf(r.out, "close").empty()) << r.out;
}

} // namespace
} // namespace ck::test
