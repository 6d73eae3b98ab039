// The locked hint and the Lock/Unlock requests a session's screen locker listens for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::ConsoleTest;
using test::SignalLog;
using test::x11Session;
using ::testing::ElementsAre;

class ALockableSession : public ConsoleTest, public ::testing::Test {
protected:
    Session& session = open(x11Session(1000, ":0", "/dev/tty7"));
};

TEST_F(ALockableSession, StartsUnlocked)
{
    EXPECT_FALSE(session.lockedHint());
}

TEST_F(ALockableSession, SignalsALockedHintChangeOnce)
{
    SignalLog log(manager);
    manager.setLockedHint(session, true);
    manager.setLockedHint(session, true);
    EXPECT_TRUE(session.lockedHint());
    EXPECT_THAT(log.events, ElementsAre("SessionChanged Session1 LockedHint"));
    manager.setLockedHint(session, false);
    EXPECT_FALSE(session.lockedHint());
    EXPECT_EQ(log.count("SessionChanged Session1 LockedHint"), 2u);
}

TEST_F(ALockableSession, SetsTheLockedHintAndAsksTheLockerToLock)
{
    SignalLog log(manager);
    manager.lock(session);
    EXPECT_TRUE(session.lockedHint());
    EXPECT_THAT(log.events, ElementsAre("SessionChanged Session1 LockedHint", "Lock Session1"));
}

TEST_F(ALockableSession, ClearsTheLockedHintAndAsksTheLockerToUnlock)
{
    manager.lock(session);
    SignalLog log(manager);
    manager.unlock(session);
    EXPECT_FALSE(session.lockedHint());
    EXPECT_THAT(log.events, ElementsAre("SessionChanged Session1 LockedHint", "Unlock Session1"));
}

TEST_F(ALockableSession, AsksToLockAgainEvenWhenAlreadyLocked)
{
    // LockSession is a request to the locker; a second one must reach it (it may have crashed).
    manager.lock(session);
    SignalLog log(manager);
    manager.lock(session);
    EXPECT_THAT(log.events, ElementsAre("Lock Session1"));
}

TEST_F(ALockableSession, DoesNotTouchTheIdleHintWhenLocking)
{
    manager.lock(session);
    EXPECT_FALSE(session.idleHint());
}

} // namespace
} // namespace ck::core
