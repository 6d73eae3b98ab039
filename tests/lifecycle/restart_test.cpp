// Lossless restart, pid file lock, start and stop phases, database and hooks of the real daemon on a private bus.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/test_bus.h"
#include "support/test_main.h"

namespace ck::test {

// The real daemon (root only) on a private dbus-daemon, session leaders in python3-gi.
[[maybe_unused]] const bool kPrerequisites
    = declarePrerequisites({runAsRoot(), program("dbus-daemon"), pythonModule("gi")});
namespace {

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A python3 leader process: opens a session, holds it until killed or its stdin closes.
class Leader {
public:
    Leader(const TestBus& bus, uid_t user, const std::string& device)
        : child_(
            {"/usr/bin/python3", env("CK_SOURCE_ROOT") + "/tests/lifecycle/leader.py", std::to_string(user), device},
            {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}})
    {
        // The stdout pipe stays open: closing it would kill the leader with SIGPIPE.
        cookie_ = child_.readLine().value_or("");
        EXPECT_EQ(cookie_.size(), 32u) << "the leader did not get a session";
    }
    void kill() { child_.kill(SIGKILL); }
    const std::string& cookie() const { return cookie_; }
    pid_t pid() const { return child_.pid(); }

private:
    Child child_;
    std::string cookie_;
};

std::string sessionForCookie(Client& c, const std::string& cookie)
{
    Reply r = c.manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str()));
    if (!r.ok())
        return "";
    const gchar* p = nullptr;
    g_variant_get(r.value, "(&o)", &p);
    return p;
}

std::vector<std::string> sessionPaths(Client& c)
{
    Reply r = c.manager("GetSessions");
    std::vector<std::string> out;
    if (!r.ok())
        return out;
    GVariantIter* it = nullptr;
    g_variant_get(r.value, "(ao)", &it);
    const gchar* p = nullptr;
    while (g_variant_iter_next(it, "&o", &p))
        out.emplace_back(p);
    g_variant_iter_free(it);
    return out;
}

class ARestartedDaemon : public ::testing::TestWithParam<int> {
protected:
    TestBus bus_;
};

TEST_P(ARestartedDaemon, BringsBackEveryLiveSessionAndClosesTheOthers)
{
    Daemon daemon(bus_);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader stays1(bus_, 1000, "/dev/tty3");
    Leader stays2(bus_, 1001, "/dev/pts/7"); // a dynamic seat
    Leader leaves(bus_, 1002, "/dev/tty4");
    ASSERT_FALSE(stays1.cookie().empty());
    Client c(bus_.address());
    const std::string path1 = sessionForCookie(c, stays1.cookie());
    const std::string path2 = sessionForCookie(c, stays2.cookie());
    const std::string pathGone = sessionForCookie(c, leaves.cookie());
    Reply seat2 = c.call(path2, kSessionIface, "GetSeatId");
    Reply created1 = c.call(path1, kSessionIface, "GetCreationTime");
    ASSERT_TRUE(c.call(path1, kSessionIface, "SetIdleHint", g_variant_new("(b)", TRUE)).errorName.find("Insufficient")
        != std::string::npos); // root is not the owner (uid 1000)

    // Traffic while the daemon dies: another client opens and closes sessions in a loop.
    std::atomic<bool> stop{false};
    std::thread traffic([&] {
        Client t(bus_.address());
        while (!stop) {
            Reply r = t.manager("OpenSession");
            if (r.ok()) {
                const gchar* ck = nullptr;
                g_variant_get(r.value, "(&s)", &ck);
                t.manager("CloseSession", g_variant_new("(s)", ck));
            }
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(daemon.stop(GetParam()), GetParam() == SIGTERM ? 0 : 128 + SIGKILL);
    stop = true;
    traffic.join();
    leaves.kill(); // its leader goes while the daemon is down

    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, stays1.cookie()), path1);
    EXPECT_EQ(sessionForCookie(c, stays2.cookie()), path2);
    EXPECT_EQ(sessionForCookie(c, leaves.cookie()), "");
    EXPECT_EQ(c.call(path2, kSessionIface, "GetSeatId").print(), seat2.print());
    EXPECT_EQ(c.call(path1, kSessionIface, "GetCreationTime").print(), created1.print());
    EXPECT_EQ(c.call(path1, kSessionIface, "GetUnixUser").print(), "(uint32 1000,)");
    EXPECT_EQ(c.call(path1, kSessionIface, "GetDisplayDevice").print(), "('/dev/tty3',)");

    const auto paths = sessionPaths(c);
    EXPECT_EQ(std::set<std::string>(paths.begin(), paths.end()).size(), paths.size()) << "a session came back twice";
    EXPECT_EQ(paths.size(), 2u);
    const std::string history = readText(daemon.logdir() + "/history");
    const std::string goneId = pathGone.substr(pathGone.rfind('/') + 1);
    EXPECT_NE(
        history.find("type=SEAT_SESSION_REMOVED : seat-id='Seat1' session-id='" + goneId + "'"), std::string::npos)
        << history;

    // No id is reused: the next session gets a fresh number.
    Client fresh(bus_.address());
    Reply ck = fresh.manager("OpenSession");
    ASSERT_TRUE(ck.ok()) << ck.print();
    const gchar* cookie = nullptr;
    g_variant_get(ck.value, "(&s)", &cookie);
    const std::string freshPath = sessionForCookie(c, cookie);
    EXPECT_NE(freshPath, path1);
    EXPECT_NE(freshPath, path2);
    EXPECT_NE(freshPath, pathGone);

    // A restored session still ends when its leader disconnects.
    c.watchSignals();
    stays1.kill();
    EXPECT_TRUE(c.waitFor([&] { return sessionForCookie(c, stays1.cookie()).empty(); }));
    EXPECT_EQ(daemon.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(AfterSigkillAndSigterm, ARestartedDaemon, ::testing::Values(SIGKILL, SIGTERM));

TEST(ARestartedDaemonGivenARecycledPid, DoesNotMistakeItForTheOldLeader)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 1000, "/dev/tty3");
    Client c(bus.address());
    ASSERT_FALSE(sessionForCookie(c, leader.cookie()).empty());
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    // Same pid and bus name, another incarnation of the process: the recorded start time differs.
    std::string state = readText(daemon.rundir() + "/state");
    const auto pos = state.find("pid-start-time=");
    ASSERT_NE(pos, std::string::npos) << state;
    state.insert(pos + std::string("pid-start-time=").size(), "9");
    std::ofstream(daemon.rundir() + "/state") << state;
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, leader.cookie()), "");
    EXPECT_TRUE(sessionPaths(c).empty());
}

TEST(ARestartedDaemonWhoseLastWriteWasCutShort, RestoresWhatWasCommittedAndSaysSo)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 1000, "/dev/tty3");
    Client c(bus.address());
    const std::string path = sessionForCookie(c, leader.cookie());
    ASSERT_FALSE(path.empty());
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    // As if the daemon died in the middle of appending a change: a record without [commit]
    // that would drop the session and forge another.
    {
        std::ofstream state(daemon.rundir() + "/state", std::ios::app);
        state << "\n[drop-session]\nid=" << path << "\n\n[session]\nid=/org/freedesktop/ConsoleKit/Session99\nuid=";
    }
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, leader.cookie()), path);
    EXPECT_EQ(sessionPaths(c), std::vector<std::string>{path});
    EXPECT_NE(daemon.stderrText().find("not completed"), std::string::npos) << daemon.stderrText();
}

// A bus whose configuration adds `policy` (a mandatory <policy> body) to the test bus's.
class PolicyBusConf {
public:
    explicit PolicyBusConf(const std::string& policy)
    {
        path_ = dir_.path() + "/bus.conf";
        original_ = env("CK_TEST_BUS_CONF");
        write(policy);
        ::setenv("CK_TEST_BUS_CONF", path_.c_str(), 1);
    }
    ~PolicyBusConf() { ::setenv("CK_TEST_BUS_CONF", original_.c_str(), 1); }
    // Replaces the added policy; the bus reads it on ReloadConfig.
    void write(const std::string& policy)
    {
        std::ofstream(path_) << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>\n"
                                "  <include>"
                             << original_ << "</include>\n  <policy context=\"mandatory\">\n"
                             << policy << "\n  </policy>\n</busconfig>\n";
    }

private:
    TempDir dir_;
    std::string path_, original_;
};

TEST(ARestartedDaemonWhoseBusCannotSayWhetherALeaderLives, RestoresTheSessionInsteadOfDroppingIt)
{
    // The bus refuses GetConnectionUnixProcessID (as a bus short of resources or timing out
    // would fail it): that says nothing about the leader, whose session must not be lost.
    PolicyBusConf conf("    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
                       "          send_member=\"GetConnectionUnixProcessID\"/>");
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 1000, "/dev/tty3");
    Client c(bus.address());
    const std::string path = sessionForCookie(c, leader.cookie());
    ASSERT_FALSE(path.empty());
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, leader.cookie()), path) << daemon.stderrText();
    EXPECT_NE(daemon.stderrText().find("checking again"), std::string::npos) << daemon.stderrText();
    // Its leader still ends it.
    leader.kill();
    EXPECT_TRUE(c.waitFor([&] { return sessionForCookie(c, leader.cookie()).empty(); }));
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ARestartedDaemonWhoseBusCannotSayWhetherALeaderLives, ClosesTheSessionOnceTheBusSaysTheLeaderIsGone)
{
    const std::string deny
        = "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
          "          send_member=\"GetConnectionUnixProcessID\"/>";
    PolicyBusConf conf(deny);
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 1000, "/dev/tty3");
    Client c(bus.address());
    const std::string path = sessionForCookie(c, leader.cookie());
    ASSERT_FALSE(path.empty());
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    leader.kill(); // gone while the daemon is down: no NameOwnerChanged will tell the next one
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    ASSERT_EQ(sessionForCookie(c, leader.cookie()), path) << "restored while the bus could not tell";
    // The bus answers again: the daemon's own re-check finds the leader gone and closes the session.
    conf.write("");
    Reply reload = c.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "ReloadConfig");
    ASSERT_TRUE(reload.ok()) << reload.print();
    EXPECT_TRUE(c.waitFor([&] { return sessionForCookie(c, leader.cookie()).empty(); }, std::chrono::seconds(15)))
        << daemon.stderrText();
    EXPECT_NE(readText(daemon.logdir() + "/history").find("SEAT_SESSION_REMOVED"), std::string::npos);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ARestartedDaemon, KeepsSinceWhenASessionIsIdle)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 65534, "/dev/tty3");
    Client c(bus.address());
    const std::string path = sessionForCookie(c, leader.cookie());
    ASSERT_FALSE(path.empty());
    // Only the session's user may set its idle hint.
    CommandResult set = gdbusCallAs(65534, bus.address(), path, std::string(kSessionIface) + ".SetIdleHint", {"true"});
    ASSERT_EQ(set.status, 0) << set.output;
    const std::string since = c.call(path, kSessionIface, "GetIdleSinceHint").print();
    ASSERT_NE(since, "('',)");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100)); // the ISO time has 1 s resolution
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    ASSERT_EQ(sessionForCookie(c, leader.cookie()), path);
    EXPECT_EQ(c.call(path, kSessionIface, "GetIdleSinceHint").print(), since);
    EXPECT_EQ(c.call(path, kSessionIface, "GetIdleHint").print(), "(true,)");
}

TEST(ADaemonFindingAnUnreadableRestartState, KeepsItAsideInsteadOfOverwritingIt)
{
    TestBus bus;
    Daemon daemon(bus);
    ::mkdir(daemon.rundir().c_str(), 0755);
    const std::string garbage = "this is not a restart state\n";
    {
        std::ofstream(daemon.rundir() + "/state") << garbage;
    }
    ::chmod((daemon.rundir() + "/state").c_str(), 0600);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    ASSERT_TRUE(c.manager("OpenSession").ok());
    std::string aside;
    for (const auto& e : std::filesystem::directory_iterator(daemon.rundir()))
        if (e.path().filename().string().starts_with("state.bad-"))
            aside = e.path().string();
    ASSERT_FALSE(aside.empty()) << daemon.stderrText();
    EXPECT_EQ(readText(aside), garbage);
    EXPECT_NE(daemon.stderrText().find(aside), std::string::npos) << daemon.stderrText();
    EXPECT_NE(readText(daemon.rundir() + "/state").find("version=2"), std::string::npos);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ARestartedDaemonWhoseStateHoldsOversizedAndBrokenRecords, StillRestoresEveryoneElse)
{
    // Past 64 MiB the whole file used to be refused, then overwritten empty: every user lost their
    // sessions. Now each bad record is skipped and logged, and the rest comes back.
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader first(bus, 1000, "/dev/tty3");
    Leader second(bus, 1001, "/dev/tty4");
    Client c(bus.address());
    const std::string path1 = sessionForCookie(c, first.cookie());
    const std::string path2 = sessionForCookie(c, second.cookie());
    ASSERT_FALSE(path1.empty());
    ASSERT_EQ(daemon.stop(SIGKILL), 128 + SIGKILL);
    {
        std::ofstream state(daemon.rundir() + "/state", std::ios::app | std::ios::binary);
        state << "\n[session]\nid=/org/freedesktop/ConsoleKit/Session999\nuid=oops\n";
        const std::string huge(2 * 1024 * 1024, 'x');
        for (int i = 0; i < 34; ++i) // 68 MiB of records that are each too large
            state << "\n[session]\nid=/org/freedesktop/ConsoleKit/Session" << 900 + i << "\nx11-display=" << huge
                  << "\n";
        state << "\n[commit]\n";
    }
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(sessionForCookie(c, first.cookie()), path1);
    EXPECT_EQ(sessionForCookie(c, second.cookie()), path2);
    EXPECT_EQ(sessionPaths(c).size(), 2u);
    const std::string log = daemon.stderrText();
    EXPECT_NE(log.find("longer than"), std::string::npos) << log.substr(0, 4000);
    EXPECT_NE(log.find("malformed value for uid"), std::string::npos) << log.substr(0, 4000);
    // The next write compacts the file: the skipped records do not stay in it.
    Leader third(bus, 1002, "/dev/tty5");
    EXPECT_TRUE(c.waitFor([&] {
        struct stat st { };
        return ::stat((daemon.rundir() + "/state").c_str(), &st) == 0 && st.st_size < 64 * 1024;
    }));
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ADaemon, RefusesToStartWhenTheNameIsTaken)
{
    TestBus bus;
    Daemon first(bus);
    ASSERT_TRUE(first.start()) << first.stderrText();
    CommandResult second = runCommand(
        {env("CK_DAEMON"), "--no-daemon", "--vt-watch=none", "--console=/nonexistent",
            "--rundir=" + first.root() + "/run2", "--logdir=" + first.root() + "/log2", "--confdir=" + first.confdir()},
        {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(second.status, 1);
    EXPECT_NE(second.output.find("already owned"), std::string::npos) << second.output;
    EXPECT_TRUE(first.running());
    EXPECT_EQ(first.stop(), 0);
}

TEST(ADaemon, RefusesToStartAsNonRoot)
{
    TestBus bus;
    CommandResult r
        = runCommand({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", env("CK_DAEMON"), "--no-daemon"},
            {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("You must be root"), std::string::npos) << r.output;
}

TEST(ADaemon, WritesItsPidFileAndRemovesItOnACleanExit)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    EXPECT_EQ(readText(daemon.rundir() + "/pid"), std::to_string(daemon.pid()) + "\n");
    EXPECT_EQ(daemon.stop(SIGTERM), 0);
    struct stat st { };
    EXPECT_NE(::stat((daemon.rundir() + "/pid").c_str(), &st), 0);
}

TEST(ADaemonStoppedDuringABurst, WritesTheDatabaseOnceMoreAndExitsCleanly)
{
    // The second session comes within 50 ms of the first one's database write, so its write waits
    // on a timer when SIGTERM comes: the exit writes it, and removes that timer once only.
    TestBus bus;
    DaemonOptions options;
    options.env["G_DEBUG"] = "fatal-criticals";
    Daemon daemon(bus, options);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader first(bus, 1000, "/dev/tty3");
    Leader second(bus, 1001, "/dev/tty4");
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.stderrText();
    EXPECT_EQ(daemon.stderrText().find("CRITICAL"), std::string::npos) << daemon.stderrText();
    const std::string db = readText(daemon.rundir() + "/database");
    EXPECT_NE(db.find("uid=1000\n"), std::string::npos) << db;
    EXPECT_NE(db.find("uid=1001\n"), std::string::npos) << db;
}

// name=value lines of an environment block ('\0'-separated, as in /proc/PID/environ) or of `env`.
std::map<std::string, std::string> environmentOf(const std::string& text, char separator)
{
    std::map<std::string, std::string> vars;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line, separator);)
        if (const auto eq = line.find('='); eq != std::string::npos)
            vars[line.substr(0, eq)] = line.substr(eq + 1);
    return vars;
}

// Installs an executable session hook `name` (run-session.d) with the given shell script body.
void addSessionHook(const Daemon& daemon, const std::string& name, const std::string& body)
{
    const std::string dir = daemon.confdir() + "/run-session.d";
    ::mkdir(dir.c_str(), 0755);
    {
        std::ofstream hook(dir + "/" + name);
        hook << "#!/bin/sh\n" << body;
    }
    ::chmod((dir + "/" + name).c_str(), 0755);
}

// Installs an executable seat hook `name` (run-seat.d) with the given shell script body.
void addSeatHook(const Daemon& daemon, const std::string& name, const std::string& body)
{
    const std::string dir = daemon.confdir() + "/run-seat.d";
    ::mkdir(dir.c_str(), 0755);
    {
        std::ofstream hook(dir + "/" + name);
        hook << "#!/bin/sh\n" << body;
    }
    ::chmod((dir + "/" + name).c_str(), 0755);
}

TEST(ADaemonStartedWithoutGSlice, RunsAsItWasStartedWithoutStartingItselfAgain)
{
    // Where G_SLICE matters the service files set it (src/daemon/malloc_policy.h); the daemon
    // never execs itself to set it.
    TestBus bus;
    DaemonOptions options;
    options.wrapper = "env -u G_SLICE";
    Daemon daemon(bus, options);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    const auto started = environmentOf(readText("/proc/" + std::to_string(daemon.pid()) + "/environ"), '\0');
    EXPECT_EQ(started.count("G_SLICE"), 0u) << started.at("G_SLICE");
    for (const auto& [name, value] : started)
        EXPECT_FALSE(name.starts_with("CK_INHERITED_")) << name << "=" << value;
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ADaemon, RewritesTheDatabaseOnEveryChange)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    EXPECT_TRUE(c.waitFor([&] {
        return readText(daemon.rundir() + "/database").find("[Seat /org/freedesktop/ConsoleKit/Seat1]")
            != std::string::npos;
    }));
    std::string db;
    {
        Leader leader(bus, 1000, "/dev/tty3");
        const std::string path = sessionForCookie(c, leader.cookie());
        // At once after a quiet spell, within 50 ms during a burst (the seat was just written).
        const std::string group = "[Session " + path + "]\nuid=1000\nseat=/org/freedesktop/ConsoleKit/Seat1\n";
        EXPECT_TRUE(c.waitFor([&] {
            db = readText(daemon.rundir() + "/database");
            return db.find(group) != std::string::npos;
        })) << db;
        EXPECT_EQ(db.find(leader.cookie()), std::string::npos) << "cookies must not be world-readable";
        struct stat st { };
        ASSERT_EQ(::stat((daemon.rundir() + "/database").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0644u);
        ASSERT_EQ(::stat((daemon.rundir() + "/state").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u) << "the restart state holds cookies";
    }
    EXPECT_TRUE(c.waitFor([&] {
        return readText(daemon.rundir() + "/database").find("[Session ") == std::string::npos;
    })) << readText(daemon.rundir() + "/database");
}

TEST(ADaemonWithHooks, RunsThemOnceTheDatabaseShowsTheirEvent)
{
    // udev-acl, run from run-seat.d, reads the database to decide who gets the devices.
    TestBus bus;
    Daemon daemon(bus);
    const std::string out = daemon.root() + "/hook.out";
    addSessionHook(daemon, "10-copy.ck",
        "{ echo \"== $1 $CK_SESSION_ID\"; cat '" + daemon.rundir() + "/database'; echo \"== end of $1\"; } >> " + out
            + "\n");
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    std::string path;
    {
        Leader leader(bus, 1000, "/dev/tty3");
        path = sessionForCookie(c, leader.cookie());
        // The session stays until its hook has read the database.
        ASSERT_TRUE(c.waitFor([&] { return readText(out).find("== end of session_added") != std::string::npos; },
            std::chrono::seconds(10)));
    }
    ASSERT_TRUE(c.waitFor(
        [&] { return readText(out).find("== end of session_removed") != std::string::npos; }, std::chrono::seconds(10)))
        << readText(out);
    const std::string text = readText(out);
    const auto removed = text.find("== session_removed");
    const std::string added = text.substr(0, removed);
    EXPECT_EQ(added.find("== session_added " + path + "\n"), 0u) << text;
    EXPECT_NE(added.find("[Session " + path + "]"), std::string::npos)
        << "session_added ran before the database had it:\n"
        << text;
    EXPECT_EQ(text.find("[Session " + path + "]", removed), std::string::npos)
        << "session_removed ran before the database lost it:\n"
        << text;
}

TEST(ADaemonWithHooks, RunsThemWithTheSessionVariablesWhileServing)
{
    TestBus bus;
    Daemon daemon(bus);
    const std::string out = daemon.root() + "/hook.out";
    addSessionHook(daemon, "10-record.ck",
        "sleep 1\necho \"$1 $CK_SESSION_ID $CK_SESSION_USER_UID $CK_SESSION_DISPLAY_DEVICE $CK_SESSION_IS_LOCAL\" >> "
            + out + "\n");
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    std::string path;
    {
        Leader leader(bus, 1000, "/dev/tty3");
        path = sessionForCookie(c, leader.cookie());
        // The hook sleeps; the daemon keeps answering.
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_TRUE(c.manager("GetSeats").ok());
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
    }
    EXPECT_TRUE(
        c.waitFor([&] { return readText(out).find("session_removed") != std::string::npos; }, std::chrono::seconds(10)))
        << readText(out);
    const std::string id = path;
    EXPECT_EQ(readText(out),
        "session_added " + id + " 1000 /dev/tty3 true\nsession_removed " + id + " 1000 /dev/tty3 true\n");
}

// --- One daemon per set of directories (the pid file lock) -----------------------------------------

// The arguments Daemon::start() gives its daemon: another daemon with exactly the same paths.
std::vector<std::string> sameDirectoriesAs(const Daemon& d)
{
    return {env("CK_DAEMON"), "--no-daemon", "--rundir=" + d.rundir(), "--logdir=" + d.logdir(),
        "--confdir=" + d.confdir(), "--hooks-libdir=" + d.root() + "/lib", "--user-rundir=" + d.root() + "/user",
        "--vt-watch=none", "--console=/nonexistent/ck-test-no-console"};
}

ino_t inodeOf(const std::string& path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

TEST(ADaemon, HoldsALockOnItsPidFile)
{
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    const int fd = ::open((daemon.rundir() + "/pid").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    EXPECT_NE(::flock(fd, LOCK_EX | LOCK_NB), 0);
    EXPECT_EQ(errno, EWOULDBLOCK);
    ::close(fd);
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ASecondDaemonWithTheSameDirectories, ExitsWithoutWritingAnythingAndNoSessionIsLost)
{
    TestBus bus;
    Daemon first(bus);
    const std::string hookLog = first.root() + "/hooks.log";
    addSeatHook(first, "10-log.ck", "echo \"seat $1 $CK_SEAT_ID\" >> " + hookLog + "\n");
    addSessionHook(first, "10-log.ck", "echo \"session $1 $CK_SESSION_ID\" >> " + hookLog + "\n");
    ASSERT_TRUE(first.start()) << first.stderrText();
    Client c(bus.address());
    Leader before(bus, 1000, "/dev/tty3");
    ASSERT_TRUE(c.waitFor([&] { return readText(hookLog).find("session session_added") != std::string::npos; }))
        << readText(hookLog);
    const ino_t stateInode = inodeOf(first.rundir() + "/state");
    ASSERT_NE(stateInode, 0u);
    const std::string history = readText(first.logdir() + "/history");
    const std::string hooks = readText(hookLog);
    const std::string database = readText(first.rundir() + "/database");

    CommandResult second = runCommand(sameDirectoriesAs(first), {{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    EXPECT_EQ(second.status, 1);
    EXPECT_NE(second.output.find("locked by another console-kit-daemon"), std::string::npos) << second.output;
    // Hooks run asynchronously: give one that the second daemon might have started time to write.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(inodeOf(first.rundir() + "/state"), stateInode) << "the restart state was replaced";
    EXPECT_EQ(readText(first.logdir() + "/history"), history);
    EXPECT_EQ(readText(hookLog), hooks);
    EXPECT_EQ(readText(first.rundir() + "/database"), database);
    EXPECT_EQ(readText(first.rundir() + "/pid"), std::to_string(first.pid()) + "\n");
    EXPECT_TRUE(first.running());

    // What the first daemon records after that still reaches its restart state.
    Leader after(bus, 1001, "/dev/tty4");
    const std::string path = sessionForCookie(c, after.cookie());
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(first.stop(), 0);
    ASSERT_TRUE(first.start()) << first.stderrText();
    EXPECT_EQ(sessionForCookie(c, after.cookie()), path);
    EXPECT_FALSE(sessionForCookie(c, before.cookie()).empty());
    EXPECT_EQ(first.stop(), 0);
}

// --- The start and stop phases -----------------------------------------------------------------------

TEST(ADaemonWithoutASeatsDirectory, HasTheConsoleSeat)
{
    // A daemon run by hand with a confdir that has no seats.d: as if 00-primary.seat were there.
    TestBus bus;
    DaemonOptions options;
    options.staticSeat = false;
    Daemon daemon(bus, options);
    ASSERT_EQ(::rmdir((daemon.confdir() + "/seats.d").c_str()), 0);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    EXPECT_EQ(c.manager("GetSeats").print(), "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)");
    EXPECT_EQ(c.call("/org/freedesktop/ConsoleKit/Seat1", kSeatIface, "GetName").print(), "('seat0',)");
    Leader leader(bus, 1000, "/dev/tty3");
    EXPECT_EQ(c.call(sessionForCookie(c, leader.cookie()), kSessionIface, "GetSeatId").print(),
        "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)");
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ADaemonWithAnEmptySeatsDirectory, HasNoConsoleSeat)
{
    TestBus bus;
    DaemonOptions options;
    options.staticSeat = false; // seats.d exists and is empty: it rules
    Daemon daemon(bus, options);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    EXPECT_EQ(c.manager("GetSeats").print(), "(@ao [],)");
    EXPECT_EQ(daemon.stop(), 0);
}

TEST(ADaemonStoppedWhileAHookRuns, LetsTheHookFinish)
{
    TestBus bus;
    Daemon daemon(bus);
    const std::string out = daemon.root() + "/hook.out";
    addSessionHook(daemon, "10-slow.ck", "sleep 1\necho \"finished $1\" >> " + out + "\n");
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Leader leader(bus, 1000, "/dev/tty3");
    EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.stderrText();
    EXPECT_EQ(readText(out), "finished session_added\n") << daemon.stderrText();
}

// The pid of the dbus-daemon that serves `bus` (its command line names the bus's socket).
pid_t busDaemonPid(const TestBus& bus)
{
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::string cmdline = readText(entry.path().string() + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.starts_with("dbus-daemon ")
            && cmdline.find("--address=" + bus.address() + " ") != std::string::npos)
            return static_cast<pid_t>(std::stol(name));
    }
    return -1;
}

TEST(ADaemonWhoseSystemBusGoesAway, ExitsWithAFailureAndKeepsItsSessions)
{
    // A supervisor restarts a daemon that exits non-zero; the next one brings the sessions back.
    TestBus bus;
    Daemon daemon(bus);
    ASSERT_TRUE(daemon.start()) << daemon.stderrText();
    Client c(bus.address());
    std::string path1;
    std::string path2;
    {
        Leader a(bus, 1000, "/dev/tty3");
        Leader b(bus, 1001, "/dev/pts/4");
        path1 = sessionForCookie(c, a.cookie());
        path2 = sessionForCookie(c, b.cookie());
        ASSERT_FALSE(path1.empty());
        ASSERT_FALSE(path2.empty());
        const pid_t busPid = busDaemonPid(bus);
        ASSERT_GT(busPid, 0);
        ASSERT_EQ(::kill(busPid, SIGKILL), 0);
        EXPECT_EQ(daemon.stop(0), 1) << daemon.stderrText(); // signal 0: only waits for the exit
    }
    EXPECT_NE(daemon.stderrText().find("the system bus went away"), std::string::npos) << daemon.stderrText();
    const std::string state = readText(daemon.rundir() + "/state");
    for (const auto& path : {path1, path2}) {
        EXPECT_NE(state.find("id=" + path + "\n"), std::string::npos) << state;
        EXPECT_EQ(state.find("[drop-session]\nid=" + path + "\n"), std::string::npos) << state;
    }
    struct stat st { };
    EXPECT_NE(::stat((daemon.rundir() + "/pid").c_str(), &st), 0) << "the pid file outlived the daemon";
}

// --- Logging without a journal ----------------------------------------------------------------------

// Starts the daemon WITHOUT --no-daemon in a private mount namespace whose /dev is a tmpfs with
// /dev/null and, as /dev/log, a bind mount of `logSocket`: what syslog(3) writes arrives there.
// Returns the status of the process that detached (0 once the daemon runs on its own).
int startDetachedDaemonWithSyslogAt(const Daemon& d, const std::string& busAddress, const std::string& logSocket)
{
    std::vector<std::string> args = sameDirectoriesAs(d);
    args.erase(args.begin() + 1); // --no-daemon
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string busVar = "DBUS_SYSTEM_BUS_ADDRESS=" + busAddress;
    char* envp[] = {busVar.data(), nullptr};
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Only system calls here: the test process has threads.
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0
            || ::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755") != 0
            || ::mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)) != 0)
            ::_exit(90);
        const int fd = ::open("/dev/log", O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0 || ::close(fd) != 0 || ::mount(logSocket.c_str(), "/dev/log", nullptr, MS_BIND, nullptr) != 0)
            ::_exit(91);
        ::execve(argv[0], argv.data(), envp);
        ::_exit(92);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ADetachedDaemonWithoutAJournal, LogsToSyslog)
{
    skipUnless(::access("/run/systemd/journal/socket", F_OK) != 0, "a journal runs here: the daemon logs there");
    TestBus bus;
    Daemon daemon(bus);
    const std::string logSocket = daemon.root() + "/log.sock";
    const int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(sock, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(logSocket.size(), sizeof addr.sun_path);
    std::memcpy(addr.sun_path, logSocket.c_str(), logSocket.size() + 1);
    ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

    ASSERT_EQ(startDetachedDaemonWithSyslogAt(daemon, bus.address(), logSocket), 0);
    std::string messages;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (
        messages.find("ready on the system bus") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{sock, POLLIN, 0};
        if (::poll(&p, 1, 100) == 1) {
            char buf[2048];
            const ssize_t n = ::recv(sock, buf, sizeof buf, 0);
            if (n > 0)
                messages.append(buf, static_cast<std::size_t>(n)).push_back('\n');
        }
    }
    EXPECT_NE(messages.find("console-kit-daemon["), std::string::npos) << messages;
    EXPECT_NE(messages.find("ready on the system bus"), std::string::npos) << messages;
    ::close(sock);

    // The detached daemon is not our child: stop it through its pid file.
    const std::string pidText = readText(daemon.rundir() + "/pid");
    ASSERT_FALSE(pidText.empty());
    const pid_t pid = static_cast<pid_t>(std::stol(pidText));
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    for (int i = 0; i < 1000 && ::kill(pid, 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_NE(::kill(pid, 0), 0) << "the daemon did not stop";
}

} // namespace
} // namespace ck::test
