// Who may act without asking polkit, and which polkit action id applies.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "power/authorization.h"
#include "power_test_support.h"

namespace ck::power {
namespace {

UserLookup fakeUsers()
{
    return [](uid_t uid) -> std::optional<std::string> {
        static const std::map<uid_t, std::string> kUsers
            = {{0, "root"}, {1000, "alice"}, {1001, "bob"}, {120, "gdm"}, {121, "lightdm"}, {122, "_sddm"}};
        auto it = kUsers.find(uid);
        if (it == kUsers.end())
            return std::nullopt;
        return it->second;
    };
}

class AnAuthorizer : public ::testing::Test {
protected:
    AnAuthorizer() { manager_.addStaticSeat({}); }
    core::Session& localX(uid_t uid, unsigned vt)
    {
        core::SessionParams p;
        p.x11Display = ":" + std::to_string(vt);
        p.x11DisplayDevice = "/dev/tty" + std::to_string(vt);
        p.isLocal = true;
        return test::openSession(manager_, uid, p);
    }
    core::Manager manager_;
    Authorizer authorizer_{manager_, nullptr, fakeUsers()};
};

TEST(TheDisplayManagerAccounts, AreTheGreeterUsersOfGdmSddmKdmAndLightdm)
{
    for (const char* n : {"gdm", "_gdm", "sddm", "_sddm", "kdm", "_kdm", "lightdm"})
        EXPECT_TRUE(isDisplayManagerAccount(n)) << n;
    for (const char* n : {"root", "alice", "gdm3", ""})
        EXPECT_FALSE(isDisplayManagerAccount(n)) << n;
}

TEST_F(AnAuthorizer, CountsRealUsersOnlyForTheMultipleUsersActions)
{
    localX(1000, 7);
    test::openSession(manager_, 1000);
    EXPECT_FALSE(authorizer_.multipleUsers());
    test::openSession(manager_, 120); // gdm's greeter
    test::openSession(manager_, 121); // lightdm's greeter
    test::openSession(manager_, 4242); // no passwd entry
    EXPECT_FALSE(authorizer_.multipleUsers());
    EXPECT_EQ(authorizer_.actionIdFor(PowerAction::Suspend), "org.freedesktop.consolekit.system.suspend");
    test::openSession(manager_, 0); // root counts
    EXPECT_TRUE(authorizer_.multipleUsers());
    EXPECT_EQ(authorizer_.actionIdFor(PowerAction::Stop), "org.freedesktop.consolekit.system.stop-multiple-users");
}

TEST_F(AnAuthorizer, WithoutPolkitAlwaysLetsRootAct)
{
    localX(1000, 7);
    test::openSession(manager_, 1001);
    EXPECT_TRUE(authorizer_.localRule(PowerAction::Stop, 0).ok());
}

TEST_F(AnAuthorizer, WithoutPolkitLetsTheUserOfTheActiveLocalSessionActWhileAlone)
{
    localX(1000, 7);
    test::openSession(manager_, 1000); // a second session of the same user
    test::openSession(manager_, 120); // and the greeter
    manager_.setActiveVt(7);
    ASSERT_NE(manager_.consoleSeat()->activeSession(), nullptr);
    EXPECT_TRUE(authorizer_.localRule(PowerAction::Suspend, 1000).ok());

    auto other = authorizer_.localRule(PowerAction::Suspend, 1001);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, ErrorCode::InsufficientPermission);
    EXPECT_NE(other.error().message.find("active local session"), std::string::npos) << other.error().message;
}

TEST_F(AnAuthorizer, WithoutPolkitRefusesTheActiveUserOnceAnotherUserIsLoggedIn)
{
    localX(1000, 7);
    manager_.setActiveVt(7);
    test::openSession(manager_, 1001);
    auto r = authorizer_.localRule(PowerAction::Restart, 1000);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("other users are logged in"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("restart"), std::string::npos) << r.error().message;
}

TEST_F(AnAuthorizer, WithoutPolkitRefusesARemoteActiveSession)
{
    core::SessionParams p;
    p.x11DisplayDevice = "/dev/tty7";
    p.isLocal = false;
    test::openSession(manager_, 1000, p);
    manager_.setActiveVt(7);
    EXPECT_FALSE(authorizer_.localRule(PowerAction::Stop, 1000).ok());
}

TEST_F(AnAuthorizer, WithoutPolkitRefusesEveryUserWhenNoSessionIsActive)
{
    localX(1000, 7);
    manager_.setActiveVt(2);
    EXPECT_FALSE(authorizer_.localRule(PowerAction::Stop, 1000).ok());
}

TEST(AnAuthorizerWithManySessionsOfOneUser, LooksEachUserUpOnceNotOncePerSessionAndCheck)
{
    // Issue 18.7: every check looked every session's user up (NSS on the main loop).
    core::Manager manager;
    manager.addStaticSeat({});
    int lookups = 0;
    auto users = fakeUsers();
    Authorizer authorizer(manager, nullptr, [&](uid_t uid) {
        ++lookups;
        return users(uid);
    });
    for (int i = 0; i < 200; ++i)
        test::openSession(manager, 65534);
    test::openSession(manager, 1000);
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(authorizer.multipleUsers());
        (void)authorizer.actionIdFor(PowerAction::Stop);
    }
    EXPECT_EQ(lookups, 2) << "one look-up per user";
}

TEST_F(AnAuthorizer, WithoutPolkitGivesBlockLocksOnlyToRootAndUsersWithALocalSession)
{
    test::openSession(manager_, 1001); // remote
    localX(1000, 7);
    EXPECT_TRUE(authorizer_.localInhibitRule(kInhibitShutdown | kInhibitSleep, InhibitMode::Block, 0).ok());
    EXPECT_TRUE(authorizer_.localInhibitRule(kInhibitShutdown, InhibitMode::Block, 1000).ok());
    for (uid_t uid : {1001u, 65534u}) {
        auto r = authorizer_.localInhibitRule(kInhibitShutdown, InhibitMode::Block, uid);
        ASSERT_FALSE(r.ok()) << uid;
        EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
        EXPECT_FALSE(authorizer_.localInhibitRule(kInhibitPowerKey, InhibitMode::Delay, uid).ok()) << uid;
        EXPECT_TRUE(authorizer_.localInhibitRule(kInhibitShutdown | kInhibitSleep, InhibitMode::Delay, uid).ok());
    }
}

TEST(TheInhibitActions, AreLogindsNamesUnderTheConsoleKitPrefixOnePerKind)
{
    EXPECT_EQ(inhibitActionIds(kInhibitShutdown | kInhibitSleep, InhibitMode::Block),
        (std::vector<std::string>{
            "org.freedesktop.consolekit.inhibit-block-shutdown", "org.freedesktop.consolekit.inhibit-block-sleep"}));
    EXPECT_EQ(inhibitActionIds(kInhibitSleep | kInhibitIdle | kInhibitLidSwitch, InhibitMode::Delay),
        (std::vector<std::string>{"org.freedesktop.consolekit.inhibit-delay-sleep",
            "org.freedesktop.consolekit.inhibit-block-idle", "org.freedesktop.consolekit.inhibit-handle-lid-switch"}));
    EXPECT_EQ(
        polkitIgnoreInhibitActionId(PowerAction::Suspend), "org.freedesktop.consolekit.system.suspend-ignore-inhibit");
}

TEST(TheShippedPolkitActions, HoldEveryActionTheDaemonAsksFor)
{
    const char* root = std::getenv("CK_SOURCE_ROOT");
    if (root == nullptr)
        GTEST_SKIP() << "CK_SOURCE_ROOT is not set";
    std::ifstream in(std::string(root) + "/data/org.freedesktop.consolekit.policy");
    const std::string policy((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(policy.empty());
    std::vector<std::string> ids = inhibitActionIds(~0u, InhibitMode::Block);
    for (auto& id : inhibitActionIds(~0u, InhibitMode::Delay))
        ids.push_back(std::move(id));
    for (PowerAction a : kAllPowerActions) {
        ids.push_back(polkitActionId(a, false));
        ids.push_back(polkitActionId(a, true));
        ids.push_back(polkitIgnoreInhibitActionId(a));
    }
    for (const auto& id : ids)
        EXPECT_NE(policy.find("<action id=\"" + id + "\">"), std::string::npos) << id;
}

} // namespace
} // namespace ck::power
