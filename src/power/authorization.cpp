// Authorization of the system actions: polkit, or the built-in rule without it.
#include "power/authorization.h"

#include <pwd.h>

#include <array>
#include <vector>

#include "util/log.h"

namespace ck::power {

const char* answerName(Answer answer)
{
    switch (answer) {
    case Answer::Yes:
        return "yes";
    case Answer::No:
        return "no";
    case Answer::Challenge:
        return "challenge";
    }
    return "no";
}

UserLookup systemUserLookup()
{
    return [](uid_t uid) -> std::optional<std::string> {
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16384);
        if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
            return std::nullopt;
        return std::string(found->pw_name);
    };
}

bool isDisplayManagerAccount(std::string_view name)
{
    static constexpr std::array<std::string_view, 7> kNames
        = {"gdm", "_gdm", "sddm", "_sddm", "kdm", "_kdm", "lightdm"};
    for (auto n : kNames)
        if (n == name)
            return true;
    return false;
}

Authorizer::Authorizer(core::Manager& manager, GDBusConnection* connection, UserLookup users)
    : manager_(manager), users_(std::move(users)), polkit_(connection)
{ }

bool Authorizer::isRealUser(uid_t uid) const
{
    const auto name = users_(uid);
    return name && !isDisplayManagerAccount(*name);
}

bool Authorizer::multipleUsers() const
{
    return manager_.distinctUsers([this](uid_t uid) { return isRealUser(uid); }) > 1;
}

std::string Authorizer::actionIdFor(PowerAction action) const
{
    return polkitActionId(action, multipleUsers());
}

Result<void> Authorizer::localRule(PowerAction action, uid_t uid) const
{
    if (uid == 0)
        return {};
    const std::string verb = powerActionVerb(action);
    const core::Seat* console = manager_.consoleSeat();
    const core::Session* active = console != nullptr ? console->activeSession() : nullptr;
    if (active == nullptr || active->params().unixUser != uid || !active->params().isLocal)
        return Error{ErrorCode::InsufficientPermission,
            "Not Authorized: polkit is not running, and without it only root or the user of the active "
            "local session may "
                + verb + " the system"};
    const bool others = manager_.distinctUsers([&](uid_t u) { return u != uid && isRealUser(u); }) > 0;
    if (others)
        return Error{ErrorCode::InsufficientPermission,
            "Not Authorized: polkit is not running and other users are logged in; only root may " + verb
                + " the system now"};
    return {};
}

void Authorizer::authorize(
    PowerAction action, const bus::Caller& caller, bool allowInteraction, std::function<void(Result<void>)> done)
{
    const std::string id = actionIdFor(action);
    polkit_.check(id, caller.busName, allowInteraction,
        [this, action, id, uid = caller.uid, done = std::move(done)](Result<Authorization> r) {
            if (!r) {
                log::warning("polkit check of " + id + " failed: " + r.error().message);
                done(Error{ErrorCode::InsufficientPermission, "Not Authorized: " + r.error().message});
                return;
            }
            switch (*r) {
            case Authorization::Authorized:
                done({});
                return;
            case Authorization::Challenge:
                done(Error{ErrorCode::AuthorizationRequired, "Authorization is required (" + id + ")"});
                return;
            case Authorization::NotAuthorized:
                done(Error{ErrorCode::InsufficientPermission, "Not Authorized (" + id + ")"});
                return;
            case Authorization::NoAuthority:
                done(localRule(action, uid));
                return;
            }
        });
}

void Authorizer::query(PowerAction action, const bus::Caller& caller, std::function<void(Result<Answer>)> done)
{
    const std::string id = actionIdFor(action);
    polkit_.check(id, caller.busName, false,
        [this, action, id, uid = caller.uid, done = std::move(done)](Result<Authorization> r) {
            if (!r) {
                log::warning("polkit check of " + id + " failed: " + r.error().message);
                done(Error{ErrorCode::Failed, "polkit failed to check " + id + ": " + r.error().message});
                return;
            }
            switch (*r) {
            case Authorization::Authorized:
                done(Answer::Yes);
                return;
            case Authorization::Challenge:
                done(Answer::Challenge);
                return;
            case Authorization::NotAuthorized:
                done(Answer::No);
                return;
            case Authorization::NoAuthority:
                done(localRule(action, uid) ? Answer::Yes : Answer::No);
                return;
            }
        });
}

} // namespace ck::power
