// The Recorder's incremental files against the model: whatever happened, the database is the one
// formatDatabase() prints for the model and the restart state (snapshot + appended changes)
// loads back as the model's snapshot.
#include <fcntl.h>
#include <glib.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "../core/core_test_support.h"
#include "../state/full_disk.h"
#include "../state/temp_dir.h"
#include "daemon/recorder.h"
#include "daemon/snapshot.h"
#include "state/database.h"
#include "state/persist.h"
#include "util/log.h"

namespace ck::daemon {
namespace {

// What the process writes to stderr meanwhile, through a pipe (a capture file would itself hit
// the FullDisk limit). Up to the pipe's 64 KiB.
class StderrCapture {
public:
    StderrCapture()
    {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            std::abort();
        read_ = fds[0];
        std::fflush(stderr);
        saved_ = ::dup(2);
        ::dup2(fds[1], 2);
        ::close(fds[1]);
    }
    ~StderrCapture() { take(); }
    std::string take()
    {
        if (saved_ >= 0) {
            std::fflush(stderr);
            ::dup2(saved_, 2);
            ::close(saved_);
            saved_ = -1;
            char buf[4096];
            for (ssize_t n; (n = ::read(read_, buf, sizeof buf)) > 0;)
                text_.append(buf, static_cast<std::size_t>(n));
            ::close(read_);
        }
        return text_;
    }

private:
    int read_ = -1;
    int saved_ = -1;
    std::string text_;
};

using core::test::leaderOf;
using core::test::remoteSession;
using core::test::textSession;
using core::test::x11Session;
using state::test::readText;

class TheRecordedFiles : public ::testing::Test, public core::test::ConsoleTest {
protected:
    TheRecordedFiles()
        : recorder_(manager, {dir_.file("run/database"), dir_.file("run/state"), dir_.file("history")}, {},
            [this] { return nowUs_; })
    { }

    // The restart state as loaded, formatted again: equal strings mean equal records in equal order.
    std::string loadedState()
    {
        auto loaded = state::loadState(dir_.file("run/state"));
        if (!loaded)
            return "cannot load: " + loaded.error().message;
        EXPECT_EQ(loaded->uncommittedBytes, 0u);
        return state::formatState(loaded->snapshot, loaded->nextSessionSerial, loaded->nextSeatSerial);
    }
    std::string modelState()
    {
        return state::formatState(snapshotOf(manager), manager.nextSessionSerial(), manager.nextSeatSerial());
    }
    std::string database() { return readText(dir_.file("run/database")); }
    std::string modelDatabase() { return state::formatDatabase(snapshotOf(manager)); }

    void expectFilesMatchTheModel(const std::string& when)
    {
        recorder_.flush();
        EXPECT_EQ(database(), modelDatabase()) << when;
        EXPECT_EQ(loadedState(), modelState()) << when;
    }

    // Runs the default main context (the Recorder's timers) until pred() holds or 10 s pass.
    template <typename Pred> bool runUntil(Pred pred)
    {
        const gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
        while (!pred() && g_get_monotonic_time() < deadline) {
            // Never blocks for long: without a pending source the loop would wait forever.
            if (!g_main_context_iteration(g_main_context_default(), FALSE))
                g_usleep(10 * 1000);
        }
        return pred();
    }
    static std::size_t count(const std::string& text, const std::string& what)
    {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
            ++n;
        return n;
    }

    state::test::TempDir dir_;
    gint64 nowUs_ = 1'000'000; // the Recorder's monotonic clock: only the test moves it
    Recorder recorder_;
};

TEST_F(TheRecordedFiles, KeepTheLastGoodCopiesWhileTheDiskIsFullAndCatchUpByThemselvesAfterwards)
{
    log::setUseStderr(true);
    core::Session& before = open(textSession(1000, "/dev/tty2"));
    recorder_.flush();
    const std::string goodDatabase = database();
    const std::string goodState = loadedState();
    ASSERT_NE(goodDatabase.find(before.path()), std::string::npos);

    std::string during;
    {
        StderrCapture capture;
        state::test::FullDisk full;
        for (int i = 0; i < 50; ++i) {
            open(textSession(1001, "/dev/tty3"));
            recorder_.commit(); // one write per session, as one OpenSession per main-loop batch
            g_usleep(1000);
        }
        recorder_.flush();
        during = capture.take();
        EXPECT_EQ(database(), goodDatabase) << "the readers' database was removed or damaged";
        EXPECT_EQ(loadedState(), goodState) << "the last good restart state was damaged";
    }
    EXPECT_EQ(count(during, "cannot write the restart state"), 1u) << during;
    EXPECT_EQ(count(during, "cannot write the session database"), 1u) << during;

    // Space is back; no further change comes: the retry timer alone brings both files up to date.
    StderrCapture capture;
    EXPECT_TRUE(runUntil([&] { return database() == modelDatabase() && loadedState() == modelState(); }))
        << "the files stayed stale once space returned";
    const std::string after = capture.take();
    EXPECT_EQ(count(after, "written again"), 2u) << after;
    EXPECT_EQ(manager.sessionCount(), 51u);
}

TEST_F(TheRecordedFiles, CompactTheRestartStateOnceTheSessionsOfAHugeSnapshotHaveClosed)
{
    std::vector<core::Session*> big;
    for (int i = 0; i < 8; ++i) {
        auto params = x11Session(2000, ":" + std::to_string(i), "");
        params.remoteHostName = std::string(256 * 1024, 'h'); // as a flood of long strings could make
        params.isLocal = false;
        big.push_back(&open(params));
    }
    open(textSession(1000, "/dev/tty2"));
    recorder_.flush();
    for (core::Session* s : big)
        manager.removeSession(*s);
    recorder_.flush();
    open(textSession(1001, "/dev/tty3"));
    recorder_.flush();
    EXPECT_LT(readText(dir_.file("run/state")).size(), 64u * 1024) << "the closed sessions' bytes stayed in the file";
    EXPECT_EQ(loadedState(), modelState());
}

TEST_F(TheRecordedFiles, MatchTheModelAfterEveryKindOfChange)
{
    expectFilesMatchTheModel("at start");
    core::Session& a = open(textSession(1000, "/dev/tty2"));
    core::Session& b = open(x11Session(1001, ":0", "/dev/tty7"));
    core::Session& remote = open(remoteSession(1002, "far.example"));
    expectFilesMatchTheModel("three sessions, one on a dynamic seat");
    manager.setActiveVt(7);
    expectFilesMatchTheModel("tty7 active");
    manager.setActiveVt(2);
    manager.setIdleHint(b, true);
    manager.setLockedHint(a, true);
    manager.setRuntimeDir(a, "/run/user/1000");
    expectFilesMatchTheModel("tty2 active, hints, runtime dir");
    manager.removeSession(a);
    manager.removeSession(remote);
    expectFilesMatchTheModel("the active session and the dynamic seat gone");
    core::Session& c = open(textSession(1000, "/dev/tty2"));
    manager.removeSession(c); // added and removed between two writes
    expectFilesMatchTheModel("a session that came and went unwritten");
}

TEST_F(TheRecordedFiles, MatchTheModelThroughRandomChangesAndRewrites)
{
    // Enough changes to pass the rewrite threshold of the restart state several times.
    std::mt19937 random(4242);
    std::vector<core::Session*> open_;
    for (int round = 0; round < 60; ++round) {
        for (int step = 0; step < 20; ++step) {
            const unsigned pick = random() % 6;
            if (pick <= 1 || open_.empty()) {
                const std::string tty = "/dev/tty" + std::to_string(1 + random() % 12);
                open_.push_back(&open(pick == 0 ? textSession(1000 + random() % 5, tty)
                                                : remoteSession(1000 + random() % 5, "h" + std::to_string(step))));
            } else if (pick == 2) {
                const std::size_t i = random() % open_.size();
                manager.removeSession(*open_[i]);
                open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(i));
            } else if (pick == 3) {
                manager.setActiveVt(1 + random() % 12);
            } else if (pick == 4) {
                manager.setIdleHint(*open_[random() % open_.size()], random() % 2 == 0);
            } else {
                manager.setLockedHint(*open_[random() % open_.size()], random() % 2 == 0);
            }
        }
        expectFilesMatchTheModel("round " + std::to_string(round));
        if (HasFailure())
            return;
    }
}

TEST_F(TheRecordedFiles, AppendChangesToTheRestartStateInsteadOfRewritingIt)
{
    for (int i = 0; i < 50; ++i)
        open(textSession(1000, "/dev/tty3"));
    recorder_.flush();
    const std::string before = readText(dir_.file("run/state"));
    core::Session& s = open(textSession(1001, "/dev/tty4"));
    recorder_.flush();
    const std::string after = readText(dir_.file("run/state"));
    ASSERT_EQ(after.compare(0, before.size(), before), 0) << "the file was rewritten";
    const std::string appended = after.substr(before.size());
    EXPECT_NE(appended.find("id=" + s.path() + "\n"), std::string::npos) << appended;
    EXPECT_LT(appended.size(), 2048u) << "one session's change, not the 51 sessions:\n" << appended;
}

TEST_F(TheRecordedFiles, WriteTheDatabaseAtOnceAfterAQuietSpellAndAtMostEvery50msInABurst)
{
    recorder_.commit(); // the first write: at once
    nowUs_ += 10 * 1000;
    core::Session& a = open(textSession(1000, "/dev/tty2"));
    recorder_.commit();
    EXPECT_EQ(database().find(a.path()), std::string::npos) << "written 10 ms after the previous write";
    EXPECT_EQ(loadedState(), modelState()) << "the restart state is never deferred";
    // The deferred write comes from a main-loop timer when the interval is over.
    const gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (database() != modelDatabase() && g_get_monotonic_time() < deadline)
        g_main_context_iteration(nullptr, TRUE);
    EXPECT_EQ(database(), modelDatabase());
    // 49 ms after that write a change waits; a quiet spell of 50 ms later one is in the database as
    // soon as its commit is done.
    nowUs_ += 49 * 1000;
    core::Session& b = open(textSession(1001, "/dev/tty3"));
    recorder_.commit();
    EXPECT_EQ(database().find(b.path()), std::string::npos) << "written 49 ms after the previous write";
    recorder_.flush();
    nowUs_ += 50 * 1000;
    core::Session& c = open(textSession(1002, "/dev/tty4"));
    recorder_.commit();
    EXPECT_NE(database().find(c.path()), std::string::npos);
}

} // namespace
} // namespace ck::daemon
