// Lossless restart, pid file, database, hooks and the G_SLICE restart of the real daemon on a private bus.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
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

// The daemon's own CK_INHERITED_* variables in an environment, "name=value" each, one per line.
std::string restartMarkers(const std::map<std::string, std::string>& vars)
{
    std::string found;
    for (const auto& [name, value] : vars)
        if (name.starts_with("CK_INHERITED_"))
            found += name + "=" + value + "\n";
    return found;
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

// A daemon started through `env ENV_ARGS` (to set or unset what it inherits) with a session hook
// that saves its environment; src/daemon/malloc_policy.h says what the daemon does with G_SLICE.
class ADaemonStartedWith {
public:
    explicit ADaemonStartedWith(const std::string& envArgs) : daemon_(bus_, withWrapper("env " + envArgs))
    {
        addSessionHook(daemon_, "10-env.ck",
            "[ \"$1\" = session_added ] && env > " + hookEnvPath() + ".tmp && mv " + hookEnvPath() + ".tmp "
                + hookEnvPath() + "\nexit 0\n");
    }
    bool start() { return daemon_.start(); }
    std::string stderrText() const { return daemon_.stderrText(); }
    std::string proc(const std::string& file) const
    {
        return readText("/proc/" + std::to_string(daemon_.pid()) + "/" + file);
    }
    // What ld.so and GLib read: the environment the process image started with.
    std::map<std::string, std::string> startedEnvironment() const { return environmentOf(proc("environ"), '\0'); }
    // The environment of a hook, run once a session opened.
    std::map<std::string, std::string> hookEnvironment()
    {
        Client c(bus_.address());
        Leader leader(bus_, 1000, "/dev/tty3");
        EXPECT_TRUE(c.waitFor([&] { return !readText(hookEnvPath()).empty(); }, std::chrono::seconds(10)));
        return environmentOf(readText(hookEnvPath()), '\n');
    }

private:
    static DaemonOptions withWrapper(const std::string& wrapper)
    {
        DaemonOptions o;
        o.wrapper = wrapper;
        return o;
    }
    std::string hookEnvPath() const { return daemon_.root() + "/hook.env"; }

    TestBus bus_;
    Daemon daemon_;
};

TEST(ADaemonStartedWithoutGSlice, StartsItselfAgainWithItAndDoesNotPassItOn)
{
    // What init scripts and D-Bus activation give it: no G_SLICE.
    ADaemonStartedWith d("-u G_SLICE");
    ASSERT_TRUE(d.start()) << d.stderrText();
    auto started = d.startedEnvironment();
    EXPECT_EQ(started["G_SLICE"], "always-malloc");
    EXPECT_EQ(started["CK_INHERITED_G_SLICE"], "-");
    // Started again from its own file, not /proc/self/exe: ps, pgrep and ck-memstat find it by name.
    EXPECT_EQ(d.proc("comm"), "console-kit-dae\n");
    EXPECT_EQ(d.proc("cmdline").substr(0, env("CK_DAEMON").size() + 1), env("CK_DAEMON") + '\0');

    auto hook = d.hookEnvironment();
    EXPECT_EQ(hook["CK_SESSION_USER_UID"], "1000"); // it is the hook's environment
    EXPECT_EQ(hook.count("G_SLICE"), 0u) << hook["G_SLICE"];
    EXPECT_EQ(restartMarkers(hook), "");
}

TEST(ADaemonStartedWithGSlice, KeepsItAndDoesNotStartItselfAgain)
{
    // An administrator's choice stands.
    ADaemonStartedWith d("G_SLICE=debug-blocks");
    ASSERT_TRUE(d.start()) << d.stderrText();
    auto started = d.startedEnvironment();
    EXPECT_EQ(started["G_SLICE"], "debug-blocks");
    EXPECT_EQ(restartMarkers(started), "") << "no restart";
    auto hook = d.hookEnvironment();
    EXPECT_EQ(hook["G_SLICE"], "debug-blocks");
    EXPECT_EQ(restartMarkers(hook), "");
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

} // namespace
} // namespace ck::test
