// Tests for the hook runner with real scripts: order, environment, failures, timeouts, RAII.
#include "state/hooks.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "temp_dir.h"

namespace ck::state {
namespace {

using namespace std::chrono_literals;
using test::readText;

class AHookRunner : public ::testing::Test {
protected:
    AHookRunner()
    {
        std::filesystem::create_directories(etcDir());
        std::filesystem::create_directories(libDir());
        config_.sessionDirs = {etcDir(), libDir(), dir_.file("missing")};
        config_.seatDirs = {etcDir()};
        config_.timeoutMs = 300;
        config_.killGraceMs = 300;
    }
    ~AHookRunner() override { g_main_context_unref(context_); }

    std::string etcDir() const { return dir_.file("etc/run-session.d"); }
    std::string libDir() const { return dir_.file("lib/run-session.d"); }
    std::string out() const { return dir_.file("out"); }

    void script(const std::string& path, const std::string& body, mode_t mode = 0755)
    {
        test::writeText(path, "#!/bin/sh\n" + body + "\n");
        ::chmod(path.c_str(), mode);
    }
    // A hook that appends "<name> <action>" to the output file.
    void recorder(const std::string& dir, const std::string& name)
    {
        script(dir + "/" + name, "echo \"" + name + " $1\" >> '" + out() + "'");
    }

    // Iterates our context until the runner is idle; false after `limit`.
    bool runUntilIdle(HookRunner& runner, std::chrono::milliseconds limit = 10s)
    {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (runner.pending() > 0) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            g_main_context_iteration(context_, FALSE);
            g_usleep(1000);
        }
        return true;
    }

    test::TempDir dir_;
    HookRunnerConfig config_;
    GMainContext* context_ = g_main_context_new();
};

TEST_F(AHookRunner, RunsEveryCkProgramInSortedOrderDirectoryByDirectory)
{
    recorder(etcDir(), "20-b.ck");
    recorder(etcDir(), "10-a.ck");
    recorder(etcDir(), "99-z.ck");
    recorder(libDir(), "05-lib.ck");
    recorder(etcDir(), "30-not-a-hook.sh");
    std::filesystem::create_directories(etcDir() + "/40-dir.ck");
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_added", {});
    EXPECT_EQ(runner.pending(), 1u) << "one event, its four programs run one after another";
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()),
        "10-a.ck session_added\n20-b.ck session_added\n99-z.ck session_added\n"
        "05-lib.ck session_added\n");
}

TEST_F(AHookRunner, SaysWhetherAKindHasProgramsAtAll)
{
    HookRunner runner(config_, context_);
    recorder(etcDir(), "30-not-a-hook.sh");
    std::filesystem::create_directories(etcDir() + "/40-dir.ck");
    EXPECT_FALSE(runner.hasPrograms(HookKind::Session)) << "no *.ck program yet";
    EXPECT_FALSE(runner.hasPrograms(HookKind::Seat));
    recorder(libDir(), "05-lib.ck");
    EXPECT_TRUE(runner.hasPrograms(HookKind::Session)) << "found when it appears, not only at start";
    EXPECT_FALSE(runner.hasPrograms(HookKind::Seat)) << "the seat kind reads only its own directories";
}

TEST_F(AHookRunner, KeepsEventsInTheOrderTheyCameIn)
{
    recorder(etcDir(), "10-a.ck");
    recorder(etcDir(), "20-b.ck");
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_added", {});
    runner.run(HookKind::Session, "session_removed", {});
    runner.run(HookKind::Seat, "seat_active_session_changed", {});
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()),
        "10-a.ck session_added\n20-b.ck session_added\n10-a.ck session_removed\n"
        "20-b.ck session_removed\n10-a.ck seat_active_session_changed\n"
        "20-b.ck seat_active_session_changed\n");
}

TEST_F(AHookRunner, PassesTheDaemonEnvironmentPlusTheCkVariables)
{
    ::setenv("CK_TEST_INHERITED", "from-daemon", 1);
    script(etcDir() + "/10-env.ck", "env | grep -E '^CK_(SESSION_|TEST_INHERITED)' | sort > '" + out() + "'");
    SessionRecord s;
    s.id = "/org/freedesktop/ConsoleKit/Session2";
    s.seatId = "/org/freedesktop/ConsoleKit/Seat1";
    s.uid = 1000;
    s.type = "x11";
    s.service = "lightdm";
    s.x11Display = ":0";
    s.x11DisplayDevice = "/dev/tty7";
    s.displayDevice = "/dev/tty7";
    s.remoteHostName = "host name with spaces";
    s.isActive = true;
    s.isLocal = true;
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_added", sessionHookEnv(s));
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()),
        "CK_SESSION_DISPLAY_DEVICE=/dev/tty7\n"
        "CK_SESSION_ID=/org/freedesktop/ConsoleKit/Session2\n"
        "CK_SESSION_IS_ACTIVE=true\n"
        "CK_SESSION_IS_LOCAL=true\n"
        "CK_SESSION_REMOTE_HOST_NAME=host name with spaces\n"
        "CK_SESSION_SEAT_ID=/org/freedesktop/ConsoleKit/Seat1\n"
        "CK_SESSION_SERVICE=lightdm\n"
        "CK_SESSION_TYPE=x11\n"
        "CK_SESSION_USER_UID=1000\n"
        "CK_SESSION_X11_DISPLAY=:0\n"
        "CK_SESSION_X11_DISPLAY_DEVICE=/dev/tty7\n"
        "CK_TEST_INHERITED=from-daemon\n");
    ::unsetenv("CK_TEST_INHERITED");
}

TEST_F(AHookRunner, GoesOnAfterAFailingOrMissingProgram)
{
    script(etcDir() + "/10-fail.ck", "echo fail >> '" + out() + "'; exit 3");
    script(etcDir() + "/20-not-executable.ck", "echo never >> '" + out() + "'", 0644);
    recorder(etcDir(), "30-ok.ck");
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_removed", {});
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()), "fail\n30-ok.ck session_removed\n");
}

TEST_F(AHookRunner, TerminatesAProgramThatRunsPastTheTimeoutAndGoesOn)
{
    script(etcDir() + "/10-slow.ck", "echo $$ > '" + dir_.file("pid") + "'; sleep 30; echo woke >> '" + out() + "'");
    recorder(etcDir(), "20-next.ck");
    HookRunner runner(config_, context_);
    const auto start = std::chrono::steady_clock::now();
    runner.run(HookKind::Session, "session_added", {});
    ASSERT_TRUE(runUntilIdle(runner, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(readText(out()), "20-next.ck session_added\n");
}

TEST_F(AHookRunner, KillsAProgramThatIgnoresSigterm)
{
    script(etcDir() + "/10-stubborn.ck", "trap '' TERM; while :; do sleep 0.05; done");
    recorder(etcDir(), "20-next.ck");
    HookRunner runner(config_, context_);
    const auto start = std::chrono::steady_clock::now();
    runner.run(HookKind::Session, "session_added", {});
    ASSERT_TRUE(runUntilIdle(runner, 10s));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 550ms); // timeout + grace
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(readText(out()), "20-next.ck session_added\n");
}

TEST_F(AHookRunner, LetsTheMainLoopRunWhileAHookRuns)
{
    script(etcDir() + "/10-sleep.ck", "sleep 0.25");
    HookRunner runner(config_, context_);
    int ticks = 0;
    GSource* tick = g_timeout_source_new(20);
    g_source_set_callback(
        tick,
        [](gpointer p) -> gboolean {
            ++*static_cast<int*>(p);
            return G_SOURCE_CONTINUE;
        },
        &ticks, nullptr);
    g_source_attach(tick, context_);
    runner.run(HookKind::Session, "session_added", {});
    ASSERT_TRUE(runUntilIdle(runner));
    g_source_destroy(tick);
    g_source_unref(tick);
    EXPECT_GE(ticks, 5);
}

TEST_F(AHookRunner, KillsItsRunningHookWhenDestroyed)
{
    const std::string pidFile = dir_.file("pid");
    script(etcDir() + "/10-slow.ck",
        "echo $$ > '" + pidFile + "'.tmp; mv '" + pidFile + "'.tmp '" + pidFile + "'; sleep 30");
    recorder(etcDir(), "20-never.ck");
    pid_t pid = 0;
    {
        HookRunner runner(config_, context_);
        runner.run(HookKind::Session, "session_added", {});
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!std::filesystem::exists(pidFile) && std::chrono::steady_clock::now() < deadline) {
            g_main_context_iteration(context_, FALSE);
            g_usleep(5000);
        }
        ASSERT_TRUE(std::filesystem::exists(pidFile));
        pid = std::stoi(readText(pidFile));
        EXPECT_EQ(runner.pending(), 1u);
    }
    // Killed and reaped: the pid names nothing any more.
    EXPECT_EQ(::kill(pid, 0), -1);
    EXPECT_EQ(errno, ESRCH);
    EXPECT_FALSE(std::filesystem::exists(out()));
}

// Issue 18.5: one user's backlog, another user's login.
TEST_F(AHookRunner, RunsAnotherUsersHookAtOnceWhileOneUsersBacklogWaits)
{
    // Every run of the hook takes 200 ms and records "<uid> <start time in ms>".
    script(etcDir() + "/10-slow.ck", "echo \"$CK_SESSION_USER_UID $(date +%s%3N)\" >> '" + out() + "'; sleep 0.2");
    config_.timeoutMs = 5000;
    HookRunner runner(config_, context_);
    for (int i = 0; i < 40; ++i)
        runner.run(HookKind::Session, "session_added", {"CK_SESSION_USER_UID=65534"},
            HookOrigin{"Session" + std::to_string(i), 65534});
    const auto queued = std::chrono::steady_clock::now();
    runner.run(HookKind::Session, "session_added", {"CK_SESSION_USER_UID=1000"}, HookOrigin{"SessionX", 1000});
    const auto deadline = queued + 10s;
    while (readText(out()).find("1000 ") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        g_main_context_iteration(context_, FALSE);
        g_usleep(1000);
    }
    const auto delay = std::chrono::steady_clock::now() - queued;
    std::fprintf(stderr, "uid 1000's hook started %.0f ms after it was queued behind 40 of uid 65534\n",
        std::chrono::duration<double, std::milli>(delay).count());
    EXPECT_LT(delay, 1s) << "served in turn, not after the 40 x 200 ms backlog";
    EXPECT_GE(runner.running(), 1u);
}

TEST_F(AHookRunner, BoundsTheEventsOneUserMayHaveWaitingAndSaysItDroppedTheRest)
{
    script(etcDir() + "/10-slow.ck", "sleep 0.05");
    config_.queue.perUser = 5;
    HookRunner runner(config_, context_);
    for (int i = 0; i < 50; ++i)
        runner.run(HookKind::Session, "session_added", {}, HookOrigin{"Session" + std::to_string(i), 65534});
    EXPECT_EQ(runner.pending(), 5u);
    EXPECT_EQ(runner.dropped(), 45u);
    // Another user still gets in.
    runner.run(HookKind::Session, "session_added", {}, HookOrigin{"SessionX", 1000});
    EXPECT_EQ(runner.pending(), 6u);
    // The removal of a dropped session is dropped with it; that of an admitted one is not.
    runner.run(HookKind::Session, "session_removed", {}, HookOrigin{"Session49", 65534});
    EXPECT_EQ(runner.pending(), 6u);
    ASSERT_TRUE(runUntilIdle(runner));
}

TEST_F(AHookRunner, RunsNeitherHookOfASessionThatEndedBeforeItsAddedHookStarted)
{
    script(etcDir() + "/10-slow.ck", "echo \"$1 $CK_SESSION_ID\" >> '" + out() + "'; sleep 0.1");
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_added", {"CK_SESSION_ID=S1"}, HookOrigin{"S1", 65534});
    runner.run(HookKind::Session, "session_added", {"CK_SESSION_ID=S2"}, HookOrigin{"S2", 65534});
    // S1's hook has started: its removal must run. S2's has not: the pair goes.
    runner.run(HookKind::Session, "session_removed", {"CK_SESSION_ID=S2"}, HookOrigin{"S2", 65534});
    runner.run(HookKind::Session, "session_removed", {"CK_SESSION_ID=S1"}, HookOrigin{"S1", 65534});
    EXPECT_EQ(runner.coalesced(), 1u);
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()), "session_added S1\nsession_removed S1\n");
}

TEST_F(AHookRunner, NeverDropsTheRemovalOfASessionWhoseAddedHookRan)
{
    script(etcDir() + "/10-slow.ck", "echo \"$1 $CK_SESSION_ID\" >> '" + out() + "'; sleep 0.05");
    config_.queue.perUser = 1;
    HookRunner runner(config_, context_);
    runner.run(HookKind::Session, "session_added", {"CK_SESSION_ID=S1"}, HookOrigin{"S1", 65534});
    runner.run(HookKind::Session, "session_added", {"CK_SESSION_ID=S2"}, HookOrigin{"S2", 65534}); // full
    runner.run(HookKind::Session, "session_removed", {"CK_SESSION_ID=S1"}, HookOrigin{"S1", 65534});
    runner.run(HookKind::Session, "session_removed", {"CK_SESSION_ID=S2"}, HookOrigin{"S2", 65534});
    EXPECT_EQ(runner.dropped(), 1u);
    ASSERT_TRUE(runUntilIdle(runner));
    EXPECT_EQ(readText(out()), "session_added S1\nsession_removed S1\n");
}

// Issue 16.4: hooks that fork off or flood.
TEST_F(AHookRunner, KillsWhatAHookLeftRunningWithItsOutputOpenAndDoesNotWaitForIt)
{
    const std::string pidFile = dir_.file("child.pid");
    // The child keeps stdout and stderr open (inherited) and would live 30 s.
    script(etcDir() + "/10-daemonize.ck", "sleep 30 &\necho $! > '" + pidFile + "'\nexit 0");
    recorder(etcDir(), "20-next.ck");
    config_.timeoutMs = 10000;
    HookRunner runner(config_, context_);
    const auto start = std::chrono::steady_clock::now();
    runner.run(HookKind::Session, "session_added", {});
    ASSERT_TRUE(runUntilIdle(runner, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "waited for the child's end of the pipe";
    EXPECT_EQ(readText(out()), "20-next.ck session_added\n");
    const pid_t child = std::stoi(readText(pidFile));
    // Killed; reaped by init (or by us in a subreaper-less container, once it is a zombie of ours).
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (::kill(child, 0) == 0
        && readText("/proc/" + std::to_string(child) + "/stat").find(") Z") == std::string::npos
        && std::chrono::steady_clock::now() < deadline)
        g_usleep(10000);
    const bool gone = ::kill(child, 0) != 0
        || readText("/proc/" + std::to_string(child) + "/stat").find(") Z") != std::string::npos;
    EXPECT_TRUE(gone) << "the forked-off child " << child << " still runs";
}

TEST_F(AHookRunner, KillsAHookThatFloodsItsOutput)
{
    script(
        etcDir() + "/10-flood.ck", "while :; do echo 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; done");
    recorder(etcDir(), "20-next.ck");
    config_.timeoutMs = 20000;
    config_.maxOutputBytes = 256 * 1024;
    HookRunner runner(config_, context_);
    const auto start = std::chrono::steady_clock::now();
    runner.run(HookKind::Session, "session_added", {});
    ASSERT_TRUE(runUntilIdle(runner, 15s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "ran until the timeout instead";
    EXPECT_EQ(readText(out()), "20-next.ck session_added\n");
}

TEST(SessionHookEnv, CutsEveryValueShort)
{
    SessionRecord s;
    s.id = "Session1";
    s.x11Display = std::string(100000, 'x');
    s.remoteHostName = std::string(100000, 'h');
    std::size_t total = 0;
    for (const auto& item : sessionHookEnv(s)) {
        EXPECT_LE(item.size(), kMaxHookValue + 40) << item.substr(0, 60);
        total += item.size();
    }
    EXPECT_LT(total, 4096u);
}

TEST(SessionHookEnv, LeavesOutEmptyOptionalValues)
{
    SessionRecord s;
    s.id = "Session1";
    s.seatId = "Seat1";
    s.uid = 0;
    const std::vector<std::string> want = {"CK_SESSION_ID=Session1", "CK_SESSION_SEAT_ID=Seat1",
        "CK_SESSION_USER_UID=0", "CK_SESSION_X11_DISPLAY=", "CK_SESSION_IS_ACTIVE=false", "CK_SESSION_IS_LOCAL=false"};
    EXPECT_EQ(sessionHookEnv(s), want);
}

TEST(SessionHookEnv, HoldsEveryValueWhenAllAreSet)
{
    // ConsoleKit2 overflowed a fixed 11-slot array exactly in this case (spec §12 item 19).
    SessionRecord s;
    s.id = "Session1";
    s.seatId = "Seat1";
    s.service = "sddm";
    s.type = "x11";
    s.displayDevice = "/dev/tty1";
    s.x11DisplayDevice = "/dev/tty7";
    s.x11Display = ":0";
    s.remoteHostName = "h";
    EXPECT_EQ(sessionHookEnv(s).size(), 11u);
}

TEST(SeatHookEnv, DescribesTheOldAndTheNewActiveSession)
{
    SessionRecord oldS;
    oldS.id = "/org/freedesktop/ConsoleKit/Session1";
    oldS.uid = 1000;
    oldS.type = "x11";
    oldS.x11Display = ":0";
    oldS.x11DisplayDevice = "/dev/tty7";
    oldS.isLocal = true;
    SessionRecord newS;
    newS.id = "/org/freedesktop/ConsoleKit/Session2";
    newS.uid = 1001;
    newS.displayDevice = "/dev/tty2";
    newS.remoteHostName = "remote";
    const std::vector<std::string> want = {
        "CK_SEAT_ID=/org/freedesktop/ConsoleKit/Seat1",
        "CK_SEAT_OLD_SESSION_ID=/org/freedesktop/ConsoleKit/Session1",
        "CK_SEAT_OLD_SESSION_TYPE=x11",
        "CK_SEAT_OLD_SESSION_USER_UID=1000",
        "CK_SEAT_OLD_SESSION_X11_DISPLAY_DEVICE=/dev/tty7",
        "CK_SEAT_OLD_SESSION_X11_DISPLAY=:0",
        "CK_SEAT_OLD_SESSION_IS_LOCAL=true",
        "CK_SEAT_SESSION_ID=/org/freedesktop/ConsoleKit/Session2",
        "CK_SEAT_SESSION_USER_UID=1001",
        "CK_SEAT_SESSION_DISPLAY_DEVICE=/dev/tty2",
        "CK_SEAT_SESSION_REMOTE_HOST_NAME=remote",
        "CK_SEAT_SESSION_IS_LOCAL=false",
    };
    EXPECT_EQ(seatHookEnv("/org/freedesktop/ConsoleKit/Seat1", &oldS, &newS), want);
    EXPECT_EQ(seatHookEnv("Seat1", nullptr, nullptr), std::vector<std::string>{"CK_SEAT_ID=Seat1"});
}

TEST(TheDefaultHookConfig, SearchesConfdirBeforeLibdir)
{
    const auto c = defaultHookRunnerConfig();
    ASSERT_EQ(c.sessionDirs.size(), 2u);
    EXPECT_TRUE(c.sessionDirs[0].ends_with("/run-session.d"));
    EXPECT_NE(c.sessionDirs[0].find("ConsoleKit"), std::string::npos);
    EXPECT_TRUE(c.seatDirs[1].ends_with("ConsoleKit/run-seat.d"));
    EXPECT_EQ(c.timeoutMs, 15000u);
}

} // namespace
} // namespace ck::state
