// The name tables of the system actions: methods, polkit ids, scripts.
#include <gtest/gtest.h>

#include <set>

#include "power/power_action.h"

namespace ck::power {
namespace {

TEST(ThePowerMethodTable, MapsEveryMethodOfTheInterfaceToItsAction)
{
    using K = MethodInfo::Kind;
    struct Row {
        const char* method;
        PowerAction action;
        K kind;
    };
    const Row rows[] = {
        {"Stop", PowerAction::Stop, K::ActInteractive},
        {"Restart", PowerAction::Restart, K::ActInteractive},
        {"CanStop", PowerAction::Stop, K::CanBool},
        {"CanRestart", PowerAction::Restart, K::CanBool},
        {"PowerOff", PowerAction::Stop, K::Act},
        {"Reboot", PowerAction::Restart, K::Act},
        {"Suspend", PowerAction::Suspend, K::Act},
        {"Hibernate", PowerAction::Hibernate, K::Act},
        {"HybridSleep", PowerAction::HybridSleep, K::Act},
        {"CanPowerOff", PowerAction::Stop, K::CanString},
        {"CanReboot", PowerAction::Restart, K::CanString},
        {"CanSuspend", PowerAction::Suspend, K::CanString},
        {"CanHibernate", PowerAction::Hibernate, K::CanString},
        {"CanHybridSleep", PowerAction::HybridSleep, K::CanString},
    };
    for (const auto& row : rows) {
        auto info = powerMethod(row.method);
        ASSERT_TRUE(info.has_value()) << row.method;
        EXPECT_EQ(info->action, row.action) << row.method;
        EXPECT_EQ(info->kind, row.kind) << row.method;
    }
    EXPECT_FALSE(powerMethod("Inhibit").has_value());
    EXPECT_FALSE(powerMethod("suspend").has_value());
}

TEST(ThePolkitActionIds, AreTheOnesTheShippedPolicyDeclares)
{
    EXPECT_EQ(polkitActionId(PowerAction::Stop, false), "org.freedesktop.consolekit.system.stop");
    EXPECT_EQ(polkitActionId(PowerAction::Restart, true), "org.freedesktop.consolekit.system.restart-multiple-users");
    EXPECT_EQ(polkitActionId(PowerAction::HybridSleep, false), "org.freedesktop.consolekit.system.hybridsleep");
    std::set<std::string> ids;
    for (auto a : kAllPowerActions) {
        ids.insert(polkitActionId(a, false));
        ids.insert(polkitActionId(a, true));
    }
    EXPECT_EQ(ids.size(), 10u);
}

TEST(TheScriptNames, FollowTheCkSystemPattern)
{
    EXPECT_EQ(scriptName(PowerAction::Stop), "ck-system-stop");
    EXPECT_EQ(scriptName(PowerAction::Restart), "ck-system-restart");
    EXPECT_EQ(scriptName(PowerAction::Suspend), "ck-system-suspend");
    EXPECT_EQ(scriptName(PowerAction::Hibernate), "ck-system-hibernate");
    EXPECT_EQ(scriptName(PowerAction::HybridSleep), "ck-system-hybridsleep");
}

TEST(TheSleepActions, AreSuspendHibernateAndHybridSleep)
{
    EXPECT_FALSE(isSleepAction(PowerAction::Stop));
    EXPECT_FALSE(isSleepAction(PowerAction::Restart));
    EXPECT_TRUE(isSleepAction(PowerAction::Suspend));
    EXPECT_TRUE(isSleepAction(PowerAction::Hibernate));
    EXPECT_TRUE(isSleepAction(PowerAction::HybridSleep));
}

} // namespace
} // namespace ck::power
