// Who may power off, restart or suspend: polkit when an authority is on the bus (with the
// "-multiple-users" action ids once several real users have sessions), else a built-in rule —
// root always; otherwise only the user of the active local session, and only while no other
// user has a session.
//
// Who may take an inhibitor lock (issue 18.6; logind's rules, in our action namespace):
//   org.freedesktop.consolekit.inhibit-block-shutdown / -delay-shutdown / -block-sleep /
//   -delay-sleep / -block-idle / -handle-power-key / -handle-suspend-key /
//   -handle-hibernate-key / -handle-lid-switch (logind: org.freedesktop.login1.inhibit-*),
// one check per kind the lock names, all of which must pass, without interaction. Root always
// (logind: CAP_SYS_BOOT). Without polkit, the defaults of those actions: a delay lock anyone
// (allow_any=yes); a block or handle-* lock only a user with a local session of their own,
// active or not (allow_any=no, allow_inactive=yes, allow_active=yes).
// Who may override another user's block lock: root; else polkit's
// org.freedesktop.consolekit.system.<action>-ignore-inhibit (logind: power-off-ignore-inhibit, …),
// asked with the call's interaction flag; without polkit nobody but root.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bus/caller.h"
#include "core/manager.h"
#include "power/inhibitors.h"
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

    // A uid with a passwd entry that is not a display-manager account (root counts). The passwd
    // look-up (NSS: files, or LDAP over the network) runs on the main loop, so its answer is kept
    // per uid for a minute: one user's many sessions cost one look-up, not one per session and
    // per authorization (issue 18.7).
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

    // May the caller take this inhibitor lock? Root is answered at once, anybody else later.
    void authorizeInhibit(
        unsigned what, InhibitMode mode, const bus::Caller& caller, std::function<void(Result<void>)> done);
    // The rule for inhibitor locks without polkit.
    Result<void> localInhibitRule(unsigned what, InhibitMode mode, uid_t uid) const;
    // May the caller act although another user's block lock says no? (Root: decided by the caller.)
    void authorizeIgnoreInhibit(
        PowerAction action, const bus::Caller& caller, bool allowInteraction, std::function<void(Result<void>)> done);

private:
    // Checks `ids` one after another; the first that is not authorized decides. `withoutPolkit`
    // answers when there is no authority.
    void checkAll(std::vector<std::string> ids, const bus::Caller& caller, bool allowInteraction,
        std::function<Result<void>()> withoutPolkit, std::function<void(Result<void>)> done);

    struct KnownUser {
        bool real = false;
        gint64 asked = 0; // monotonic µs
    };

    core::Manager& manager_;
    UserLookup users_;
    mutable std::unordered_map<uid_t, KnownUser> knownUsers_;
    Polkit polkit_;
};

} // namespace ck::power
