// Activation (spec §4.5): which VT activating a session switches to, its refusals, and who may ask.
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::ConsoleTest;
using test::leaderOf;
using test::remoteSession;
using test::textSession;
using test::x11Session;

class AConsoleWithTwoUsers : public ConsoleTest, public ::testing::Test {
protected:
    Session& alice = open(textSession(1000, "/dev/tty2"));
    Session& bob = open(x11Session(1001, ":0", "/dev/tty7"));
};

TEST_F(AConsoleWithTwoUsers, TargetsTheVtOfAnInactiveSession)
{
    manager.setActiveVt(2);
    auto target = manager.activationTarget(bob);
    ASSERT_TRUE(target.ok()) << target.error().message;
    EXPECT_EQ(target.value(), 7u);
}

TEST_F(AConsoleWithTwoUsers, TargetsTheVtOfAnyConsoleSessionWhileNoneIsActive)
{
    auto target = manager.activationTarget(alice);
    ASSERT_TRUE(target.ok()) << target.error().message;
    EXPECT_EQ(target.value(), 2u);
}

TEST_F(AConsoleWithTwoUsers, RefusesToActivateTheActiveSession)
{
    manager.setActiveVt(7);
    auto target = manager.activationTarget(bob);
    ASSERT_FALSE(target.ok());
    EXPECT_EQ(target.error().code, ErrorCode::AlreadyActive);
    EXPECT_EQ(target.error().message, "Session is already active");
}

TEST_F(AConsoleWithTwoUsers, RefusesToActivateASessionOfADynamicSeat)
{
    Session& remote = open(remoteSession(1000, "far.example.org"));
    auto target = manager.activationTarget(remote);
    ASSERT_FALSE(target.ok());
    EXPECT_EQ(target.error().code, ErrorCode::NotSupported);
    EXPECT_EQ(target.error().message, "Activation is not supported for this kind of seat");
}

TEST_F(AConsoleWithTwoUsers, RefusesToActivateAConsoleSessionWithoutAVt)
{
    // Only a restored session can sit on the console seat without a VT.
    Manager::Restored r;
    r.serial = 10;
    r.cookie = "restored-cookie";
    r.params.unixUser = 1000;
    r.params.isLocal = true;
    r.leader = leaderOf(1000);
    r.seatPath = "/org/freedesktop/ConsoleKit/Seat1";
    auto restored = manager.restoreSession(std::move(r));
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    ASSERT_EQ((*restored)->seat(), manager.consoleSeat());

    auto target = manager.activationTarget(**restored);
    ASSERT_FALSE(target.ok());
    EXPECT_EQ(target.error().code, ErrorCode::NotSupported);
    EXPECT_EQ(target.error().message, "Unable to activate session: it has no virtual terminal");
}

TEST_F(AConsoleWithTwoUsers, TargetsTheExplicitVtnrOfASessionWithoutADevice)
{
    SessionParams p;
    p.unixUser = 1000;
    p.isLocal = true;
    p.vtnr = 5;
    Session& s = open(p);
    auto target = manager.activationTarget(s);
    ASSERT_TRUE(target.ok()) << target.error().message;
    EXPECT_EQ(target.value(), 5u);
}

TEST_F(AConsoleWithTwoUsers, LetsRootActivateOnAnySeat)
{
    EXPECT_TRUE(manager.mayActivateOn(0, *manager.consoleSeat()));
    Session& remote = open(remoteSession(1000, "far.example.org"));
    EXPECT_TRUE(manager.mayActivateOn(0, *remote.seat()));
}

TEST_F(AConsoleWithTwoUsers, LetsAUserWithASessionOnTheSeatActivate)
{
    EXPECT_TRUE(manager.mayActivateOn(1000, *manager.consoleSeat()));
    EXPECT_TRUE(manager.mayActivateOn(1001, *manager.consoleSeat()));
}

TEST_F(AConsoleWithTwoUsers, RefusesAUserWithoutASessionOnTheSeat)
{
    EXPECT_FALSE(manager.mayActivateOn(1002, *manager.consoleSeat()));
}

TEST_F(AConsoleWithTwoUsers, RefusesAUserWhoseOnlySessionIsOnAnotherSeat)
{
    Session& remote = open(remoteSession(1002, "far.example.org"));
    EXPECT_FALSE(manager.mayActivateOn(1002, *manager.consoleSeat()));
    EXPECT_TRUE(manager.mayActivateOn(1002, *remote.seat()));
}

TEST_F(AConsoleWithTwoUsers, ForgetsAUserOnceTheirLastSessionOnTheSeatCloses)
{
    manager.removeSession(alice);
    EXPECT_FALSE(manager.mayActivateOn(1000, *manager.consoleSeat()));
    EXPECT_TRUE(manager.mayActivateOn(1001, *manager.consoleSeat()));
}

TEST_F(AConsoleWithTwoUsers, KnowsWhichUsersHaveSessionsOnTheSeat)
{
    EXPECT_TRUE(manager.consoleSeat()->hasSessionOf(1000));
    EXPECT_TRUE(manager.consoleSeat()->hasSessionOf(1001));
    EXPECT_FALSE(manager.consoleSeat()->hasSessionOf(0));
}

} // namespace
} // namespace ck::core
