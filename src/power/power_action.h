// The five system actions (Stop/PowerOff, Restart/Reboot, Suspend, Hibernate, HybridSleep) and
// the names that belong to each: D-Bus methods, polkit action ids, scripts, inhibitor events.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ck::power {

enum class PowerAction { Stop, Restart, Suspend, Hibernate, HybridSleep };

inline constexpr PowerAction kAllPowerActions[]
    = {PowerAction::Stop, PowerAction::Restart, PowerAction::Suspend, PowerAction::Hibernate, PowerAction::HybridSleep};

// Which D-Bus method asks for what. Stop/Restart (0.4.6) take no argument and always allow
// interaction; the ConsoleKit2 methods take the interaction flag; Can* ask without acting.
struct MethodInfo {
    PowerAction action;
    enum class Kind { Act, ActInteractive, CanBool, CanString } kind;
};
std::optional<MethodInfo> powerMethod(std::string_view method);

// "stop", "restart", "suspend", "hibernate", "hybridsleep": the polkit action suffix and the
// script suffix (ck-system-<name>).
const char* powerActionName(PowerAction action);
// "org.freedesktop.consolekit.system.stop" or "...stop-multiple-users".
std::string polkitActionId(PowerAction action, bool multipleUsers);
// "org.freedesktop.consolekit.system.stop-ignore-inhibit", ...: act although a block lock says no.
std::string polkitIgnoreInhibitActionId(PowerAction action);
// "ck-system-stop", ...
std::string scriptName(PowerAction action);
// For messages: "power off", "restart", "suspend", "hibernate", "hybrid-sleep".
const char* powerActionVerb(PowerAction action);
// Sleep actions are announced with PrepareForSleep and held off by "sleep" inhibitors; the
// others with PrepareForShutdown and "shutdown" inhibitors.
bool isSleepAction(PowerAction action);

} // namespace ck::power
