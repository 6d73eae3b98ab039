// Idle hints (spec §6): per-session hints and the system idle hint that summarises them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::CoreTest;
using test::remoteSession;
using test::SignalLog;
using test::textSession;
using ::testing::ElementsAre;

class TheSystemIdleHint : public CoreTest, public ::testing::Test {
protected:
    TheSystemIdleHint() { manager.addStaticSeat({}); }
};

TEST_F(TheSystemIdleHint, IsTrueSinceTheEpochWithNoSessions)
{
    EXPECT_TRUE(manager.systemIdleHint());
    EXPECT_EQ(manager.systemIdleSince(), 0);
}

TEST_F(TheSystemIdleHint, TurnsFalseWhenABusySessionOpens)
{
    SignalLog log(manager);
    open(textSession(1000, "/dev/tty2"));
    EXPECT_FALSE(manager.systemIdleHint());
    EXPECT_EQ(log.count("SystemIdleHintChanged false"), 1u);
}

TEST_F(TheSystemIdleHint, StaysFalseWhileAnySessionIsNotIdle)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    open(remoteSession(1001, "far.example.org"));
    manager.setIdleHint(a, true);
    EXPECT_FALSE(manager.systemIdleHint());
}

TEST_F(TheSystemIdleHint, TurnsTrueWhenEverySessionIsIdle)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(remoteSession(1001, "far.example.org"));
    SignalLog log(manager);
    manager.setIdleHint(a, true);
    manager.setIdleHint(b, true);
    EXPECT_TRUE(manager.systemIdleHint());
    EXPECT_THAT(log.events,
        ElementsAre("IdleHintChanged Session1 true", "SessionChanged Session1 IdleHint",
            "IdleHintChanged Session2 true", "SessionChanged Session2 IdleHint", "SystemIdleHintChanged true"));
}

TEST_F(TheSystemIdleHint, TurnsFalseAgainWhenOneSessionWakesUp)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    manager.setIdleHint(a, true);
    SignalLog log(manager);
    manager.setIdleHint(a, false);
    EXPECT_FALSE(manager.systemIdleHint());
    EXPECT_EQ(log.count("SystemIdleHintChanged false"), 1u);
}

TEST_F(TheSystemIdleHint, TurnsTrueWhenTheLastBusySessionCloses)
{
    Session& idle = open(textSession(1000, "/dev/tty2"));
    Session& busy = open(textSession(1001, "/dev/tty3"));
    manager.setIdleHint(idle, true);
    SignalLog log(manager);
    manager.removeSession(busy);
    EXPECT_TRUE(manager.systemIdleHint());
    EXPECT_EQ(log.count("SystemIdleHintChanged true"), 1u);
}

TEST_F(TheSystemIdleHint, IsForcedFalseByAnIdleInhibitor)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    manager.setIdleHint(a, true);
    ASSERT_TRUE(manager.systemIdleHint());
    SignalLog log(manager);
    manager.setIdleInhibited(true);
    EXPECT_FALSE(manager.systemIdleHint());
    manager.setIdleHint(a, false);
    manager.setIdleHint(a, true);
    EXPECT_FALSE(manager.systemIdleHint());
    manager.setIdleInhibited(false);
    EXPECT_TRUE(manager.systemIdleHint());
    EXPECT_EQ(log.count("SystemIdleHintChanged false"), 1u);
    EXPECT_EQ(log.count("SystemIdleHintChanged true"), 1u);
}

TEST_F(TheSystemIdleHint, IsForcedFalseByAnIdleInhibitorEvenWithNoSessions)
{
    SignalLog log(manager);
    manager.setIdleInhibited(true);
    EXPECT_FALSE(manager.systemIdleHint());
    manager.setIdleInhibited(true); // no change
    EXPECT_THAT(log.events, ElementsAre("SystemIdleHintChanged false"));
}

TEST_F(TheSystemIdleHint, SignalsOnlyRealChanges)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(textSession(1001, "/dev/tty3"));
    SignalLog log(manager);
    manager.setIdleHint(a, false); // already busy
    manager.setIdleHint(a, true);
    manager.setIdleHint(a, true); // already idle
    manager.setIdleInhibited(false); // already not inhibited
    manager.setIdleHint(b, true);
    manager.setIdleHint(b, true);
    EXPECT_EQ(log.count("IdleHintChanged Session1 true"), 1u);
    EXPECT_EQ(log.count("SessionChanged Session1 IdleHint"), 1u);
    EXPECT_EQ(log.count("IdleHintChanged Session2 true"), 1u);
    EXPECT_EQ(log.count("SystemIdleHintChanged true"), 1u);
    EXPECT_EQ(log.events.size(), 5u);
}

TEST_F(TheSystemIdleHint, RecordsWhenItLastChanged)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    const Microseconds before = realtimeNow();
    manager.setIdleHint(a, true);
    const Microseconds after = realtimeNow();
    EXPECT_GE(manager.systemIdleSince(), before);
    EXPECT_LE(manager.systemIdleSince(), after);
}

TEST_F(TheSystemIdleHint, KeepsItsSinceTimeWhenNothingChanges)
{
    Session& a = open(textSession(1000, "/dev/tty2"));
    Session& b = open(textSession(1001, "/dev/tty3"));
    const Microseconds since = manager.systemIdleSince();
    manager.setIdleHint(a, true); // b is still busy: the system hint stays false
    EXPECT_EQ(manager.systemIdleSince(), since);
    (void)b;
}

class ASessionIdleHint : public CoreTest, public ::testing::Test { };

TEST_F(ASessionIdleHint, RecordsWhenItChanged)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    EXPECT_FALSE(s.idleHint());
    const Microseconds before = realtimeNow();
    manager.setIdleHint(s, true);
    const Microseconds after = realtimeNow();
    EXPECT_TRUE(s.idleHint());
    EXPECT_GE(s.idleSince(), before);
    EXPECT_LE(s.idleSince(), after);
}

TEST_F(ASessionIdleHint, KeepsItsSinceTimeWhenSetToTheSameValue)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    manager.setIdleHint(s, true);
    const Microseconds since = s.idleSince();
    manager.setIdleHint(s, true);
    EXPECT_EQ(s.idleSince(), since);
}

TEST_F(ASessionIdleHint, UpdatesItsSinceTimeOnEveryChange)
{
    Session& s = open(textSession(1000, "/dev/tty2"));
    manager.setIdleHint(s, true);
    const Microseconds idleAt = s.idleSince();
    manager.setIdleHint(s, false);
    EXPECT_FALSE(s.idleHint());
    EXPECT_GE(s.idleSince(), idleAt);
    EXPECT_GT(s.idleSince(), 0);
}

} // namespace
} // namespace ck::core
