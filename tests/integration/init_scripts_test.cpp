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

// The scripts themselves, run as their init systems would run them, in a private mount namespace:
// tmpfs on /run (the pid file, @rundir@), /etc/default (CONSOLEKIT_OPTS) and the install dir, where
// the freshly built daemon is bind-mounted as if installed. The test bus is reached through
// DBUS_SYSTEM_BUS_ADDRESS. (OpenRC's script needs openrc-run, which Debian does not ship by
// default: it is only syntax-checked above.)
class AnInstalledDaemon : public TheInitScripts {
protected:
    // `body` runs after the set-up, with $DAEMON the installed path and $T a scratch dir.
    CommandResult inNamespace(const std::string& body)
    {
        const std::string script = fileText(dataFile("consolekit.sysvinit"));
        const std::string installed = shellValueUnquoted(script, "DAEMON");
        const std::string sbindir = installed.substr(0, installed.rfind('/'));
        TempDir scratch;
        const std::string setup = "set -e; T=" + scratch.path() + "; DAEMON=" + installed
            + "; mount -t tmpfs none /run; mount -t tmpfs none /etc/default; mkdir -p " + sbindir
            + "; mount -t tmpfs none " + sbindir + "; touch $DAEMON; mount --bind " + env("CK_DAEMON") + " $DAEMON;"
            + " mkdir -p $T/log $T/conf/seats.d $T/lib $T/user;"
              " printf 'CONSOLEKIT_OPTS=\"--logdir=%s/log --confdir=%s/conf --hooks-libdir=%s/lib --user-rundir=%s/user"
              " --vt-watch=none --console=/nonexistent/ck-test\"\\n' $T $T $T $T >/etc/default/consolekit;"
              " export DBUS_SYSTEM_BUS_ADDRESS='"
            + bus.address() + "'; set +e; " + body;
        return runCommand({"unshare", "-m", "--propagation", "private", "sh", "-c", setup});
    }
    static std::string shellValueUnquoted(const std::string& script, const std::string& key)
    {
        const auto at = script.find("\n" + key + "=");
        if (at == std::string::npos)
            return {};
        const auto from = at + key.size() + 2;
        return script.substr(from, script.find('\n', from) - from);
    }
    TestBus bus;
};

TEST_F(AnInstalledDaemon, IsStartedConfinedReportedAndStoppedByTheSysvinitScript)
{
    CommandResult r = inNamespace("S=" + dataFile("consolekit.sysvinit")
        + "; sh $S start || exit 10;"
          " i=0; until gdbus call --address \"$DBUS_SYSTEM_BUS_ADDRESS\" --dest org.freedesktop.ConsoleKit"
          " --object-path /org/freedesktop/ConsoleKit/Manager --method org.freedesktop.ConsoleKit.Manager.GetSeats"
          " >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || exit 11; sleep 0.1; done;"
          " sh $S status || exit 12; pid=$(cat /run/ConsoleKit/pid);"
          " grep -E '^(CapBnd|NoNewPrivs):' /proc/$pid/status;"
          " sh $S start || exit 13; [ \"$(cat /run/ConsoleKit/pid)\" = \"$pid\" ] || exit 14;"
          " sh $S stop || exit 15; kill -0 $pid 2>/dev/null && exit 16;"
          " sh $S status; [ $? = 3 ] || exit 17; echo done");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("is running (pid"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("NoNewPrivs:\t1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("CapBnd:\t000000000428002f"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("done"), std::string::npos) << r.output;
}

TEST_F(AnInstalledDaemon, RunsInTheForegroundConfinedUnderTheRunitRunScript)
{
    // runsv would run ./run; `sv check dbus` is answered by a stand-in.
    CommandResult r = inNamespace("mkdir -p $T/bin; printf '#!/bin/sh\\nexit 0\\n' >$T/bin/sv; chmod +x $T/bin/sv;"
                                  " PATH=$T/bin:$PATH sh "
        + dataFile("run")
        + " & pid=$!;"
          " i=0; until gdbus call --address \"$DBUS_SYSTEM_BUS_ADDRESS\" --dest org.freedesktop.ConsoleKit"
          " --object-path /org/freedesktop/ConsoleKit/Manager --method org.freedesktop.ConsoleKit.Manager.GetSeats"
          " >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 100 ] || exit 11; sleep 0.1; done;"
          " grep -E '^(Name|CapBnd|NoNewPrivs):' /proc/$pid/status; grep -z G_SLICE /proc/$pid/environ | tr -d '\\0';"
          " echo; kill $pid; wait $pid; echo \"status $?\"");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("Name:\tconsole-kit-dae"), std::string::npos) << r.output; // exec'd: the same pid
    EXPECT_NE(r.output.find("NoNewPrivs:\t1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("CapBnd:\t000000000428002f"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("G_SLICE=always-malloc"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("status 0"), std::string::npos) << r.output;
}

} // namespace
} // namespace ck::test
