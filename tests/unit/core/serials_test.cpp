// Serial numbers of sessions and seats (spec §1.1): start at 1, never reused while alive, wrap at
// INT32_MAX to 1 skipping ids in use; closed ids are not handed out again.
#include <gtest/gtest.h>

#include <climits>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::CoreTest;
using test::remoteSession;
using test::textSession;

class AManagerForSerials : public CoreTest, public ::testing::Test {
protected:
    AManagerForSerials() { manager.addStaticSeat({}); }
};

constexpr unsigned kMax = INT32_MAX;

TEST_F(AManagerForSerials, NumbersSessionsFromOne)
{
    EXPECT_EQ(open(textSession(1000, "/dev/tty2")).id(), "Session1");
    EXPECT_EQ(open(textSession(1000, "/dev/tty3")).id(), "Session2");
    EXPECT_EQ(manager.nextSessionSerial(), 3u);
}

TEST_F(AManagerForSerials, DoesNotReuseTheIdOfAClosedSession)
{
    open(textSession(1000, "/dev/tty2"));
    Session& second = open(textSession(1000, "/dev/tty3"));
    manager.removeSession(second);
    EXPECT_EQ(open(textSession(1000, "/dev/tty4")).id(), "Session3");
    manager.removeSession(*manager.findSession("Session1"));
    EXPECT_EQ(open(textSession(1000, "/dev/tty5")).id(), "Session4");
}

TEST_F(AManagerForSerials, WrapsSessionSerialsAtInt32MaxToOneSkippingIdsInUse)
{
    open(textSession(1000, "/dev/tty2")); // Session1 stays open
    manager.setNextSerials(kMax - 1, 0);
    EXPECT_EQ(open(textSession(1000, "/dev/tty3")).serial(), kMax - 1);
    Session& top = open(textSession(1000, "/dev/tty4"));
    EXPECT_EQ(top.serial(), kMax);
    EXPECT_EQ(top.path(), "/org/freedesktop/ConsoleKit/Session2147483647");
    EXPECT_EQ(manager.findSession("Session2147483647"), &top);
    EXPECT_EQ(open(textSession(1000, "/dev/tty5")).id(), "Session2"); // 1 is in use
    EXPECT_EQ(open(textSession(1000, "/dev/tty6")).id(), "Session3");
}

TEST_F(AManagerForSerials, WrapsToSessionOneWhenItIsFree)
{
    manager.setNextSerials(kMax, 0);
    EXPECT_EQ(open(textSession(1000, "/dev/tty2")).serial(), kMax);
    EXPECT_EQ(open(textSession(1000, "/dev/tty3")).serial(), 1u);
}

TEST_F(AManagerForSerials, SkipsEveryIdInUseAfterWrapping)
{
    for (int i = 0; i < 5; ++i)
        open(textSession(1000, "/dev/tty2")); // Session1..Session5
    manager.removeSession(*manager.findSession("Session3"));
    manager.setNextSerials(kMax, 0);
    EXPECT_EQ(open(textSession(1000, "/dev/tty2")).serial(), kMax);
    EXPECT_EQ(open(textSession(1000, "/dev/tty2")).id(), "Session3");
    EXPECT_EQ(open(textSession(1000, "/dev/tty2")).id(), "Session6");
}

TEST_F(AManagerForSerials, IgnoresAnOutOfRangeNextSessionSerial)
{
    open(textSession(1000, "/dev/tty2"));
    manager.setNextSerials(0, 0);
    EXPECT_EQ(manager.nextSessionSerial(), 2u);
    manager.setNextSerials(kMax + 1u, 0);
    EXPECT_EQ(manager.nextSessionSerial(), 2u);
}

TEST_F(AManagerForSerials, WrapsSeatSerialsAtInt32MaxToOneSkippingSeatsInUse)
{
    manager.setNextSerials(0, kMax);
    Session& top = open(remoteSession(1000, "a.example.org"));
    EXPECT_EQ(top.seat()->serial(), kMax);
    EXPECT_EQ(top.seat()->path(), "/org/freedesktop/ConsoleKit/Seat2147483647");
    EXPECT_EQ(manager.findSeat("Seat2147483647"), top.seat());
    EXPECT_EQ(open(remoteSession(1000, "b.example.org")).seat()->id(), "Seat2"); // Seat1 is the console
}

TEST_F(AManagerForSerials, NeverMovesTheNextSeatSerialBackwards)
{
    open(remoteSession(1000, "a.example.org"));
    open(remoteSession(1000, "b.example.org")); // Seat2, Seat3
    manager.setNextSerials(0, 2);
    EXPECT_EQ(manager.nextSeatSerial(), 4u);
    EXPECT_EQ(open(remoteSession(1000, "c.example.org")).seat()->id(), "Seat4");
}

} // namespace
} // namespace ck::core
