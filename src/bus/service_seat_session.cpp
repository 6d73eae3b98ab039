// Seat and Session interface methods, and activation: a VT switch that replies once the switch
// is observed (or with an error after a timeout) — exactly one reply per call.
#include <string>

#include "bus/service_private.h"
#include "util/log.h"
#include "util/timestamps.h"

namespace ck::bus {

namespace {
GVariant* sessionPaths(const std::vector<core::Session*>& sessions)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("ao"));
    for (const auto* s : sessions)
        g_variant_builder_add(&b, "o", s->path().c_str());
    return g_variant_new("(ao)", &b);
}
} // namespace

// --- activation ------------------------------------------------------------------------------

void Service::switchToVt(Call& c, unsigned vt)
{
    if (vt_ == nullptr) {
        c.reply.fail(ErrorCode::NotSupported, "No consoles available: the daemon does not control VTs");
        return;
    }
    if (manager_.activeVt() == vt) {
        c.reply.reply();
        return;
    }
    if (auto r = vt_->activate(vt); !r) {
        c.reply.fail(r.error());
        return;
    }
    auto pending = std::make_unique<PendingActivation>();
    pending->reply = std::move(c.reply);
    pending->vt = vt;
    pending->sessionPath = c.path.starts_with("/org/freedesktop/ConsoleKit/Session") ? c.path : std::string();
    PendingActivation* raw = pending.get();
    activations_.push_back(std::move(pending));
    struct Timeout {
        Service* self;
        PendingActivation* pending;
    };
    raw->timeout = SourceId(g_timeout_add_full(
        G_PRIORITY_DEFAULT, options_.activationTimeoutMs,
        [](gpointer data) -> gboolean {
            auto* t = static_cast<Timeout*>(data);
            for (auto it = t->self->activations_.begin(); it != t->self->activations_.end(); ++it) {
                if (it->get() != t->pending)
                    continue;
                (*it)->timeout.forget();
                (*it)->reply.fail(ErrorCode::Failed,
                    "Timed out waiting for the switch to VT " + std::to_string((*it)->vt)
                        + " (another VT was activated?)");
                t->self->activations_.erase(it);
                break;
            }
            return G_SOURCE_REMOVE;
        },
        new Timeout{this, raw}, [](gpointer data) { delete static_cast<Timeout*>(data); }));
}

void Service::activate(Call& c, core::Session& session)
{
    core::Seat* seat = session.seat();
    if (seat == nullptr || seat->kind() != core::SeatKind::Static) {
        c.reply.fail(ErrorCode::NotSupported, "Activation is not supported for this kind of seat");
        return;
    }
    if (!manager_.mayActivateOn(c.caller.uid, *seat)) {
        c.reply.fail(ErrorCode::InsufficientPermission,
            "Not authorized: only root or a user with a session on " + seat->name() + " may switch sessions");
        return;
    }
    auto target = manager_.activationTarget(session);
    if (!target) {
        if (target.error().code == ErrorCode::AlreadyActive)
            c.reply.reply(); // already where the caller wants to be: success (ConsoleKit2)
        else
            c.reply.fail(target.error());
        return;
    }
    // The reply waits for the switch: the Call's path tells settleActivations which session to check.
    c.path = session.path();
    switchToVt(c, *target);
}

void Service::activeVtChanged(unsigned vt)
{
    manager_.setActiveVt(vt);
    settleActivations();
}

void Service::settleActivations()
{
    const unsigned vt = manager_.activeVt();
    for (auto it = activations_.begin(); it != activations_.end();) {
        PendingActivation& p = **it;
        if (p.vt != vt) {
            ++it;
            continue;
        }
        const core::Session* s = p.sessionPath.empty() ? nullptr : manager_.findSession(p.sessionPath);
        if (!p.sessionPath.empty() && (s == nullptr || !s->isActive()))
            p.reply.fail(ErrorCode::Failed, "VT " + std::to_string(vt) + " is active but another session won it");
        else
            p.reply.reply();
        it = activations_.erase(it);
    }
}

// --- seat ------------------------------------------------------------------------------------

core::Seat* Service::seatOf(Call& c)
{
    core::Seat* seat = manager_.findSeat(c.path);
    if (seat == nullptr)
        c.reply.fail(ErrorCode::UnknownObject, "No such seat: " + c.path);
    return seat;
}

void Service::seatGetId(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    c.reply.reply(g_variant_new("(o)", seat->path().c_str()));
}

void Service::seatGetName(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    c.reply.reply(g_variant_new("(s)", seat->name().c_str()));
}

void Service::seatGetSessions(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    c.reply.reply(sessionPaths(seat->sessions()));
}

void Service::seatGetDevices(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ss)"));
    for (const auto& [type, id] : seat->devices())
        g_variant_builder_add(&b, "(ss)", type.c_str(), id.c_str());
    c.reply.reply(g_variant_new("(a(ss))", &b));
}

void Service::seatGetActiveSession(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    if (seat->activeSession() == nullptr) {
        c.reply.fail(ErrorCode::NoActiveSession, "Seat has no active session");
        return;
    }
    c.reply.reply(g_variant_new("(o)", seat->activeSession()->path().c_str()));
}

void Service::seatCanActivateSessions(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    c.reply.reply(g_variant_new("(b)", seat->canActivateSessions()));
}

void Service::seatActivateSession(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    const gchar* path = nullptr;
    g_variant_get(c.params.get(), "(&o)", &path);
    core::Session* s = manager_.findSession(path);
    if (s == nullptr || s->seat() != seat) {
        c.reply.fail(ErrorCode::Failed, std::string("Unknown session id '") + path + "' on " + seat->name());
        return;
    }
    activate(c, *s);
}

void Service::seatSwitchTo(Call& c)
{
    core::Seat* seat = seatOf(c);
    if (seat == nullptr)
        return;
    guint32 vt = 0;
    g_variant_get(c.params.get(), "(u)", &vt);
    if (vt < 1 || vt > 63) {
        c.reply.fail(ErrorCode::InvalidInput, "VT number must be between 1 and 63, not " + std::to_string(vt));
        return;
    }
    if (seat->kind() != core::SeatKind::Static) {
        c.reply.fail(ErrorCode::NotSupported, "Activation is not supported for this kind of seat");
        return;
    }
    for (core::Session* s : seat->sessions())
        if (s->vtnr() == vt) {
            activate(c, *s);
            return;
        }
    if (!manager_.mayActivateOn(c.caller.uid, *seat)) {
        c.reply.fail(ErrorCode::InsufficientPermission,
            "Not authorized: only root or a user with a session on " + seat->name() + " may switch VTs");
        return;
    }
    c.path.clear();
    switchToVt(c, vt);
}

// --- session ---------------------------------------------------------------------------------

core::Session* Service::sessionOf(Call& c)
{
    core::Session* session = manager_.findSession(c.path);
    if (session == nullptr)
        c.reply.fail(ErrorCode::UnknownObject, "No such session: " + c.path);
    return session;
}

void Service::sessionGetter(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    const core::SessionParams& p = session->params();
    const std::string& m = c.method;
    auto str = [&](const std::string& v) { c.reply.reply(g_variant_new("(s)", v.c_str())); };
    if (m == "GetId")
        c.reply.reply(g_variant_new("(o)", session->path().c_str()));
    else if (m == "GetSeatId")
        c.reply.reply(g_variant_new("(o)", session->seat() ? session->seat()->path().c_str() : "/"));
    else if (m == "GetSessionType")
        str(p.sessionType);
    else if (m == "GetSessionClass")
        str(p.sessionClass);
    else if (m == "GetSessionState")
        str(core::sessionStateName(session->state()));
    else if (m == "GetSessionService")
        str(p.sessionService);
    else if (m == "GetUser" || m == "GetUnixUser")
        c.reply.reply(g_variant_new("(u)", p.unixUser));
    else if (m == "GetX11Display")
        str(p.x11Display);
    else if (m == "GetX11DisplayDevice")
        str(p.x11DisplayDevice);
    else if (m == "GetDisplayDevice")
        str(p.displayDevice);
    else if (m == "GetRemoteHostName")
        str(p.remoteHostName);
    else if (m == "GetLoginSessionId")
        str(p.loginSessionId);
    else if (m == "GetVTNr")
        c.reply.reply(g_variant_new("(u)", session->vtnr()));
    else if (m == "IsActive")
        c.reply.reply(g_variant_new("(b)", session->isActive()));
    else if (m == "IsLocal")
        c.reply.reply(g_variant_new("(b)", p.isLocal));
    else if (m == "GetCreationTime")
        str(isoTime(session->creationTime()));
    else if (m == "GetIdleHint")
        c.reply.reply(g_variant_new("(b)", session->idleHint()));
    else
        c.reply.fail(ErrorCode::NotSupported, "Method " + m + " is not supported by this daemon");
}

void Service::sessionGetIdleSinceHint(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    // "" when not idle (0.4.6); ConsoleKit2's error for that normal state broke clients.
    const std::string since = session->idleHint() ? isoTime(session->idleSince()) : std::string();
    c.reply.reply(g_variant_new("(s)", since.c_str()));
}

void Service::sessionGetXdgRuntimeDir(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    if (session->runtimeDir().empty()) {
        c.reply.fail(ErrorCode::Failed, "No XDG_RUNTIME_DIR was created for " + session->id());
        return;
    }
    c.reply.reply(g_variant_new("(s)", session->runtimeDir().c_str()));
}

void Service::sessionActivate(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    activate(c, *session);
}

void Service::sessionLock(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may lock sessions");
        return;
    }
    manager_.lock(*session);
    c.reply.reply();
}

void Service::sessionUnlock(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    if (c.caller.uid != 0) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only root may unlock sessions");
        return;
    }
    manager_.unlock(*session);
    c.reply.reply();
}

void Service::sessionSetIdleHint(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    gboolean idle = FALSE;
    g_variant_get(c.params.get(), "(b)", &idle);
    if (c.caller.uid != session->params().unixUser) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only session owner may set idle hint state");
        return;
    }
    manager_.setIdleHint(*session, idle != FALSE);
    c.reply.reply();
}

void Service::sessionSetLockedHint(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    gboolean locked = FALSE;
    g_variant_get(c.params.get(), "(b)", &locked);
    if (c.caller.uid != session->params().unixUser) {
        c.reply.fail(ErrorCode::InsufficientPermission, "Only session owner may set locked hint state");
        return;
    }
    manager_.setLockedHint(*session, locked != FALSE);
    c.reply.reply();
}

void Service::sessionControl(Call& c)
{
    core::Session* session = sessionOf(c);
    if (session == nullptr)
        return;
    if (devices_ != nullptr) {
        devices_->handle(c.method, *session, c.sender, c.caller, c.params.get(), c.reply);
        return;
    }
    if (c.method == "CanControlSession") {
        c.reply.reply(g_variant_new("(b)", FALSE));
        return;
    }
    // Like ConsoleKit2 built without a device backend: seatd/logind-style device control is not offered.
    c.reply.fail(ErrorCode::NotSupported, "Server managed devices not supported");
}

} // namespace ck::bus
