// Tests of the WatchMode string table.
#include <gtest/gtest.h>

#include "vt/watch_mode.h"

using ck::ErrorCode;
using ck::vt::parseWatchMode;
using ck::vt::WatchMode;
using ck::vt::watchModeName;

TEST(TheWatchModeTable, ParsesEveryNameItPrints)
{
    for (WatchMode m : {WatchMode::Auto, WatchMode::WaitEvent, WatchMode::WaitActive, WatchMode::None}) {
        auto parsed = parseWatchMode(watchModeName(m));
        ASSERT_TRUE(parsed.ok()) << watchModeName(m);
        EXPECT_EQ(parsed.value(), m);
    }
}

TEST(TheWatchModeTable, UsesTheOptionNamesOfTheDaemon)
{
    EXPECT_STREQ(watchModeName(WatchMode::Auto), "auto");
    EXPECT_STREQ(watchModeName(WatchMode::WaitEvent), "waitevent");
    EXPECT_STREQ(watchModeName(WatchMode::WaitActive), "waitactive");
    EXPECT_STREQ(watchModeName(WatchMode::None), "none");
}

TEST(AWatchModeParser, RejectsUnknownNamesWithAClearError)
{
    for (const char* bad : {"", "Auto", "WAITEVENT", "wait-event", "sysfs", "none ", "waitactive\n"}) {
        auto parsed = parseWatchMode(bad);
        ASSERT_FALSE(parsed.ok()) << '"' << bad << '"';
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidInput);
        EXPECT_NE(parsed.error().message.find("expected auto, waitevent, waitactive or none"), std::string::npos);
    }
}
