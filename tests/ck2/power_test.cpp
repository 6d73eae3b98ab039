// System actions on a real bus: Can* answers, polkit (a fake authority), the rule without
// polkit, scripts that run in the background and report failure, PrepareFor* signals.
#include <fcntl.h>
#include <linux/vt.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "ck2/ck2_fixture.h"
#include "support/vt_probe.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMeminfoWithSwap = "MemTotal:       16000000 kB\nActive(anon):    1000000 kB\nSwapTotal:       "
                                         "8000000 kB\nSwapFree:        8000000 kB\n";
constexpr const char* kMeminfoWithoutSwap = "MemTotal:       16000000 kB\nActive(anon):    1000000 kB\nSwapTotal:      "
                                            "       0 kB\nSwapFree:              0 kB\n";

GVariant* userSession(uid_t uid, bool local = true)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(local));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(""));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(""));
    return g_variant_new("(a(sv))", &b);
}

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// --- what the machine can do ---------------------------------------------------------------------

class AMachineThatCannotSleep : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.powerState = "freeze\n";
        s.meminfo = kMeminfoWithSwap;
        return s;
    }
};

TEST_F(AMachineThatCannotSleep, AnswersNaForEverySleepActionButNotForShutdown)
{
    EXPECT_EQ(str(client_->manager("CanSuspend")), "na");
    EXPECT_EQ(str(client_->manager("CanHibernate")), "na");
    EXPECT_EQ(str(client_->manager("CanHybridSleep")), "na");
    EXPECT_EQ(str(client_->manager("CanPowerOff")), "yes"); // root, no polkit on the bus
    EXPECT_EQ(str(client_->manager("CanReboot")), "yes");
    EXPECT_TRUE(boolean(client_->manager("CanStop")));
    EXPECT_TRUE(boolean(client_->manager("CanRestart")));
}

TEST_F(AMachineThatCannotSleep, RefusesSuspendAsNotSupportedWithoutRunningAnything)
{
    Reply r = client_->manager("Suspend", g_variant_new("(b)", FALSE));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.NotSupported") << r.print();
    EXPECT_NE(r.errorMessage.find("suspend"), std::string::npos) << r.errorMessage;
    EXPECT_TRUE(scriptCalls().empty());
}

class AMachineWithoutSwap : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.meminfo = kMeminfoWithoutSwap;
        return s;
    }
};

TEST_F(AMachineWithoutSwap, CanSuspendButNotHibernate)
{
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    EXPECT_EQ(str(client_->manager("CanHibernate")), "na");
    EXPECT_EQ(str(client_->manager("CanHybridSleep")), "na");
}

class AMachineWithSwap : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.meminfo = kMeminfoWithSwap;
        return s;
    }
};

TEST_F(AMachineWithSwap, CanDoEverySleepAction)
{
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    EXPECT_EQ(str(client_->manager("CanHibernate")), "yes");
    EXPECT_EQ(str(client_->manager("CanHybridSleep")), "yes");
}

TEST_F(AMachineWithSwap, AnswersNaForAnActionWhoseScriptIsMissing)
{
    removeScript("ck-system-restart");
    EXPECT_EQ(str(client_->manager("CanReboot")), "na");
    EXPECT_FALSE(boolean(client_->manager("CanRestart")));
    Reply r = client_->manager("Reboot", g_variant_new("(b)", FALSE));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.NotSupported") << r.print();
    EXPECT_EQ(str(client_->manager("CanPowerOff")), "yes");
}

// --- with polkit -----------------------------------------------------------------------------------

class APowerManagerWithPolkit : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.polkit = true;
        s.meminfo = kMeminfoWithSwap;
        return s;
    }
};

TEST_F(APowerManagerWithPolkit, AnswersCanFromTheAuthorityWithoutInteraction)
{
    polkit_->setAnswer("org.freedesktop.consolekit.system.suspend", "yes");
    polkit_->setAnswer("org.freedesktop.consolekit.system.hibernate", "challenge");
    polkit_->setAnswer("org.freedesktop.consolekit.system.restart", "no");
    polkit_->setAnswer("org.freedesktop.consolekit.system.stop", "challenge");
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    EXPECT_EQ(str(client_->manager("CanHibernate")), "challenge");
    EXPECT_EQ(str(client_->manager("CanHybridSleep")), "no"); // the fake's default
    EXPECT_EQ(str(client_->manager("CanReboot")), "no");
    EXPECT_FALSE(boolean(client_->manager("CanRestart")));
    EXPECT_EQ(str(client_->manager("CanPowerOff")), "challenge");
    EXPECT_TRUE(boolean(client_->manager("CanStop"))); // 0.4.6: TRUE when authorized or challenge

    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 7u);
    for (const auto& c : checks) {
        EXPECT_EQ(c.subject, client_->uniqueName()) << c.actionId;
        EXPECT_EQ(c.flags, 0u) << c.actionId;
    }
    EXPECT_EQ(checks[0].actionId, "org.freedesktop.consolekit.system.suspend");
    EXPECT_EQ(checks[3].actionId, "org.freedesktop.consolekit.system.restart");
    EXPECT_EQ(checks[5].actionId, "org.freedesktop.consolekit.system.stop");
}

TEST_F(APowerManagerWithPolkit, RefusesWhenTheAuthorityAnswersWithAnError)
{
    polkit_->setDefault("error");
    Reply r = client_->manager("PowerOff", g_variant_new("(b)", FALSE));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission") << r.print();
    EXPECT_NE(str(client_->manager("CanPowerOff")), "yes");
    EXPECT_TRUE(scriptCalls().empty()) << "a failing polkit is not a missing polkit";
}

// polkit is installed (activatable) but cannot be started, and the bus refuses the daemon
// ListActivatableNames: only CheckAuthorization can tell, and its answer is a bus error, not
// "no such name". Without polkit root could power off; with a broken one nobody may.
class APowerManagerWithABrokenPolkit : public Ck2Test {
protected:
    void SetUp() override
    {
        conf_ = std::make_unique<TempDir>();
        const std::string dir = conf_->path();
        ::mkdir((dir + "/services").c_str(), 0755);
        std::ofstream(dir + "/services/org.freedesktop.PolicyKit1.service")
            << "[D-BUS Service]\nName=org.freedesktop.PolicyKit1\nExec=/bin/false\nUser=root\n";
        std::ofstream(dir + "/bus.conf")
            << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
               " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
               "<busconfig>\n  <include>"
            << env("CK_TEST_BUS_CONF") << "</include>\n  <servicedir>" << dir
            << "/services</servicedir>\n"
               "  <policy context=\"mandatory\">\n"
               "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
               "          send_member=\"ListActivatableNames\"/>\n"
               "  </policy>\n</busconfig>\n";
        const std::string original = env("CK_TEST_BUS_CONF");
        ::setenv("CK_TEST_BUS_CONF", (dir + "/bus.conf").c_str(), 1);
        Ck2Test::SetUp();
        ::setenv("CK_TEST_BUS_CONF", original.c_str(), 1);
    }
    std::unique_ptr<TempDir> conf_;
};

TEST_F(APowerManagerWithABrokenPolkit, RefusesEvenRootInsteadOfFallingBackToTheRuleWithoutPolkit)
{
    Reply r = client_->manager("PowerOff", g_variant_new("(b)", FALSE));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission") << r.print();
    EXPECT_TRUE(scriptCalls().empty());
    Reply can = client_->manager("CanPowerOff");
    EXPECT_FALSE(can.ok() && str(can) == "yes") << can.print();
}

TEST_F(APowerManagerWithPolkit, AsksForTheMultipleUsersActionOnceTwoRealUsersHaveSessions)
{
    Client leader(bus_->address());
    openSession(leader, userSession(65534));
    openSession(leader, userSession(65534));
    polkit_->setDefault("yes");
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    openSession(leader, userSession(0));
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    EXPECT_EQ(str(client_->manager("CanPowerOff")), "yes");
    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 3u);
    EXPECT_EQ(checks[0].actionId, "org.freedesktop.consolekit.system.suspend");
    EXPECT_EQ(checks[1].actionId, "org.freedesktop.consolekit.system.suspend-multiple-users");
    EXPECT_EQ(checks[2].actionId, "org.freedesktop.consolekit.system.stop-multiple-users");
}

TEST_F(APowerManagerWithPolkit, CountsAUidWithoutPasswdEntryAsNoRealUser)
{
    Client leader(bus_->address());
    openSession(leader, userSession(0));
    openSession(leader, userSession(4123456)); // no passwd entry
    polkit_->setDefault("yes");
    EXPECT_EQ(str(client_->manager("CanReboot")), "yes");
    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].actionId, "org.freedesktop.consolekit.system.restart");
}

TEST_F(APowerManagerWithPolkit, RunsTheScriptOnceAuthorizedAndAnnouncesTheSleep)
{
    client_->watchSignals();
    polkit_->setAnswer("org.freedesktop.consolekit.system.suspend", "yes");
    Reply r = client_->manager("Suspend", g_variant_new("(b)", TRUE));
    ASSERT_TRUE(r.ok()) << r.print() << daemon_->stderrText();
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-suspend"});
    EXPECT_TRUE(scriptDone("ck-system-suspend")); // the reply waits for the script
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(false,)") == 1; }));
    ASSERT_EQ(countSignals(*client_, "PrepareForSleep"), 2u);
    std::vector<std::string> order;
    for (const auto& s : client_->signals)
        if (s.name == "PrepareForSleep")
            order.push_back(s.args);
    EXPECT_EQ(order, (std::vector<std::string>{"(true,)", "(false,)"}));
    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 1u);
    EXPECT_EQ(checks[0].flags, 1u); // AllowUserInteraction, as the argument asked
    EXPECT_NE(readText(daemon_->logdir() + "/history").find("SYSTEM_SUSPEND"), std::string::npos)
        << readText(daemon_->logdir() + "/history");
}

// A call still waiting at the daemon's stop (here: for its power script) gets a named error; the
// daemon used to drop the connection before its queued replies were written (NoReply).
TEST_F(APowerManagerWithPolkit, AnswersACallStillPendingAtItsStopWithANamedError)
{
    polkit_->setDefault("yes");
    setScriptSleep("ck-system-suspend", 30);
    Child call({"sh", "-c",
        "exec gdbus call --address '" + bus_->address()
            + "' --dest org.freedesktop.ConsoleKit --object-path /org/freedesktop/ConsoleKit/Manager"
              " --method org.freedesktop.ConsoleKit.Manager.Suspend false 2>&1"});
    ASSERT_TRUE(client_->waitFor([&] { return !scriptCalls().empty(); })) << daemon_->stderrText();
    stopDaemon();
    std::string out;
    while (auto line = call.readLine(std::chrono::seconds(20)))
        out += *line + "\n";
    EXPECT_NE(out.find("org.freedesktop.ConsoleKit.Manager.Error"), std::string::npos) << out;
    EXPECT_EQ(out.find("NoReply"), std::string::npos) << out;
    EXPECT_NE(call.wait(), 0);
}

TEST_F(APowerManagerWithPolkit, PassesTheInteractionFlagOnlyWhenAskedAndAlwaysForStop)
{
    polkit_->setDefault("yes");
    ASSERT_TRUE(client_->manager("Hibernate", g_variant_new("(b)", FALSE)).ok());
    ASSERT_TRUE(client_->manager("Stop").ok());
    ASSERT_TRUE(client_->manager("Restart").ok());
    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 3u);
    EXPECT_EQ(checks[0].actionId, "org.freedesktop.consolekit.system.hibernate");
    EXPECT_EQ(checks[0].flags, 0u);
    EXPECT_EQ(checks[1].actionId, "org.freedesktop.consolekit.system.stop");
    EXPECT_EQ(checks[1].flags, 1u);
    EXPECT_EQ(checks[2].actionId, "org.freedesktop.consolekit.system.restart");
    EXPECT_EQ(checks[2].flags, 1u);
    EXPECT_EQ(scriptCalls(), (std::vector<std::string>{"ck-system-hibernate", "ck-system-stop", "ck-system-restart"}));
    const std::string history = readText(daemon_->logdir() + "/history");
    EXPECT_NE(history.find("SYSTEM_HIBERNATE"), std::string::npos) << history;
    EXPECT_NE(history.find("SYSTEM_STOP"), std::string::npos) << history;
    EXPECT_NE(history.find("SYSTEM_RESTART"), std::string::npos) << history;
}

TEST_F(APowerManagerWithPolkit, RefusesWhatTheAuthorityRefuses)
{
    polkit_->setAnswer("org.freedesktop.consolekit.system.stop", "no");
    polkit_->setAnswer("org.freedesktop.consolekit.system.restart", "challenge");
    polkit_->setAnswer("org.freedesktop.consolekit.system.suspend", "error");
    Reply no = client_->manager("PowerOff", g_variant_new("(b)", FALSE));
    EXPECT_EQ(no.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission") << no.print();
    EXPECT_NE(no.errorMessage.find("Not Authorized"), std::string::npos) << no.errorMessage;
    Reply challenge = client_->manager("Reboot", g_variant_new("(b)", FALSE));
    EXPECT_EQ(challenge.errorName, "org.freedesktop.ConsoleKit.Manager.Error.AuthorizationRequired")
        << challenge.print();
    Reply failed = client_->manager("Suspend", g_variant_new("(b)", FALSE));
    EXPECT_EQ(failed.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission") << failed.print();
    EXPECT_NE(failed.errorMessage.find("fails on purpose"), std::string::npos) << failed.errorMessage;
    Reply can = client_->manager("CanSuspend");
    EXPECT_EQ(can.errorName, "org.freedesktop.ConsoleKit.Manager.Error.Failed") << can.print();
    EXPECT_TRUE(scriptCalls().empty());
}

TEST_F(APowerManagerWithPolkit, ReportsAFailingScriptAndCallsTheSleepOff)
{
    client_->watchSignals();
    polkit_->setDefault("yes");
    setScriptExit("ck-system-suspend", 3);
    Reply r = client_->manager("Suspend", g_variant_new("(b)", FALSE));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.Failed") << r.print();
    EXPECT_NE(r.errorMessage.find("ck-system-suspend script exited with status 3"), std::string::npos)
        << r.errorMessage;
    EXPECT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(false,)") == 1; }));
}

TEST_F(APowerManagerWithPolkit, AnnouncesAShutdownThatWentAheadOnlyOnce)
{
    client_->watchSignals();
    polkit_->setDefault("yes");
    ASSERT_TRUE(client_->manager("PowerOff", g_variant_new("(b)", FALSE)).ok());
    setScriptExit("ck-system-restart", 1);
    Reply failed = client_->manager("Reboot", g_variant_new("(b)", FALSE));
    EXPECT_EQ(failed.errorName, "org.freedesktop.ConsoleKit.Manager.Error.Failed") << failed.print();
    // true for each; false only for the reboot that did not happen (logind's meaning of false).
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForShutdown") == 3; }));
    std::vector<std::string> order;
    for (const auto& s : client_->signals)
        if (s.name == "PrepareForShutdown")
            order.push_back(s.args);
    EXPECT_EQ(order, (std::vector<std::string>{"(true,)", "(true,)", "(false,)"}));
}

TEST_F(APowerManagerWithPolkit, KeepsServingWhileAScriptRunsAndRefusesASecondAction)
{
    polkit_->setDefault("yes");
    setScriptSleep("ck-system-suspend", 2);
    AsyncCall suspend;
    suspend.start(*client_, "Suspend", g_variant_new("(b)", FALSE));
    ASSERT_TRUE(client_->waitFor([&] { return !scriptCalls().empty(); }, 5s)) << daemon_->stderrText();

    Client other(bus_->address());
    const auto before = std::chrono::steady_clock::now();
    Reply seats = other.manager("GetSeats");
    const auto latency = std::chrono::steady_clock::now() - before;
    ASSERT_TRUE(seats.ok()) << seats.print();
    EXPECT_LT(latency, 300ms);
    std::fprintf(stderr, "GetSeats while ck-system-suspend sleeps: %.2f ms\n",
        std::chrono::duration<double, std::milli>(latency).count());

    Reply busy = other.manager("Hibernate", g_variant_new("(b)", FALSE));
    EXPECT_EQ(busy.errorName, "org.freedesktop.ConsoleKit.Manager.Error.Busy") << busy.print();
    EXPECT_FALSE(suspend.finished);

    ASSERT_TRUE(client_->waitFor([&] { return suspend.finished; }, 10s));
    EXPECT_TRUE(suspend.reply.ok()) << suspend.reply.print();
    EXPECT_GE(suspend.answered - suspend.sent, 1900ms);
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-suspend"});
    // Once it is over the next action may run.
    EXPECT_TRUE(other.manager("Hibernate", g_variant_new("(b)", FALSE)).ok());
}

// --- without polkit ----------------------------------------------------------------------------

using APowerManagerWithoutPolkit = Ck2Test;

TEST_F(APowerManagerWithoutPolkit, LetsRootDoEverything)
{
    EXPECT_EQ(str(client_->manager("CanPowerOff")), "yes");
    Reply r = client_->manager("PowerOff", g_variant_new("(b)", FALSE));
    EXPECT_TRUE(r.ok()) << r.print();
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-stop"});
}

TEST_F(APowerManagerWithoutPolkit, RefusesAUserWithoutTheActiveSession)
{
    CommandResult can
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.CanPowerOff");
    EXPECT_EQ(can.status, 0) << can.output;
    EXPECT_NE(can.output.find("'no'"), std::string::npos) << can.output;
    CommandResult canStop
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.CanStop");
    EXPECT_NE(canStop.output.find("false"), std::string::npos) << canStop.output;
    CommandResult off
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.PowerOff", {"false"});
    EXPECT_NE(off.status, 0);
    EXPECT_NE(off.output.find("org.freedesktop.ConsoleKit.Manager.Error.InsufficientPermission"), std::string::npos)
        << off.output;
    EXPECT_NE(off.output.find("active local session"), std::string::npos) << off.output;
    EXPECT_TRUE(scriptCalls().empty());
}

// The active session needs the kernel's active VT: the daemon reads it from /dev/tty0.
class APowerManagerWithoutPolkitOnAConsole : public Ck2Test {
protected:
    void SetUp() override
    {
        activeVt_ = readActiveVt();
        if (activeVt_ == 0)
            GTEST_SKIP() << "no VT console here (/dev/tty0)";
        Ck2Test::SetUp();
    }
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.vtWatch = "auto";
        return s;
    }
    unsigned activeVt_ = 0;
};

TEST_F(APowerManagerWithoutPolkitOnAConsole, LetsTheUserOfTheActiveLocalSessionActWhileAlone)
{
    Client leader(bus_->address());
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(65534));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(":7"));
    g_variant_builder_add(
        &b, "(sv)", "x11-display-device", g_variant_new_string(("/dev/tty" + std::to_string(activeVt_)).c_str()));
    const std::string session = openSession(leader, g_variant_new("(a(sv))", &b));
    ASSERT_FALSE(session.empty());
    ASSERT_TRUE(client_->waitFor([&] {
        Reply active = client_->getProperty(session, kSessionIface, "active");
        return active.ok() && active.print() == "(<true>,)";
    })) << daemon_->stderrText();

    // Another test program may switch VTs meanwhile (VT tests of other suites): then the session
    // is no longer active and this test proves nothing.
    auto stillActive = [&] { return client_->getProperty(session, kSessionIface, "active").print() == "(<true>,)"; };
    CommandResult can
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.CanPowerOff");
    if (!stillActive())
        GTEST_SKIP() << "the active VT changed during the test";
    EXPECT_NE(can.output.find("'yes'"), std::string::npos) << can.output;
    CommandResult off
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.PowerOff", {"false"});
    if (!stillActive())
        GTEST_SKIP() << "the active VT changed during the test";
    EXPECT_EQ(off.status, 0) << off.output;
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-stop"});

    // Another real user logs in (root, on no VT): now only root may.
    openSession(leader, userSession(0));
    CommandResult canNow
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.CanPowerOff");
    EXPECT_NE(canNow.output.find("'no'"), std::string::npos) << canNow.output;
    CommandResult refused
        = gdbusCallAs(65534, bus_->address(), kManagerPath, "org.freedesktop.ConsoleKit.Manager.Reboot", {"false"});
    EXPECT_NE(refused.output.find("InsufficientPermission"), std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("other users are logged in"), std::string::npos) << refused.output;
    EXPECT_EQ(str(client_->manager("CanReboot")), "yes"); // root still may
}

} // namespace
} // namespace ck::test
