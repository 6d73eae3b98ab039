// Name tables of the system actions.
#include "power/power_action.h"

#include <array>

namespace ck::power {

std::optional<MethodInfo> powerMethod(std::string_view method)
{
    using K = MethodInfo::Kind;
    struct Row {
        std::string_view name;
        MethodInfo info;
    };
    static constexpr std::array<Row, 14> kRows = {{
        {"Stop", {PowerAction::Stop, K::ActInteractive}},
        {"Restart", {PowerAction::Restart, K::ActInteractive}},
        {"CanStop", {PowerAction::Stop, K::CanBool}},
        {"CanRestart", {PowerAction::Restart, K::CanBool}},
        {"PowerOff", {PowerAction::Stop, K::Act}},
        {"Reboot", {PowerAction::Restart, K::Act}},
        {"Suspend", {PowerAction::Suspend, K::Act}},
        {"Hibernate", {PowerAction::Hibernate, K::Act}},
        {"HybridSleep", {PowerAction::HybridSleep, K::Act}},
        {"CanPowerOff", {PowerAction::Stop, K::CanString}},
        {"CanReboot", {PowerAction::Restart, K::CanString}},
        {"CanSuspend", {PowerAction::Suspend, K::CanString}},
        {"CanHibernate", {PowerAction::Hibernate, K::CanString}},
        {"CanHybridSleep", {PowerAction::HybridSleep, K::CanString}},
    }};
    for (const auto& row : kRows)
        if (row.name == method)
            return row.info;
    return std::nullopt;
}

const char* powerActionName(PowerAction action)
{
    switch (action) {
    case PowerAction::Stop:
        return "stop";
    case PowerAction::Restart:
        return "restart";
    case PowerAction::Suspend:
        return "suspend";
    case PowerAction::Hibernate:
        return "hibernate";
    case PowerAction::HybridSleep:
        return "hybridsleep";
    }
    return "stop";
}

std::string polkitActionId(PowerAction action, bool multipleUsers)
{
    std::string id = std::string("org.freedesktop.consolekit.system.") + powerActionName(action);
    if (multipleUsers)
        id += "-multiple-users";
    return id;
}

std::string polkitIgnoreInhibitActionId(PowerAction action)
{
    return std::string("org.freedesktop.consolekit.system.") + powerActionName(action) + "-ignore-inhibit";
}

std::string scriptName(PowerAction action)
{
    return std::string("ck-system-") + powerActionName(action);
}

const char* powerActionVerb(PowerAction action)
{
    switch (action) {
    case PowerAction::Stop:
        return "power off";
    case PowerAction::Restart:
        return "restart";
    case PowerAction::Suspend:
        return "suspend";
    case PowerAction::Hibernate:
        return "hibernate";
    case PowerAction::HybridSleep:
        return "hybrid-sleep";
    }
    return "power off";
}

bool isSleepAction(PowerAction action)
{
    return action == PowerAction::Suspend || action == PowerAction::Hibernate || action == PowerAction::HybridSleep;
}

} // namespace ck::power
