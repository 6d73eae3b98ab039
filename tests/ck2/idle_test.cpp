// The TTY idle monitor on a real bus: a text session on a pty of ours goes idle after the
// threshold and wakes up at the first write.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "ck2/ck2_fixture.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

class AnIdleMonitor : public Ck2Test {
protected:
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.extraArgs = {"--idle-threshold-seconds=1"};
        return s;
    }
    void SetUp() override
    {
        master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
            GTEST_SKIP() << "no pseudo-terminals here";
        pts_ = ::ptsname(master_);
        created_ = std::chrono::steady_clock::now(); // the pty's atime/mtime: its last "activity"
        Ck2Test::SetUp();
    }
    void TearDown() override
    {
        Ck2Test::TearDown();
        if (master_ >= 0)
            ::close(master_);
    }
    std::string openTextSession(Client& leader)
    {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(65534));
        g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("tty"));
        g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(""));
        g_variant_builder_add(&b, "(sv)", "x11-display-device", g_variant_new_string(""));
        g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(pts_.c_str()));
        return openSession(leader, g_variant_new("(a(sv))", &b));
    }
    int master_ = -1;
    std::string pts_;
    std::chrono::steady_clock::time_point created_;
};

TEST_F(AnIdleMonitor, MarksATextSessionIdleAfterTheThresholdAndWakesItAtTheFirstWrite)
{
    client_->watchSignals();
    Client leader(bus_->address());
    const std::string session = openTextSession(leader);
    ASSERT_FALSE(session.empty());
    EXPECT_EQ(client_->call(session, kSessionIface, "GetIdleHint").print(), "(false,)");

    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "IdleHintChanged", "(true,)") == 1; }, 5s))
        << daemon_->stderrText();
    const auto idleAfter = std::chrono::steady_clock::now() - created_;
    EXPECT_GE(idleAfter, 950ms);
    std::fprintf(stderr, "idle %.0f ms after the pty's last use (threshold 1 s)\n",
        std::chrono::duration<double, std::milli>(idleAfter).count());
    EXPECT_EQ(client_->call(session, kSessionIface, "GetIdleHint").print(), "(true,)");
    EXPECT_TRUE(client_->waitFor([&] { return client_->manager("GetSystemIdleHint").print() == "(true,)"; }));

    int slave = ::open(pts_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    ASSERT_GE(slave, 0);
    const auto typed = std::chrono::steady_clock::now();
    ASSERT_EQ(::write(slave, "x", 1), 1);
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "IdleHintChanged", "(false,)") == 1; }, 2s))
        << daemon_->stderrText();
    const auto wokeAfter = std::chrono::steady_clock::now() - typed;
    EXPECT_LT(wokeAfter, 500ms);
    std::fprintf(
        stderr, "awake %.1f ms after the write\n", std::chrono::duration<double, std::milli>(wokeAfter).count());
    EXPECT_EQ(client_->manager("GetSystemIdleHint").print(), "(false,)");
    ::close(slave);

    // And idle again after another quiet second.
    EXPECT_TRUE(client_->waitFor([&] { return countSignals(*client_, "IdleHintChanged", "(true,)") == 2; }, 5s));
}

TEST_F(AnIdleMonitor, LeavesGraphicalSessionsAlone)
{
    client_->watchSignals();
    Client leader(bus_->address());
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(65534));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(":5"));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(pts_.c_str()));
    const std::string session = openSession(leader, g_variant_new("(a(sv))", &b));
    client_->waitFor([] { return false; }, 2500ms);
    EXPECT_EQ(countSignals(*client_, "IdleHintChanged"), 0u);
    EXPECT_EQ(client_->call(session, kSessionIface, "GetIdleHint").print(), "(false,)");
}

} // namespace
} // namespace ck::test
