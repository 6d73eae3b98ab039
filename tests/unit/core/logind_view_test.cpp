// The model as logind describes it: seatless sessions, states, types, users and their display session.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/logind_view.h"
#include "core_test_support.h"

namespace ck::core {
namespace {

using test::ConsoleTest;
using test::remoteSession;
using test::textSession;
using test::x11Session;
using ::testing::ElementsAre;

class TwoUsersAsLogindSeesThem : public ConsoleTest, public ::testing::Test {
protected:
    TwoUsersAsLogindSeesThem() { manager.setActiveVt(7); }
    Session& x = open(x11Session(1000, ":0", "/dev/tty7"));
    Session& text = open(textSession(1000, "/dev/tty2"));
    Session& ssh = open(remoteSession(1001, "far.example"));
};

TEST_F(TwoUsersAsLogindSeesThem, NamesOnlyTheStaticSeatAndLeavesRemoteSessionsSeatless)
{
    EXPECT_EQ(logind::seatOf(x), &console());
    EXPECT_EQ(logind::seatOf(ssh), nullptr);
    ASSERT_NE(ssh.seat(), nullptr);
    EXPECT_FALSE(logind::isSeat(*ssh.seat()));
}

TEST_F(TwoUsersAsLogindSeesThem, CountsSeatlessSessionsAsActiveAndOthersByTheirSeat)
{
    EXPECT_TRUE(logind::isActive(x));
    EXPECT_FALSE(logind::isActive(text));
    EXPECT_TRUE(logind::isActive(ssh));
    EXPECT_STREQ(logind::sessionState(x), "active");
    EXPECT_STREQ(logind::sessionState(text), "online");
}

TEST_F(TwoUsersAsLogindSeesThem, DerivesLogindTypesFromConsoleKitParameters)
{
    EXPECT_EQ(logind::sessionType(x), "x11");
    EXPECT_EQ(logind::sessionType(text), "tty");
    EXPECT_EQ(logind::sessionClass(x), "user");
}

TEST_F(TwoUsersAsLogindSeesThem, ListsEachUserOnceByUid)
{
    EXPECT_THAT(logind::users(manager), ElementsAre(1000u, 1001u));
}

TEST_F(TwoUsersAsLogindSeesThem, ElectsTheGraphicalSessionAsTheUsersDisplay)
{
    const logind::User u = logind::user(manager, 1000);
    EXPECT_EQ(u.display, &x);
    EXPECT_EQ(u.state, "active");
    EXPECT_EQ(u.sessions.size(), 2u);
}

TEST_F(TwoUsersAsLogindSeesThem, ShowsAUserWithoutActiveSessionsAsOnlineAndAnUnknownOneAsOffline)
{
    manager.setActiveVt(2);
    EXPECT_EQ(logind::user(manager, 1000).state, "active"); // text on tty2 is active now
    manager.setActiveVt(5);
    EXPECT_EQ(logind::user(manager, 1000).state, "online");
    EXPECT_EQ(logind::user(manager, 4242).state, "offline");
}

TEST_F(TwoUsersAsLogindSeesThem, FallsBackToTheUidWhenTheUserHasNoName)
{
    EXPECT_EQ(logind::userName(0), "root");
    EXPECT_EQ(logind::userName(4242424), "4242424");
}

} // namespace
} // namespace ck::core
