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

namespace {
constexpr gint64 kUserCacheUs = 60 * G_USEC_PER_SEC;
constexpr std::size_t kUserCacheMax = 4096;
} // namespace

bool Authorizer::isRealUser(uid_t uid) const
{
    const gint64 now = g_get_monotonic_time();
    if (auto it = knownUsers_.find(uid); it != knownUsers_.end() && now - it->second.asked < kUserCacheUs)
        return it->second.real;
    if (knownUsers_.size() >= kUserCacheMax)
        knownUsers_.clear();
    const auto name = users_(uid);
    const bool real = name && !isDisplayManagerAccount(*name);
    knownUsers_[uid] = KnownUser{real, now};
    return real;
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
    checkAll({actionIdFor(action)}, caller, allowInteraction,
        [this, action, uid = caller.uid] { return localRule(action, uid); }, std::move(done));
}

void Authorizer::checkAll(std::vector<std::string> ids, const bus::Caller& caller, bool allowInteraction,
    std::function<Result<void>()> withoutPolkit, std::function<void(Result<void>)> done)
{
    if (ids.empty()) {
        done({});
        return;
    }
    const std::string id = ids.front();
    ids.erase(ids.begin());
    polkit_.check(id, caller.busName, allowInteraction,
        [this, id, rest = std::move(ids), caller, allowInteraction, withoutPolkit = std::move(withoutPolkit),
            done = std::move(done)](Result<Authorization> r) mutable {
            if (!r) {
                // Fail closed: a broken authority authorizes nothing.
                log::warning("polkit check of " + id + " failed: " + r.error().message);
                done(Error{ErrorCode::InsufficientPermission, "Not Authorized: " + r.error().message});
                return;
            }
            switch (*r) {
            case Authorization::Authorized:
                checkAll(std::move(rest), caller, allowInteraction, std::move(withoutPolkit), std::move(done));
                return;
            case Authorization::Challenge:
                done(Error{ErrorCode::AuthorizationRequired, "Authorization is required (" + id + ")"});
                return;
            case Authorization::NotAuthorized:
                done(Error{ErrorCode::InsufficientPermission, "Not Authorized (" + id + ")"});
                return;
            case Authorization::NoAuthority:
                done(withoutPolkit());
                return;
            }
        });
}

Result<void> Authorizer::localInhibitRule(unsigned what, InhibitMode mode, uid_t uid) const
{
    if (uid == 0)
        return {};
    const unsigned delayable = kInhibitShutdown | kInhibitSleep;
    if (mode == InhibitMode::Delay && (what & ~delayable) == 0)
        return {}; // delay locks: allow_any
    for (const core::Session* s : manager_.sessionsOfUser(uid))
        if (s->params().isLocal)
            return {};
    return Error{ErrorCode::InsufficientPermission,
        "Not Authorized: polkit is not running, and without it only root or a user with a local session may take a "
            + std::string(inhibitModeName(mode)) + " lock on " + inhibitWhatString(what)};
}

void Authorizer::authorizeInhibit(
    unsigned what, InhibitMode mode, const bus::Caller& caller, std::function<void(Result<void>)> done)
{
    if (caller.uid == 0) {
        done({});
        return;
    }
    // logind asks without interaction: Inhibit is called by programs, not at a prompt.
    checkAll(
        inhibitActionIds(what, mode), caller, false,
        [this, what, mode, uid = caller.uid] { return localInhibitRule(what, mode, uid); }, std::move(done));
}

void Authorizer::authorizeIgnoreInhibit(
    PowerAction action, const bus::Caller& caller, bool allowInteraction, std::function<void(Result<void>)> done)
{
    checkAll(
        {polkitIgnoreInhibitActionId(action)}, caller, allowInteraction,
        [action]() -> Result<void> {
            return Error{ErrorCode::InsufficientPermission,
                std::string("Not Authorized: polkit is not running, and without it only root may ")
                    + powerActionVerb(action) + " the system while another user's lock blocks it"};
        },
        std::move(done));
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
