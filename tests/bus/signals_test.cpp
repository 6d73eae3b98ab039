// Manager and Seat signals of the session lifecycle: arguments, types, order, and that they are
// on the wire before the reply of the call that caused them.
#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

using Entry = MessageLog::Entry;

class ASessionLifecycle : public BusTest {
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
    // Index of the first signal `member` on `path` (any path when empty).
    int signalIndex(const std::string& member, const std::string& path = "")
    {
        return log_->indexOf([&](const Entry& e) {
            return e.type == G_DBUS_MESSAGE_TYPE_SIGNAL && e.member == member && (path.empty() || e.path == path);
        });
    }
    // Index of the method return whose body is exactly `body`.
    int replyIndex(const std::string& body)
    {
        return log_->indexOf(
            [&](const Entry& e) { return e.type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN && e.body == body; });
    }
    std::unique_ptr<MessageLog> log_;
};

TEST_F(ASessionLifecycle, AnnouncesANewSessionWithItsIdAndPath)
{
    openTextSession(*client_);
    ASSERT_TRUE(log_->waitForSignals("SessionNew"));
    const Entry e = log_->signals("SessionNew")[0];
    EXPECT_EQ(e.path, kManagerPath);
    EXPECT_EQ(e.iface, kManagerIface);
    EXPECT_EQ(e.signature, "(so)");
    EXPECT_EQ(e.body, "('Session1', objectpath '/org/freedesktop/ConsoleKit/Session1')");
}

TEST_F(ASessionLifecycle, AnnouncesTheSessionOnItsSeat)
{
    openTextSession(*client_);
    ASSERT_TRUE(log_->waitForSignals("SessionAdded"));
    const Entry e = log_->signals("SessionAdded")[0];
    EXPECT_EQ(e.path, kSeat1);
    EXPECT_EQ(e.iface, kSeatIface);
    EXPECT_EQ(e.signature, "(o)");
    EXPECT_EQ(e.body, "(objectpath '/org/freedesktop/ConsoleKit/Session1',)");
}

TEST_F(ASessionLifecycle, SendsTheSeatAndManagerSignalsBeforeTheOpenSessionReply)
{
    Reply cookie = client_->manager("OpenSessionWithParameters",
        sessionParameters(
            {{"display-device", g_variant_new_string("/dev/tty5")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    const int reply = replyIndex(cookie.print());
    const int added = signalIndex("SessionAdded", kSeat1);
    const int created = signalIndex("SessionNew");
    ASSERT_GE(reply, 0);
    ASSERT_GE(added, 0) << "no Seat.SessionAdded before the reply";
    ASSERT_GE(created, 0) << "no SessionNew before the reply";
    EXPECT_LT(added, created);
    EXPECT_LT(created, reply);
}

TEST_F(ASessionLifecycle, SendsSeatAddedBeforeTheSessionSignalsOfADynamicSeat)
{
    Reply cookie = client_->manager("OpenSessionWithParameters",
        sessionParameters({{"remote-host-name", g_variant_new_string("far.example.org")}}));
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    const int seatAdded = signalIndex("SeatAdded");
    const int added = signalIndex("SessionAdded", "/org/freedesktop/ConsoleKit/Seat2");
    const int created = signalIndex("SessionNew");
    const int reply = replyIndex(cookie.print());
    ASSERT_GE(seatAdded, 0);
    ASSERT_GE(added, 0);
    EXPECT_LT(seatAdded, added);
    EXPECT_LT(added, created);
    EXPECT_LT(created, reply);
}

TEST_F(ASessionLifecycle, SendsTheSameSignalsForOpenSession)
{
    Reply cookie = client_->manager("OpenSession");
    ASSERT_TRUE(cookie.ok()) << cookie.print();
    const int created = signalIndex("SessionNew");
    ASSERT_GE(created, 0);
    EXPECT_LT(created, replyIndex(cookie.print()));
}

TEST_F(ASessionLifecycle, AnnouncesTheRemovalOnTheSeatThenOnTheManagerBeforeTheCloseReply)
{
    const Opened s = openTextSession(*client_);
    log_->clear();
    Reply closed = client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str()));
    ASSERT_TRUE(isReply(closed, "(b)", "(true,)"));
    const int seatRemoved = signalIndex("SessionRemoved", kSeat1);
    const int managerRemoved = signalIndex("SessionRemoved", kManagerPath);
    const int reply = replyIndex("(true,)");
    ASSERT_GE(seatRemoved, 0);
    ASSERT_GE(managerRemoved, 0);
    EXPECT_LT(seatRemoved, managerRemoved);
    EXPECT_LT(managerRemoved, reply);
    const auto removed = log_->signalsOf("SessionRemoved", kManagerIface);
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].signature, "(so)");
    EXPECT_EQ(removed[0].body, "('Session1', objectpath '/org/freedesktop/ConsoleKit/Session1')");
    const auto onSeat = log_->signalsOf("SessionRemoved", kSeatIface);
    ASSERT_EQ(onSeat.size(), 1u);
    EXPECT_EQ(onSeat[0].signature, "(o)");
    EXPECT_EQ(onSeat[0].body, "(objectpath '/org/freedesktop/ConsoleKit/Session1',)");
}

TEST_F(ASessionLifecycle, RemovesADynamicSeatAfterItsSession)
{
    const Opened s = openRemoteSession(*client_);
    log_->clear();
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str())).ok());
    const int sessionRemoved = signalIndex("SessionRemoved", kManagerPath);
    const int seatRemoved = signalIndex("SeatRemoved");
    ASSERT_GE(sessionRemoved, 0);
    ASSERT_GE(seatRemoved, 0);
    EXPECT_LT(signalIndex("SessionRemoved", "/org/freedesktop/ConsoleKit/Seat2"), sessionRemoved);
    EXPECT_LT(sessionRemoved, seatRemoved);
    EXPECT_EQ(log_->signals("SeatRemoved")[0].body, "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)");
    EXPECT_LT(seatRemoved, replyIndex("(true,)"));
}

TEST_F(ASessionLifecycle, NumbersNewSessionsOnwardsAfterACloseWithoutReusingIds)
{
    const Opened a = openTextSession(*client_);
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", a.cookie.c_str())).ok());
    const Opened b = openTextSession(*client_);
    EXPECT_EQ(b.path, "/org/freedesktop/ConsoleKit/Session2");
}

TEST_F(ASessionLifecycle, SendsOneSessionNewPerSessionInOrder)
{
    openTextSession(*client_);
    openRemoteSession(*client_);
    openTextSession(*client_, "/dev/tty6");
    ASSERT_TRUE(log_->waitForSignals("SessionNew", 3));
    const auto news = log_->signals("SessionNew");
    ASSERT_EQ(news.size(), 3u);
    EXPECT_EQ(news[0].body, "('Session1', objectpath '/org/freedesktop/ConsoleKit/Session1')");
    EXPECT_EQ(news[1].body, "('Session2', objectpath '/org/freedesktop/ConsoleKit/Session2')");
    EXPECT_EQ(news[2].body, "('Session3', objectpath '/org/freedesktop/ConsoleKit/Session3')");
}

} // namespace
} // namespace ck::test
