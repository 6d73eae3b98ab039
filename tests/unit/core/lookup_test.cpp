// Looking sessions and seats up by the string ids clients send: full path, bare id, seat name.
#include <gtest/gtest.h>

#include "core_test_support.h"

namespace ck::core {
namespace {

using test::ConsoleTest;
using test::remoteSession;
using test::textSession;

class AManagerWithSessions : public ConsoleTest, public ::testing::Test {
protected:
    Session& first = open(textSession(1000, "/dev/tty2")); // Session1 on Seat1
    Session& remote = open(remoteSession(1001, "far.example.org")); // Session2 on Seat2
};

TEST_F(AManagerWithSessions, FindsASessionByItsFullPath)
{
    EXPECT_EQ(manager.findSession("/org/freedesktop/ConsoleKit/Session1"), &first);
    EXPECT_EQ(manager.findSession("/org/freedesktop/ConsoleKit/Session2"), &remote);
}

TEST_F(AManagerWithSessions, FindsASessionByItsBareId)
{
    EXPECT_EQ(manager.findSession("Session1"), &first);
    EXPECT_EQ(manager.findSession("Session2"), &remote);
}

TEST_F(AManagerWithSessions, RejectsStringsThatNameNoSession)
{
    for (const char* junk : {"", "Session", "Session-1", "Session+1", "Session99999999999", "Session0", "Session3",
             "Session1x", "Session 1", " Session1", "session1", "Seat1", "1", "/org/freedesktop/ConsoleKit/Seat1",
             "/org/freedesktop/ConsoleKit/Session", "/org/freedesktop/ConsoleKit/Session1/",
             "/org/freedesktop/ConsoleKit/Session1/x", "/org/freedesktop/ConsoleKit/", "/Session1",
             "org/freedesktop/ConsoleKit/Session1", "/org/freedesktop/ConsoleKit/Manager", "Session4294967297"})
        EXPECT_EQ(manager.findSession(junk), nullptr) << '"' << junk << '"';
}

TEST_F(AManagerWithSessions, RejectsIdsWithLeadingZeros)
{
    EXPECT_EQ(manager.findSession("Session01"), nullptr);
    EXPECT_EQ(manager.findSession("/org/freedesktop/ConsoleKit/Session001"), nullptr);
    EXPECT_EQ(manager.findSeat("Seat01"), nullptr);
}

TEST_F(AManagerWithSessions, FindsTheConsoleSeatByPathIdAndName)
{
    Seat* console = manager.consoleSeat();
    EXPECT_EQ(manager.findSeat("/org/freedesktop/ConsoleKit/Seat1"), console);
    EXPECT_EQ(manager.findSeat("Seat1"), console);
    EXPECT_EQ(manager.findSeat("seat0"), console);
}

TEST_F(AManagerWithSessions, FindsADynamicSeatByPathAndId)
{
    EXPECT_EQ(manager.findSeat("/org/freedesktop/ConsoleKit/Seat2"), remote.seat());
    EXPECT_EQ(manager.findSeat("Seat2"), remote.seat());
}

TEST_F(AManagerWithSessions, RejectsStringsThatNameNoSeat)
{
    for (const char* junk : {"", "Seat", "Seat-1", "Seat0", "Seat3", "Seat99999999999", "seat1", "Session1", "SEAT0",
             "/org/freedesktop/ConsoleKit/Session1", "/org/freedesktop/ConsoleKit/Seat1/",
             "/org/freedesktop/ConsoleKit/Seat", "/org/freedesktop/ConsoleKit/seat0x"})
        EXPECT_EQ(manager.findSeat(junk), nullptr) << '"' << junk << '"';
}

TEST_F(AManagerWithSessions, NoLongerFindsAClosedSessionOrItsDynamicSeat)
{
    manager.removeSession(remote);
    EXPECT_EQ(manager.findSession("Session2"), nullptr);
    EXPECT_EQ(manager.findSeat("Seat2"), nullptr);
}

} // namespace
} // namespace ck::core
