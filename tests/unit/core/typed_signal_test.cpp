// Subscription lifetime of ck::Signal (util/typed_signal.h), which every core signal relies on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <new>
#include <optional>
#include <utility>

#include "core_test_support.h"
#include "util/typed_signal.h"

namespace ck {
namespace {

using ::testing::ElementsAre;

TEST(ASignal, CallsEverySlotInTheOrderTheyConnected)
{
    Signal<int> signal;
    std::vector<std::string> calls;
    Connection a = signal.connect([&](int v) { calls.push_back("a" + std::to_string(v)); });
    Connection b = signal.connect([&](int v) { calls.push_back("b" + std::to_string(v)); });
    signal.emit(1);
    signal.emit(2);
    EXPECT_THAT(calls, ElementsAre("a1", "b1", "a2", "b2"));
}

TEST(ASignal, DoesNotCallASlotWhoseConnectionWasDestroyed)
{
    Signal<> signal;
    int calls = 0;
    {
        Connection c = signal.connect([&] { ++calls; });
    }
    EXPECT_TRUE(signal.empty());
    signal.emit();
    EXPECT_EQ(calls, 0);
}

TEST(ASignal, DoesNotCallASlotWhoseConnectionWasReset)
{
    Signal<> signal;
    int calls = 0;
    Connection c = signal.connect([&] { ++calls; });
    signal.emit();
    c.reset();
    c.reset(); // twice is harmless
    signal.emit();
    EXPECT_EQ(calls, 1);
}

TEST(ASignal, KeepsASlotConnectedThroughAMoveOfItsConnection)
{
    Signal<> signal;
    int calls = 0;
    Connection outer;
    {
        Connection inner = signal.connect([&] { ++calls; });
        outer = std::move(inner);
    } // the moved-from connection must not disconnect
    signal.emit();
    EXPECT_EQ(calls, 1);
    Connection moved(std::move(outer));
    signal.emit();
    EXPECT_EQ(calls, 2);
}

TEST(ASignal, DisconnectsTheOldSlotWhenAConnectionIsReassigned)
{
    Signal<> signal;
    int first = 0;
    int second = 0;
    Connection c = signal.connect([&] { ++first; });
    c = signal.connect([&] { ++second; });
    signal.emit();
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 1);
}

TEST(ASignal, LetsASlotDisconnectItselfDuringEmit)
{
    Signal<> signal;
    std::vector<std::string> calls;
    Connection before = signal.connect([&] { calls.push_back("before"); });
    std::optional<Connection> self;
    self = signal.connect([&] {
        calls.push_back("self");
        self.reset(); // destroys the Connection, and with it the running slot's entry
    });
    Connection after = signal.connect([&] { calls.push_back("after"); });
    signal.emit();
    signal.emit();
    EXPECT_THAT(calls, ElementsAre("before", "self", "after", "before", "after"));
}

TEST(ASignal, SkipsASlotThatAnEarlierSlotDisconnectedDuringEmit)
{
    Signal<> signal;
    std::vector<std::string> calls;
    Connection second;
    Connection first = signal.connect([&] {
        calls.push_back("first");
        second.reset();
    });
    second = signal.connect([&] { calls.push_back("second"); });
    signal.emit();
    EXPECT_THAT(calls, ElementsAre("first"));
}

TEST(ASignal, CallsASlotConnectedDuringEmitFromTheNextEmitOn)
{
    Signal<> signal;
    std::vector<std::string> calls;
    Connection late;
    bool connected = false;
    Connection first = signal.connect([&] {
        calls.push_back("first");
        if (!std::exchange(connected, true))
            late = signal.connect([&] { calls.push_back("late"); });
    });
    signal.emit();
    EXPECT_THAT(calls, ElementsAre("first"));
    calls.clear();
    signal.emit();
    EXPECT_THAT(calls, ElementsAre("first", "late"));
}

// A new signal takes the dead one's place (same address, same slot id), as the allocator would
// do: a connection that still reached into the old signal would remove the new one's slot.
TEST(ASignal, CanBeDestroyedBeforeItsConnections)
{
    alignas(Signal<int>) unsigned char storage[sizeof(Signal<int>)];
    auto* old = new (storage) Signal<int>();
    Connection c = old->connect([](int) {});
    old->~Signal();
    auto* successor = new (storage) Signal<int>();
    int calls = 0;
    Connection other = successor->connect([&](int) { ++calls; });
    c.reset();
    successor->emit(1);
    EXPECT_EQ(calls, 1) << "the connection of the dead signal disconnected its successor's slot";
    other.reset();
    successor->~Signal();
}

TEST(ASignal, PassesArgumentsByReference)
{
    Signal<std::string&> signal;
    Connection c = signal.connect([](std::string& s) { s += "!"; });
    std::string text = "hi";
    signal.emit(text);
    EXPECT_EQ(text, "hi!");
}

TEST(AManagerSignal, DoesNotReachASubscriberThatWentAway)
{
    core::Manager manager;
    manager.addStaticSeat({});
    int added = 0;
    {
        Connection c = manager.sessionAdded.connect([&](core::Session&) { ++added; });
        ASSERT_TRUE(manager.openSession(core::test::textSession(1000, "/dev/tty2"), core::test::leaderOf(1000)).ok());
    }
    ASSERT_TRUE(manager.openSession(core::test::textSession(1000, "/dev/tty3"), core::test::leaderOf(1000)).ok());
    EXPECT_EQ(added, 1);
}

TEST(AManagerSignal, OutlivedByASubscriptionIsSafe)
{
    alignas(core::Manager) unsigned char storage[sizeof(core::Manager)];
    auto* old = new (storage) core::Manager();
    Connection c = old->seatAdded.connect([](core::Seat&) {});
    old->~Manager();
    auto* successor = new (storage) core::Manager();
    int added = 0;
    Connection other = successor->seatAdded.connect([&](core::Seat&) { ++added; });
    c.reset(); // must not touch the dead manager, whose place the successor took
    successor->addStaticSeat({});
    EXPECT_EQ(added, 1) << "the connection of the dead manager disconnected its successor's subscriber";
    other.reset();
    successor->~Manager();
}

TEST(AManagerSignal, LetsASubscriberUnsubscribeWhileHandlingIt)
{
    core::Manager manager;
    manager.addStaticSeat({});
    int calls = 0;
    std::optional<Connection> c;
    c = manager.sessionAdded.connect([&](core::Session&) {
        ++calls;
        c.reset();
    });
    ASSERT_TRUE(manager.openSession(core::test::textSession(1000, "/dev/tty2"), core::test::leaderOf(1000)).ok());
    ASSERT_TRUE(manager.openSession(core::test::textSession(1000, "/dev/tty3"), core::test::leaderOf(1000)).ok());
    EXPECT_EQ(calls, 1);
}

} // namespace
} // namespace ck
