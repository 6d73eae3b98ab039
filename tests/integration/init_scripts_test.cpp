// The init scripts (sysvinit, OpenRC, runit) confine the daemon as the systemd unit does, as far
// as setpriv can: the unit's capability bounding set and no_new_privs (issue 16.5). The scripts
// are read as meson configured them, and the daemon runs under their exact command prefix.
#include <linux/capability.h>

#include <fstream>
#include <sstream>

#include "integration/integration_fixture.h"
#include "support/session_openers.h"

namespace ck::test {
namespace {

std::string fileText(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string dataFile(const std::string& name)
{
    return env("CK_BUILD_ROOT") + "/data/" + name;
}

// The value of `key="…"` in a shell script.
std::string shellValue(const std::string& script, const std::string& key)
{
    const std::string start = key + "=\"";
    const auto at = script.find("\n" + start);
    if (at == std::string::npos)
        return {};
    const auto from = at + 1 + start.size();
    return script.substr(from, script.find('"', from) - from);
}

// A line of /proc/PID/status without its key ("CapBnd:\t000000…").
std::string statusField(pid_t pid, const std::string& key)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key + ":", 0) == 0)
            return line.substr(line.find_first_not_of(" \t", key.size() + 1));
    return {};
}

class TheInitScripts : public ::testing::Test {
protected:
    void SetUp() override
    {
        confine = shellValue(fileText(dataFile("consolekit.sysvinit")), "CONFINE");
        if (confine.empty())
            skipUnless(false, "setpriv was not found at build time: the scripts start the daemon unconfined");
    }
    std::string confine;
};

TEST_F(TheInitScripts, AllThreeStartTheDaemonUnderTheSameSetprivLimits)
{
    EXPECT_NE(confine.find("--bounding-set=-all,"), std::string::npos) << confine;
    EXPECT_NE(confine.find("--no-new-privs"), std::string::npos) << confine;
    EXPECT_NE(
        fileText(dataFile("consolekit.sysvinit")).find("$CONFINE \"$DAEMON\" $CONSOLEKIT_OPTS"), std::string::npos);
    EXPECT_EQ(shellValue(fileText(dataFile("consolekit.openrc")), "confine"), confine);
    EXPECT_NE(fileText(dataFile("run")).find("exec " + confine + " "), std::string::npos) << fileText(dataFile("run"));
    for (const char* script : {"consolekit.sysvinit", "consolekit.openrc", "run"}) {
        CommandResult syntax = runCommand({"sh", "-n", dataFile(script)});
        EXPECT_EQ(syntax.status, 0) << script << ": " << syntax.output;
    }
    // OpenRC's command and command_args as openrc-run computes them from `confine`.
    CommandResult openrc
        = runCommand({"sh", "-c", "confine='" + confine + "'; printf '%s|%s' \"${confine%% *}\" \"${confine#* }\""});
    EXPECT_EQ(openrc.output, confine.substr(0, confine.find(' ')) + "|" + confine.substr(confine.find(' ') + 1));
}

TEST_F(TheInitScripts, ConfineTheDaemonToTheUnitsCapabilitiesAndItStillServesSessions)
{
    TestBus bus;
    DaemonOptions options;
    options.wrapper = confine;
    Daemon daemon(bus, options);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();

    // The unit's CapabilityBoundingSet= (data/meson.build daemon_caps), nothing more.
    const unsigned long long expected = (1ULL << CAP_SYS_TTY_CONFIG) | (1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_CHOWN)
        | (1ULL << CAP_FOWNER) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH) | (1ULL << CAP_SYS_PTRACE)
        | (1ULL << CAP_KILL);
    EXPECT_EQ(std::stoull(statusField(daemon.pid(), "CapBnd"), nullptr, 16), expected);
    EXPECT_EQ(std::stoull(statusField(daemon.pid(), "CapEff"), nullptr, 16), expected);
    EXPECT_EQ(statusField(daemon.pid(), "NoNewPrivs"), "1");

    Client leader(bus.address());
    OpenedSession s = openSessionWith(leader, textSessionParameters("/dev/tty3", 1000));
    ASSERT_TRUE(s.ok()) << daemon.stderrText();
    Reply close = leader.manager("CloseSession", g_variant_new("(s)", s.cookie.c_str()));
    EXPECT_TRUE(close.ok()) << close.print();
    EXPECT_EQ(daemon.stop(), 0) << daemon.stderrText();
}

} // namespace
} // namespace ck::test
