// Leaders that go away: every session of a disconnected connection ends, others stay; many
// sessions on one connection.
#include <set>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

class ALeaderThatDisconnects : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        log_ = std::make_unique<MessageLog>(client_->connection());
    }
    void TearDown() override
    {
        log_.reset();
        BusTest::TearDown();
    }
    std::unique_ptr<MessageLog> log_;
};

TEST_F(ALeaderThatDisconnects, EndsItsSessionWithSessionRemoved)
{
    Client leader(bus_->address());
    const Opened s = openTextSession(leader);
    leader.close();
    ASSERT_TRUE(log_->waitForSignals("SessionRemoved", 2)); // on the seat and on the manager
    const auto removed = log_->signalsOf("SessionRemoved", kManagerIface);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].body, "('Session1', objectpath '" + s.path + "')");
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(ALeaderThatDisconnects, EndsEveryOneOfItsSessions)
{
    Client leader(bus_->address());
    openTextSession(leader, "/dev/tty2");
    openRemoteSession(leader);
    openTextSession(leader, "/dev/pts/1");
    leader.close();
    ASSERT_TRUE(log_->waitFor([&] { return log_->signalsOf("SessionRemoved", kManagerIface).size() >= 3; }));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
    EXPECT_TRUE(isReply(client_->manager("GetSeats"), "(ao)", "([objectpath '/org/freedesktop/ConsoleKit/Seat1'],)"));
}

TEST_F(ALeaderThatDisconnects, LeavesTheSessionsOfOtherConnections)
{
    Client leader(bus_->address());
    Client other(bus_->address());
    openTextSession(leader);
    openTextSession(leader, "/dev/tty6");
    const Opened kept = openRemoteSession(other);
    leader.close();
    ASSERT_TRUE(log_->waitFor([&] { return log_->signalsOf("SessionRemoved", kManagerIface).size() >= 2; }));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "([objectpath '" + kept.path + "'],)"));
    EXPECT_TRUE(isReply(client_->manager("GetSessionForCookie", g_variant_new("(s)", kept.cookie.c_str())), "(o)",
        "(objectpath '" + kept.path + "',)"));
    EXPECT_EQ(log_->signalsOf("SessionRemoved", kManagerIface).size(), 2u);
}

TEST_F(ALeaderThatDisconnects, RemovesTheDynamicSeatOfItsSession)
{
    Client leader(bus_->address());
    openRemoteSession(leader);
    leader.close();
    ASSERT_TRUE(log_->waitForSignals("SeatRemoved"));
    EXPECT_EQ(log_->signals("SeatRemoved")[0].body, "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)");
}

TEST_F(ALeaderThatDisconnects, EndsTheRestAfterItClosedOneItself)
{
    Client leader(bus_->address());
    const Opened a = openTextSession(leader);
    openTextSession(leader, "/dev/tty6");
    ASSERT_TRUE(leader.manager("CloseSession", g_variant_new("(s)", a.cookie.c_str())).ok());
    leader.close();
    ASSERT_TRUE(log_->waitFor([&] { return log_->signalsOf("SessionRemoved", kManagerIface).size() >= 2; }));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(ALeaderThatDisconnects, AsAnotherProcessEndsItsSessionsWhenItExits)
{
    Peer leader(bus_->address());
    ASSERT_FALSE(Peer::cookieOf(leader.manager("OpenSession")).empty());
    ASSERT_FALSE(Peer::cookieOf(leader.manager("OpenSession")).empty());
    EXPECT_EQ(leader.quit(), 0);
    ASSERT_TRUE(log_->waitFor([&] { return log_->signalsOf("SessionRemoved", kManagerIface).size() >= 2; }));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(ALeaderThatDisconnects, LeavesTheDaemonAnsweringOtherClients)
{
    Client leader(bus_->address());
    openTextSession(leader);
    leader.close();
    ASSERT_TRUE(log_->waitForSignals("SessionRemoved"));
    EXPECT_TRUE(daemonAnswers());
    const Opened again = openTextSession(*client_);
    EXPECT_EQ(again.path, "/org/freedesktop/ConsoleKit/Session2");
}

// --- many sessions -----------------------------------------------------------------------------

TEST_F(ALeaderThatDisconnects, WithTwoHundredSessionsEndsThemAll)
{
    constexpr std::size_t kCount = 200;
    Client leader(bus_->address());
    std::set<std::string> cookies;
    for (std::size_t i = 0; i < kCount; ++i) {
        Reply r = leader.manager("OpenSessionWithParameters",
            sessionParameters(
                {{"display-device", g_variant_new_string("/dev/tty5")}, {"is-local", g_variant_new_boolean(TRUE)}}));
        ASSERT_TRUE(r.ok()) << i << ": " << r.print();
        cookies.insert(firstString(r));
    }
    EXPECT_EQ(cookies.size(), kCount);

    Reply all = client_->manager("GetSessions");
    ASSERT_TRUE(all.ok()) << all.print();
    GVariant* paths = g_variant_get_child_value(all.value, 0);
    EXPECT_EQ(g_variant_n_children(paths), kCount);
    std::set<std::string> distinct;
    for (gsize i = 0; i < g_variant_n_children(paths); ++i) {
        GVariant* p = g_variant_get_child_value(paths, i);
        distinct.insert(g_variant_get_string(p, nullptr));
        g_variant_unref(p);
    }
    g_variant_unref(paths);
    EXPECT_EQ(distinct.size(), kCount);
    EXPECT_TRUE(distinct.contains("/org/freedesktop/ConsoleKit/Session1"));
    EXPECT_TRUE(distinct.contains("/org/freedesktop/ConsoleKit/Session200"));

    leader.close();
    ASSERT_TRUE(log_->waitFor(
        [&] { return log_->signalsOf("SessionRemoved", kManagerIface).size() >= kCount; }, std::chrono::seconds(20)));
    EXPECT_TRUE(isReply(client_->manager("GetSessions"), "(ao)", "(@ao [],)"));
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "(@ao [],)"));
}

} // namespace
} // namespace ck::test
