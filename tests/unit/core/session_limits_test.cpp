// Caps on sessions (per uid and in total), the OpenSession rate limiter, and what session strings
// may look like.
#include <gtest/gtest.h>

#include "core/rate_limiter.h"
#include "core/session_strings.h"
#include "core_test_support.h"

namespace ck::core {
namespace {

using test::leaderOf;
using test::textSession;

class AManagerWithLimits : public ::testing::Test, protected test::CoreTest {
protected:
    AManagerWithLimits() { manager.setLimits({5, 3}); }
    Result<Session*> openFor(uid_t uid) { return manager.openSession(textSession(uid, "/dev/pts/1"), leaderOf(uid)); }
};

TEST_F(AManagerWithLimits, RefusesTheSessionBeyondTheLimitOfOneUserWithBusy)
{
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(openFor(1000));
    auto refused = openFor(1000);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::Busy);
    EXPECT_NE(refused.error().message.find("user 1000 has 3 sessions"), std::string::npos) << refused.error().message;
    EXPECT_TRUE(openFor(1001)) << "another user is not affected";
}

TEST_F(AManagerWithLimits, RefusesTheSessionBeyondTheTotalLimit)
{
    for (uid_t uid = 1000; uid < 1005; ++uid)
        ASSERT_TRUE(openFor(uid));
    auto refused = openFor(2000);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::Busy);
    EXPECT_NE(refused.error().message.find("5 sessions are open"), std::string::npos) << refused.error().message;
}

TEST_F(AManagerWithLimits, AdmitsAgainOnceASessionOfTheUserCloses)
{
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(openFor(1000));
    manager.removeSession(*manager.sessionsOfUser(1000).front());
    EXPECT_TRUE(openFor(1000));
}

TEST(ARateLimiter, AdmitsABurstThenRefusesUntilTokensRefill)
{
    RateLimiter limiter(2, 4); // 2 per second, bursts of 4
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(limiter.admit(1000, 0));
    EXPECT_FALSE(limiter.admit(1000, 0));
    EXPECT_TRUE(limiter.admit(1001, 0)) << "each uid has its own bucket";
    EXPECT_FALSE(limiter.admit(1000, 400000));
    EXPECT_TRUE(limiter.admit(1000, 500000)) << "one token after half a second";
    EXPECT_FALSE(limiter.admit(1000, 500000));
}

TEST(ARateLimiter, WithoutARateAdmitsEverything)
{
    RateLimiter limiter(0, 1);
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(limiter.admit(1000, 0));
}

TEST(ARateLimiter, ForgetsUsersWhoseBucketsRefilled)
{
    RateLimiter limiter(10, 1);
    for (uid_t uid = 0; uid < 300; ++uid)
        limiter.admit(uid, 0);
    EXPECT_EQ(limiter.trackedUsers(), 300u);
    limiter.admit(5000, 10'000'000);
    EXPECT_EQ(limiter.trackedUsers(), 1u);
}

TEST(SessionStrings, AcceptWellFormedUtf8AndRejectBrokenUtf8)
{
    EXPECT_TRUE(isValidUtf8("plain"));
    EXPECT_TRUE(isValidUtf8("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"));
    EXPECT_FALSE(isValidUtf8("\xff:0"));
    EXPECT_FALSE(isValidUtf8("\xc0\xaf")); // overlong '/'
    EXPECT_FALSE(isValidUtf8("\xed\xa0\x80")); // a surrogate
    EXPECT_FALSE(isValidUtf8("\xe2\x82")); // truncated
    EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80")); // above U+10FFFF
}

TEST(SessionStrings, KnowTheFormOfADisplayName)
{
    for (const char* ok : {":0", ":0.0", "unix:1", "host.example.org:10.1", "[::1]:0", ":65535"})
        EXPECT_TRUE(isValidDisplayName(ok)) << ok;
    for (const char* bad : {"", "0", ":", ":x", ":0.", ":123456", "a b:0", "\xff:0", ":0\n"})
        EXPECT_FALSE(isValidDisplayName(bad)) << bad;
    EXPECT_FALSE(isValidDisplayName(std::string(300, 'h') + ":0"));
    EXPECT_EQ(localDisplayNumber(":7.0"), 7u);
    EXPECT_EQ(localDisplayNumber("unix:3"), 3u);
    EXPECT_EQ(localDisplayNumber("far.example.org:0"), std::nullopt);
}

TEST(SessionStrings, RequireDevicesUnderDevWithoutDotDot)
{
    EXPECT_TRUE(checkSessionString("display-device", "/dev/pts/3"));
    EXPECT_TRUE(checkSessionString("x11-display-device", "/dev/tty7"));
    EXPECT_TRUE(checkSessionString("display-device", ""));
    for (const char* bad : {"/etc/shadow", "/dev/../etc/shadow", "/dev/", "/dev//tty1", "tty1", "/dev/./tty1"}) {
        auto r = checkSessionString("display-device", bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
        EXPECT_NE(r.error().message.find("is not a device path under /dev"), std::string::npos);
    }
}

TEST(SessionStrings, BoundEveryFieldAndRefuseControlCharacters)
{
    EXPECT_FALSE(checkSessionString("session-type", std::string(65, 'x')));
    EXPECT_TRUE(checkSessionString("session-type", std::string(64, 'x')));
    EXPECT_FALSE(checkSessionString("remote-host-name", std::string(254, 'h')));
    EXPECT_FALSE(checkSessionString("remote-host-name", "two words"));
    EXPECT_FALSE(checkSessionString("session-service", "a\nSession /forged"));
    EXPECT_FALSE(checkSessionString("x11-display", "not a display"));
    EXPECT_TRUE(checkSessionString("login-session-id", "42"));
}

} // namespace
} // namespace ck::core
