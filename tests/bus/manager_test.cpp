// Manager interface on a real bus: session lifecycle, queries, errors.
#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

using AManager = BusTest;

TEST_F(AManager, ListsTheConsoleSeatWhenNoSessionExists)
{
    Reply seats = client_->manager("GetSeats");
    ASSERT_TRUE(seats.ok()) << seats.print();
    EXPECT_EQ(seats.print(), "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)");
    Reply sessions = client_->manager("GetSessions");
    EXPECT_EQ(sessions.print(), "(@ao [],)");
}

TEST_F(AManager, EndsASessionWhenItsLeaderDisconnects)
{
    Client leader(bus_->address());
    client_->watchSignals();
    Reply cookie = leader.manager("OpenSession");
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    EXPECT_TRUE(client_->waitForSignal("SessionNew"));
    EXPECT_EQ(client_->manager("GetSessions").print(), "([objectpath '/org/freedesktop/ConsoleKit/Session1'],)");
    leader.close();
    EXPECT_TRUE(client_->waitForSignal("SessionRemoved"));
    EXPECT_EQ(client_->manager("GetSessions").print(), "(@ao [],)");
}

TEST_F(AManager, RejectsAParameterOfTheWrongTypeNamingIt)
{
    Reply r = client_->manager("OpenSessionWithParameters",
                               g_variant_new_parsed("([('unix-user', <'root'>)],)"));
    EXPECT_EQ(r.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InvalidInput");
    EXPECT_NE(r.errorMessage.find("unix-user"), std::string::npos) << r.errorMessage;
}

TEST_F(AManager, RefusesOpenSessionWithParametersToNonRoot)
{
    CommandResult r = gdbusCallAs(65534, bus_->address(), kManagerPath,
                                  "org.freedesktop.ConsoleKit.Manager.OpenSessionWithParameters", {"[]"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("AccessDenied"), std::string::npos) << r.output;
}

} // namespace
} // namespace ck::test
