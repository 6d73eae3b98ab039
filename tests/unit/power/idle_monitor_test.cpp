// The TTY idle monitor on pseudo-terminals of our own, with a short threshold.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "power/idle_monitor.h"
#include "power_test_support.h"

namespace ck::power {
namespace {

using namespace std::chrono_literals;

TEST(ATextSession, IsOneOnATtyOrPtyWithoutAnXDisplay)
{
    auto params = [](std::string display, std::string device, std::string xdevice = "") {
        core::SessionParams p;
        p.x11Display = std::move(display);
        p.displayDevice = std::move(device);
        p.x11DisplayDevice = std::move(xdevice);
        return p;
    };
    EXPECT_TRUE(isTextSession(params("", "/dev/tty2")));
    EXPECT_TRUE(isTextSession(params("", "/dev/pts/3")));
    EXPECT_TRUE(isTextSession(params("", "/dev/ttyS0")));
    EXPECT_TRUE(isTextSession(params("", "/dev/console")));
    EXPECT_FALSE(isTextSession(params(":0", "/dev/tty7")));
    EXPECT_FALSE(isTextSession(params("", "/dev/pts/3", "/dev/tty7")));
    EXPECT_FALSE(isTextSession(params("", "")));
    EXPECT_FALSE(isTextSession(params("", "/dev/tty"))); // the controlling-terminal alias
    EXPECT_FALSE(isTextSession(params("", "/dev/pts/")));
    EXPECT_FALSE(isTextSession(params("", "/home/user/tty1")));
}

class AnIdleMonitor : public ::testing::Test {
protected:
    void SetUp() override
    {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
            GTEST_SKIP() << "no pseudo-terminals here";
        pts_ = ::ptsname(master_);
    }
    void TearDown() override
    {
        if (master_ >= 0)
            ::close(master_);
    }
    core::Session& openOnPty()
    {
        core::SessionParams p;
        p.displayDevice = pts_;
        return test::openSession(manager_, 1000, p);
    }
    core::Manager manager_;
    TtyIdleMonitors monitors_{manager_, 300ms};
    int master_ = -1;
    std::string pts_;
};

TEST_F(AnIdleMonitor, MarksAQuietTextSessionIdleAfterTheThreshold)
{
    core::Session& s = openOnPty();
    EXPECT_EQ(monitors_.running(), 1u);
    EXPECT_FALSE(s.idleHint());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(test::runUntil([&] { return s.idleHint(); }, 3s));
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
    EXPECT_TRUE(manager_.systemIdleHint());
}

TEST_F(AnIdleMonitor, ClearsTheHintAtTheFirstWriteAndSetsItAgainLater)
{
    core::Session& s = openOnPty();
    ASSERT_TRUE(test::runUntil([&] { return s.idleHint(); }, 3s));
    int slave = ::open(pts_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave, 0);
    const auto typed = std::chrono::steady_clock::now();
    ASSERT_EQ(::write(slave, "ls\n", 3), 3);
    ASSERT_TRUE(test::runUntil([&] { return !s.idleHint(); }, 1s));
    EXPECT_LT(std::chrono::steady_clock::now() - typed, 200ms);
    EXPECT_FALSE(manager_.systemIdleHint());
    ::close(slave);
    EXPECT_TRUE(test::runUntil([&] { return s.idleHint(); }, 3s));
}

TEST_F(AnIdleMonitor, StopsWhenItsDeviceGoesAway)
{
    core::Session& s = openOnPty();
    ::close(std::exchange(master_, -1)); // the pty and its /dev/pts node are gone
    ASSERT_TRUE(test::runUntil([&] { return monitors_.running() == 0; }, 3s));
    EXPECT_FALSE(s.idleHint());
}

TEST_F(AnIdleMonitor, StopsWhenTheSessionEnds)
{
    core::Session& s = openOnPty();
    manager_.removeSession(s);
    EXPECT_EQ(monitors_.running(), 0u);
    // No timer of the gone session may fire: none is left that could.
    EXPECT_EQ(monitors_.pendingChecks(), 0u);
    EXPECT_FALSE(monitors_.timerArmed());
}

TEST_F(AnIdleMonitor, LeavesGraphicalSessionsToSetIdleHint)
{
    core::SessionParams p;
    p.x11Display = ":0";
    p.displayDevice = pts_;
    core::Session& s = test::openSession(manager_, 1000, p);
    EXPECT_EQ(monitors_.running(), 0u);
    // Nothing is scheduled that could set the hint later: no check waits and no timer is armed.
    EXPECT_EQ(monitors_.pendingChecks(), 0u);
    EXPECT_FALSE(monitors_.timerArmed());
    test::runPending();
    EXPECT_FALSE(s.idleHint());
}

TEST_F(AnIdleMonitor, WatchesTwoSessionsOnOneDeviceIndependently)
{
    core::Session& a = openOnPty();
    core::Session& b = openOnPty();
    ASSERT_TRUE(test::runUntil([&] { return a.idleHint() && b.idleHint(); }, 3s));
    manager_.removeSession(a); // b's watch on the shared inode must survive
    int slave = ::open(pts_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave, 0);
    ASSERT_EQ(::write(slave, "x", 1), 1);
    EXPECT_TRUE(test::runUntil([&] { return !b.idleHint(); }, 1s));
    ::close(slave);
}

TEST_F(AnIdleMonitor, KeepsEachSessionsOwnDeadlineOnItsSharedTimer)
{
    // A quiet device's idle time counts from its last I/O, here its creation: the second pty
    // comes 200 ms after the first, so its session falls idle 200 ms later on the one timer.
    core::Session& a = openOnPty();
    test::runFor(200ms);
    const int master2 = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(master2, 0);
    ASSERT_EQ(::grantpt(master2), 0);
    ASSERT_EQ(::unlockpt(master2), 0);
    core::SessionParams p;
    p.displayDevice = ::ptsname(master2);
    core::Session& b = test::openSession(manager_, 1001, p);
    ASSERT_TRUE(test::runUntil([&] { return a.idleHint(); }, 3s));
    EXPECT_FALSE(b.idleHint()) << "b's device is 200 ms younger";
    EXPECT_TRUE(test::runUntil([&] { return b.idleHint(); }, 3s));
    manager_.removeSession(a);
    manager_.removeSession(b);
    EXPECT_EQ(monitors_.running(), 0u);
    EXPECT_EQ(monitors_.pendingChecks(), 0u); // nothing of theirs may fire: nothing is left to
    EXPECT_FALSE(monitors_.timerArmed());
    ::close(master2);
}

} // namespace
} // namespace ck::power
