// Manager interface methods (0.4.6 and the ConsoleKit2 session/seat additions).
#include <pwd.h>

#include <map>
#include <string>

#include "bus/collect.h"
#include "bus/parameters.h"
#include "bus/service_private.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::bus {

namespace {
GVariant* pathArray(const std::vector<core::Session*>& sessions)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("ao"));
    for (const auto* s : sessions)
        g_variant_builder_add(&b, "o", s->path().c_str());
    return g_variant_new("(ao)", &b);
}

std::string userName(uid_t uid)
{
    passwd pw{};
    passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
        return found->pw_name;
    return {};
}

const char* stringArg(GVariant* params, std::size_t index)
{
    const gchar* s = nullptr;
    VariantPtr child(g_variant_get_child_value(params, index));
    s = g_variant_get_string(child.get(), nullptr);
    return s; // owned by params, which outlives the call
}
} // namespace

void Service::finishOpen(Call& c, core::SessionParams params, unsigned long long pidStartTime)
{
    core::Leader leader{c.caller.uid, c.caller.pid, c.sender, pidStartTime};
    auto session = manager_.openSession(std::move(params), std::move(leader));
    if (!session) {
        c.reply.fail(session.error());
        return;
    }
    log::debug("opened " + (*session)->id() + " for uid " + std::to_string(c.caller.uid) + " (" + c.sender + ")");
    replyAfterCommit(c, g_variant_new("(s)", (*session)->cookie().c_str()));
}

bool Service::admitOpen(Call& c)
{
    // Root (display managers, PAM) is not rate-limited; the session caps still apply to it.
    if (c.caller.uid == 0 || openLimiter_.admit(c.caller.uid, monotonicNow()))
        return true;
    c.reply.fail(ErrorCode::Busy,
        "Too many sessions opened by user " + std::to_string(c.caller.uid) + " in a short time; try again later");
    return false;
}

void Service::replyAfterCommit(Call& c, GVariant* value)
{
    if (!commit_) {
        c.reply.reply(value);
        return;
    }
    auto reply = std::make_shared<PendingReply>(std::move(c.reply));
    auto body = std::make_shared<VariantPtr>(takeVariant(value));
    commit_([reply, body] { reply->reply(body->get()); });
}

void Service::openSession(Call& c)
{
    if (!admitOpen(c))
        return;
    auto collected = collectSessionInfo(proc_, c.caller, options_.x11SocketDir);
    if (!collected) {
        c.reply.fail(collected.error());
        return;
    }
    core::SessionParams params = std::move(collected->params);
    // 0.4.6's rule: a local session with the same audit login session id vouches for locality.
    // The collector leaves isLocal false; a TCP display can never become local this way.
    const bool tcpDisplay
        = !params.x11Display.empty() && params.x11Display.front() != ':' && !params.x11Display.starts_with("unix:");
    params.isLocal = !tcpDisplay && manager_.localityVouchedFor(params.loginSessionId, params.unixUser);
    finishOpen(c, std::move(params), collected->pidStartTime);
}

void Service::openSessionWithParameters(Call& c)
{
    // Root only, in code as well as in the bus policy (ConsoleKit2 2.0 let anybody forge sessions).
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may open a session with parameters");
        return;
    }
    core::SessionParams base;
    base.unixUser = c.caller.uid;
    unsigned long long pidStartTime = 0;
    if (auto collected = collectSessionInfo(proc_, c.caller, options_.x11SocketDir)) {
        base = std::move(collected->params);
        pidStartTime = collected->pidStartTime;
    }
    VariantPtr list(g_variant_get_child_value(c.params.get(), 0));
    auto parsed = parseParameters(list.get(), std::move(base));
    if (!parsed) {
        c.reply.fail(parsed.error());
        return;
    }
    core::SessionParams params = std::move(parsed->params);
    if (!parsed->given.contains("is-local"))
        params.isLocal = manager_.localityVouchedFor(params.loginSessionId, params.unixUser);
    finishOpen(c, std::move(params), pidStartTime);
}

void Service::closeSession(Call& c)
{
    auto r = manager_.closeSession(stringArg(c.params.get(), 0), c.caller.uid, c.caller.pid);
    if (!r) {
        c.reply.fail(r.error());
        return;
    }
    replyAfterCommit(c, g_variant_new("(b)", TRUE));
}

void Service::getSeats(Call& c)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("ao"));
    for (const auto* seat : manager_.seats())
        g_variant_builder_add(&b, "o", seat->path().c_str());
    c.reply.reply(g_variant_new("(ao)", &b));
}

void Service::getSessions(Call& c)
{
    // Marshalling 1000 object paths is most of this call's cost: build the reply once per change.
    if (!sessionsReply_)
        sessionsReply_ = takeVariant(pathArray(manager_.sessions()));
    c.reply.reply(sessionsReply_.get());
}

void Service::listSeats(Call& c)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(so)"));
    for (const auto* seat : manager_.seats())
        g_variant_builder_add(&b, "(so)", seat->name().c_str(), seat->path().c_str());
    c.reply.reply(g_variant_new("(a(so))", &b));
}

void Service::listSessions(Call& c)
{
    // Root only, as in ConsoleKit2 (its bus policy leaves ListSessions out of the allow list) and
    // as our policy says: checked here too, so that a looser bus policy does not hand every
    // user the list of who is logged in where with their names (issue 18.7). Everybody may still
    // enumerate session paths with GetSessions, as in 0.4.6.
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may list sessions with ListSessions");
        return;
    }
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(susso)"));
    std::map<uid_t, std::string> names; // one passwd look-up per user, not per session
    for (const auto* s : manager_.sessions()) {
        const uid_t uid = s->params().unixUser;
        auto it = names.find(uid);
        if (it == names.end())
            it = names.emplace(uid, userName(uid)).first;
        const std::string& user = it->second;
        g_variant_builder_add(&b, "(susso)", s->id().c_str(), s->params().unixUser, user.c_str(),
            s->seat() ? s->seat()->name().c_str() : "", s->path().c_str());
    }
    c.reply.reply(g_variant_new("(a(susso))", &b));
}

void Service::getSession(Call& c)
{
    const char* id = stringArg(c.params.get(), 0);
    auto* s = manager_.findSession(id);
    if (s == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Unable to find session for ID '") + id + "'");
        return;
    }
    c.reply.reply(g_variant_new("(o)", s->path().c_str()));
}

void Service::getSessionForCookie(Call& c)
{
    auto* s = manager_.findSessionByCookie(stringArg(c.params.get(), 0));
    if (s == nullptr) {
        c.reply.fail(ErrorCode::Failed, "Unable to find session for cookie");
        return;
    }
    c.reply.reply(g_variant_new("(o)", s->path().c_str()));
}

void Service::sessionForPid(Call& c, pid_t pid, unsigned long long startTime)
{
    if (pid <= 1) {
        c.reply.fail(ErrorCode::InvalidInput, "pid must be > 1");
        return;
    }
    auto fail = [&](const std::string& why) {
        c.reply.fail(ErrorCode::Failed,
            "Unable to lookup session information for process '" + std::to_string(pid) + "': " + why);
    };
    // The environment must be the one of the process that was meant: the same incarnation of the
    // pid before and after it is read (a pid reused in between has another start time).
    if (startTime == 0) {
        auto before = proc_.startTime(pid);
        if (!before) {
            fail(before.error().message);
            return;
        }
        startTime = *before;
    }
    auto cookie = proc_.environValue(pid, "XDG_SESSION_COOKIE");
    if (!cookie) {
        fail(cookie.error().message);
        return;
    }
    auto after = proc_.startTime(pid);
    if (!after || *after != startTime) {
        fail("the process exited or its pid was reused");
        return;
    }
    core::Session* s = cookie->has_value() ? manager_.findSessionByCookie(**cookie) : nullptr;
    if (s == nullptr) {
        c.reply.fail(ErrorCode::Failed, "Process '" + std::to_string(pid) + "' does not belong to any session");
        return;
    }
    c.reply.reply(g_variant_new("(o)", s->path().c_str()));
}

void Service::getSessionForUnixProcess(Call& c)
{
    guint32 pid = 0;
    g_variant_get(c.params.get(), "(u)", &pid);
    if (pid > static_cast<guint32>(G_MAXINT32)) {
        c.reply.fail(ErrorCode::InvalidInput, "pid " + std::to_string(pid) + " is out of range");
        return;
    }
    sessionForPid(c, static_cast<pid_t>(pid), 0);
}

void Service::getCurrentSession(Call& c)
{
    // The caller's pid must still be the caller: else a reused pid answers with another user's session.
    auto process = callerProcess(proc_, c.caller);
    if (!process) {
        c.reply.fail(process.error());
        return;
    }
    sessionForPid(c, c.caller.pid, process->startTime);
}

void Service::getSessionsForUnixUser(Call& c)
{
    guint32 uid = 0;
    g_variant_get(c.params.get(), "(u)", &uid);
    c.reply.reply(pathArray(manager_.sessionsOfUser(uid)));
}

void Service::getSystemIdleHint(Call& c)
{
    c.reply.reply(g_variant_new("(b)", manager_.systemIdleHint()));
}

void Service::getSystemIdleSinceHint(Call& c)
{
    const std::string since = manager_.systemIdleHint() ? isoTime(manager_.systemIdleSince()) : std::string();
    c.reply.reply(g_variant_new("(s)", since.c_str()));
}

void Service::managerActivateSession(Call& c)
{
    const char* id = stringArg(c.params.get(), 0);
    auto* s = manager_.findSession(id);
    if (s == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Invalid session '") + id + "'");
        return;
    }
    activate(c, *s);
}

void Service::managerActivateSessionOnSeat(Call& c)
{
    const char* id = stringArg(c.params.get(), 0);
    const char* seatId = stringArg(c.params.get(), 1);
    auto* s = manager_.findSession(id);
    if (s == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Invalid session '") + id + "'");
        return;
    }
    auto* seat = manager_.findSeat(seatId);
    if (seat == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Invalid seat '") + seatId + "'");
        return;
    }
    if (s->seat() != seat) {
        c.reply.fail(ErrorCode::InvalidInput, s->id() + " is not on seat " + seat->name());
        return;
    }
    activate(c, *s);
}

void Service::managerLockSession(Call& c)
{
    const char* id = stringArg(c.params.get(), 0);
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may lock sessions");
        return;
    }
    auto* s = manager_.findSession(id);
    if (s == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Invalid session '") + id + "'");
        return;
    }
    manager_.lock(*s);
    c.reply.reply();
}

void Service::managerUnlockSession(Call& c)
{
    const char* id = stringArg(c.params.get(), 0);
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may unlock sessions");
        return;
    }
    auto* s = manager_.findSession(id);
    if (s == nullptr) {
        c.reply.fail(ErrorCode::InvalidInput, std::string("Invalid session '") + id + "'");
        return;
    }
    manager_.unlock(*s);
    c.reply.reply();
}

} // namespace ck::bus
