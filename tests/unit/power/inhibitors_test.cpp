// Inhibitor locks without a bus: parsing, the pipe as the lock, limits, queries.
#include <gtest/gtest.h>
#include <unistd.h>

#include "power/inhibitors.h"
#include "power_test_support.h"

namespace ck::power {
namespace {

using namespace std::chrono_literals;

TEST(AnInhibitRequest, AcceptsEveryKnownTokenAndBothModes)
{
    auto r = parseInhibitRequest("shutdown:sleep:idle:handle-power-key:handle-suspend-key:handle-hibernate-key:"
                                 "handle-lid-switch",
        "who", "why", "delay");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->what, 0x7Fu);
    EXPECT_EQ(r->mode, InhibitMode::Delay);
    EXPECT_EQ(r->who, "who");
    EXPECT_EQ(parseInhibitRequest("sleep", "", "", "block")->mode, InhibitMode::Block);
}

TEST(AnInhibitRequest, IsRejectedWithAMessageNamingTheProblem)
{
    struct Case {
        const char *what, *mode, *expect;
    };
    const Case cases[] = {
        {"", "block", "'what' is empty"},
        {"sleep:nap", "block", "unknown 'what' token \"nap\""},
        {"sleep::idle", "block", "empty token"},
        {"idle:", "block", "empty token"},
        {"suspend", "block", "\"suspend\""}, // ListInhibitors of ConsoleKit2 spelled it so; Inhibit never took it
        {"sleep", "wait", "mode \"wait\""},
    };
    for (const auto& c : cases) {
        auto r = parseInhibitRequest(c.what, "w", "y", c.mode);
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
        EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
    }
    auto longWhy = parseInhibitRequest("sleep", "w", std::string(kMaxInhibitTextLength + 1, 'y'), "block");
    ASSERT_FALSE(longWhy.ok());
    EXPECT_NE(longWhy.error().message.find("'why' is longer than 4096"), std::string::npos);
}

TEST(AnInhibitRequest, QuotesOnlyTheStartOfAnAbsurdToken)
{
    auto r = parseInhibitRequest(std::string(10000, 'z'), "", "", "block");
    ASSERT_FALSE(r.ok());
    EXPECT_LT(r.error().message.size(), 300u);
}

TEST(TheWhatString, ListsTokensInTheFixedOrder)
{
    EXPECT_EQ(inhibitWhatString(kInhibitIdle | kInhibitShutdown | kInhibitSleep), "shutdown:sleep:idle");
    EXPECT_EQ(inhibitWhatString(kInhibitLidSwitch | kInhibitPowerKey), "handle-power-key:handle-lid-switch");
    EXPECT_EQ(inhibitWhatString(0), "");
}

class TheInhibitors : public ::testing::Test {
protected:
    UniqueFd take(const char* what, InhibitMode mode, uid_t uid = 0, const char* who = "w")
    {
        auto r = inhibitors_.add(
            InhibitRequest{parseInhibitRequest(what, who, "", "block")->what, who, "", mode}, uid, 42);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? std::move(r).value() : UniqueFd();
    }
    Inhibitors inhibitors_{InhibitorLimits{2, 5}};
};

TEST_F(TheInhibitors, HoldALockUntilEveryCopyOfItsFdIsClosed)
{
    int changes = 0;
    Connection c = inhibitors_.changed.connect([&] { ++changes; });
    UniqueFd fd = take("sleep", InhibitMode::Block);
    EXPECT_EQ(changes, 1);
    EXPECT_TRUE(inhibitors_.holds(kInhibitSleep, InhibitMode::Block));
    EXPECT_FALSE(inhibitors_.holds(kInhibitSleep, InhibitMode::Delay));
    EXPECT_FALSE(inhibitors_.holds(kInhibitShutdown, InhibitMode::Block));
    UniqueFd copy(::dup(fd.get()));
    fd.reset();
    test::runPending(); // a hang-up would already be pending: the kernel raises it on the last close
    EXPECT_EQ(inhibitors_.size(), 1u);
    copy.reset();
    EXPECT_TRUE(test::runUntil([&] { return inhibitors_.size() == 0; }));
    EXPECT_EQ(changes, 2);
    EXPECT_FALSE(inhibitors_.holds(kInhibitSleep, InhibitMode::Block));
}

TEST_F(TheInhibitors, IgnoreDataWrittenIntoTheLock)
{
    UniqueFd fd = take("idle", InhibitMode::Delay);
    ASSERT_EQ(::write(fd.get(), "hello", 5), 5);
    test::runPending(); // the data (and any event it raises) is there at once
    EXPECT_EQ(inhibitors_.size(), 1u);
}

TEST_F(TheInhibitors, ListTheirHoldersOldestFirst)
{
    UniqueFd a = take("shutdown", InhibitMode::Block, 0, "first");
    UniqueFd b = take("shutdown:sleep", InhibitMode::Delay, 1000, "second");
    auto list = inhibitors_.list();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]->who, "first");
    EXPECT_EQ(list[1]->who, "second");
    EXPECT_EQ(list[1]->uid, 1000u);
    EXPECT_EQ(list[1]->pid, 42);
    auto blockers = inhibitors_.holders(kInhibitShutdown, InhibitMode::Block);
    ASSERT_EQ(blockers.size(), 1u);
    EXPECT_EQ(blockers[0]->who, "first");
    EXPECT_EQ(inhibitors_.holders(kInhibitSleep, InhibitMode::Delay).size(), 1u);
}

TEST_F(TheInhibitors, CapTheLocksOfOneUserButNotOfRoot)
{
    UniqueFd a = take("sleep", InhibitMode::Block, 1000);
    UniqueFd b = take("sleep", InhibitMode::Block, 1000);
    auto third = inhibitors_.add(InhibitRequest{kInhibitSleep, "w", "", InhibitMode::Block}, 1000, 1);
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, ErrorCode::Busy);
    EXPECT_NE(third.error().message.find("uid 1000"), std::string::npos) << third.error().message;
    UniqueFd other = take("sleep", InhibitMode::Block, 1001); // another user is not affected
    UniqueFd r1 = take("sleep", InhibitMode::Block, 0);
    UniqueFd r2 = take("sleep", InhibitMode::Block, 0);
    EXPECT_EQ(inhibitors_.size(), 5u);
    auto overTotal = inhibitors_.add(InhibitRequest{kInhibitSleep, "w", "", InhibitMode::Block}, 0, 1);
    ASSERT_FALSE(overTotal.ok()); // the total cap holds for root too
    EXPECT_EQ(overTotal.error().code, ErrorCode::Busy);
}

TEST_F(TheInhibitors, CloseTheirReadEndsWhenDestroyed)
{
    UniqueFd fd;
    {
        Inhibitors local;
        auto r = local.add(InhibitRequest{kInhibitSleep, "w", "", InhibitMode::Block}, 0, 1);
        ASSERT_TRUE(r.ok());
        fd = std::move(r).value();
    }
    // Writing into a pipe without a reader fails with EPIPE (SIGPIPE ignored for the test).
    signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(::write(fd.get(), "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
}

} // namespace
} // namespace ck::power
