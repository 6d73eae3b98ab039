// Who may power off, restart or suspend: polkit when an authority is on the bus (with the
// "-multiple-users" action ids once several real users have sessions), else a built-in rule —
// root always; otherwise only the user of the active local session, and only while no other
// user has a session.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bus/caller.h"
#include "core/manager.h"
#include "power/polkit.h"
#include "power/power_action.h"
#include "util/result.h"

namespace ck::power {

// What Can* reports when the machine can do it at all.
enum class Answer { Yes, No, Challenge };
const char* answerName(Answer answer); // "yes", "no", "challenge"

// The login name of a uid, nullopt without a passwd entry.
using UserLookup = std::function<std::optional<std::string>(uid_t)>;
UserLookup systemUserLookup();

// Display-manager accounts (gdm, _gdm, sddm, _sddm, kdm, _kdm, lightdm): their greeter
// sessions do not make a machine "multi-user".
bool isDisplayManagerAccount(std::string_view name);

class Authorizer {
public:
    Authorizer(core::Manager& manager, GDBusConnection* connection, UserLookup users = systemUserLookup());
    Authorizer(const Authorizer&) = delete;
    Authorizer& operator=(const Authorizer&) = delete;

    // A uid with a passwd entry that is not a display-manager account (root counts).
    bool isRealUser(uid_t uid) const;
    // More than one real user has a session: the "-multiple-users" action ids apply.
    bool multipleUsers() const;
    // The polkit action id the action would be checked against right now.
    std::string actionIdFor(PowerAction action) const;

    // May the caller do it now? The error is what the method replies. Calls back later, never
    // synchronously, and never after the Authorizer is gone.
    void authorize(
        PowerAction action, const bus::Caller& caller, bool allowInteraction, std::function<void(Result<void>)> done);
    // Can* (without interaction): yes/no/challenge; an error only when polkit failed.
    void query(PowerAction action, const bus::Caller& caller, std::function<void(Result<Answer>)> done);

    // The rule without polkit.
    Result<void> localRule(PowerAction action, uid_t uid) const;

private:
    core::Manager& manager_;
    UserLookup users_;
    Polkit polkit_;
};

} // namespace ck::power
