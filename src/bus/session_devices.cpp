// SessionDevices: device control on the ConsoleKit Session interface.
#include "bus/session_devices.h"

#include <gio/gunixfdlist.h>

#include "util/log.h"

namespace ck::bus {

namespace {
constexpr const char* kSessionIface = "org.freedesktop.ConsoleKit.Session";
} // namespace

SessionDevices::SessionDevices(Service& service, core::Manager& manager, device::DeviceOps& ops, device::VtOps* vts)
    : service_(service), manager_(manager), control_(ops, vts, *this)
{
    connections_.push_back(manager_.sessionRemoved.connect([this](core::Session& s) {
        control_.sessionClosed(s.path());
        recordChange();
    }));
    // Service watches every unique name that leaves the bus (NameOwnerChanged, subscribed before
    // any call is served): a controller that goes ends its control, as a ReleaseControl would.
    connections_.push_back(service_.nameVanished.connect([this](const std::string& name) {
        if (!name.empty() && name[0] == ':')
            control_.nameVanished(name);
        recordChange();
    }));
    service_.setDeviceHandler(this);
}

SessionDevices::~SessionDevices()
{
    *alive_ = false;
    service_.setDeviceHandler(nullptr);
    control_.shutdown(); // devices closed and VTs restored while the timers still exist
}

device::SessionInfo SessionDevices::infoOf(const core::Session& s) const
{
    device::SessionInfo info;
    info.id = s.path();
    info.owner = s.params().unixUser;
    info.seat = s.seat() != nullptr ? s.seat()->name() : std::string();
    // Only the console seat has VTs; a VT number elsewhere is a display device, not ours to set up.
    info.vtnr = s.seat() != nullptr && s.seat() == manager_.consoleSeat() ? s.vtnr() : 0;
    info.active = s.isActive();
    return info;
}

void SessionDevices::handle(const std::string& method, core::Session& session, const std::string& sender,
    const Caller& caller, GVariant* parameters, PendingReply& reply)
{
    const std::string& path = session.path();
    if (method == "CanControlSession") {
        const bool can = infoOf(session).vtnr > 0 || (session.seat() != nullptr && !session.seat()->devices().empty());
        reply.reply(g_variant_new("(b)", can));
        return;
    }
    if (method == "TakeControl") {
        gboolean force = FALSE;
        g_variant_get(parameters, "(b)", &force);
        if (auto r = control_.takeControl(infoOf(session), sender, caller.uid, force != FALSE); !r) {
            reply.fail(r.error());
            return;
        }
        recordChange();
        reply.reply();
        checkStillThere(sender);
        return;
    }
    if (method == "ReleaseControl") {
        if (auto r = control_.releaseControl(path, sender); !r) {
            reply.fail(r.error());
        } else {
            recordChange();
            reply.reply();
        }
        return;
    }
    guint32 major = 0, minor = 0;
    g_variant_get(parameters, "(uu)", &major, &minor);
    if (method == "TakeDevice") {
        auto r = control_.takeDevice(path, sender, major, minor);
        if (!r) {
            reply.fail(r.error());
            return;
        }
        // The list duplicates the fd: the daemon's own copy stays open for later pauses (ConsoleKit2
        // handed its own fd over and then revoked whatever reused the number).
        ObjectPtr<GUnixFDList> fds(g_unix_fd_list_new());
        GError* raw = nullptr;
        const gint index = g_unix_fd_list_append(fds.get(), r->fd, &raw);
        ErrorPtr error(raw);
        if (index < 0) {
            (void)control_.releaseDevice(path, sender, major, minor);
            recordChange();
            reply.fail(ErrorCode::Failed, std::string("Cannot pass the device: ") + error->message);
            return;
        }
        recordChange();
        reply.replyWithFd(g_variant_new("(hb)", index, r->inactive), fds.get());
        return;
    }
    Result<void> r = method == "ReleaseDevice" ? control_.releaseDevice(path, sender, major, minor)
        : method == "PauseDeviceComplete"
        ? control_.pauseDeviceComplete(path, sender, major, minor)
        : Result<void>(ErrorCode::NotSupported, "Method " + method + " is not supported by this daemon");
    if (!r) {
        reply.fail(r.error());
        return;
    }
    if (method == "ReleaseDevice")
        recordChange();
    reply.reply();
}

void SessionDevices::sessionActiveChanged(core::Session& session, bool active)
{
    control_.sessionActiveChanged(session.path(), active);
}

void SessionDevices::checkStillThere(const std::string& name)
{
    struct Check {
        SessionDevices* self;
        std::weak_ptr<bool> alive;
        std::string name;
    };
    g_dbus_connection_call(
        service_.connection(), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner",
        g_variant_new("(s)", name.c_str()), G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, nullptr,
        [](GObject* source, GAsyncResult* result, gpointer data) {
            std::unique_ptr<Check> check(static_cast<Check*>(data));
            GError* raw = nullptr;
            VariantPtr owner(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
            ErrorPtr error(raw);
            auto alive = check->alive.lock();
            if (!alive || !*alive || owner)
                return;
            log::debug("controller " + check->name + " left before its TakeControl was answered");
            check->self->control_.nameVanished(check->name);
            check->self->recordChange();
        },
        new Check{this, alive_, name});
}

// --- signals ---------------------------------------------------------------------------------

void SessionDevices::pauseDevice(
    const std::string& session, const std::string& controller, unsigned major, unsigned minor, const char* type)
{
    // Unicast: only the controller hears about its devices.
    GError* raw = nullptr;
    if (!g_dbus_connection_emit_signal(service_.connection(), controller.c_str(), session.c_str(), kSessionIface,
            "PauseDevice", g_variant_new("(uus)", major, minor, type), &raw)) {
        ErrorPtr error(raw);
        log::warning("cannot send PauseDevice to " + controller + ": " + error->message);
    }
}

void SessionDevices::resumeDevice(
    const std::string& session, const std::string& controller, unsigned major, unsigned minor, int fd)
{
    // g_dbus_connection_emit_signal cannot carry fds: a signal message with an fd list, unicast.
    ObjectPtr<GUnixFDList> fds(g_unix_fd_list_new());
    GError* raw = nullptr;
    const gint index = g_unix_fd_list_append(fds.get(), fd, &raw); // a duplicate
    ErrorPtr error(raw);
    if (index < 0) {
        log::warning("cannot pass a resumed device to " + controller + ": " + error->message);
        return;
    }
    ObjectPtr<GDBusMessage> msg(g_dbus_message_new_signal(session.c_str(), kSessionIface, "ResumeDevice"));
    g_dbus_message_set_destination(msg.get(), controller.c_str());
    g_dbus_message_set_body(msg.get(), g_variant_new("(uuh)", major, minor, index));
    g_dbus_message_set_unix_fd_list(msg.get(), fds.get());
    raw = nullptr;
    if (!g_dbus_connection_send_message(
            service_.connection(), msg.get(), G_DBUS_SEND_MESSAGE_FLAGS_NONE, nullptr, &raw)) {
        ErrorPtr sendError(raw);
        log::warning("cannot send ResumeDevice to " + controller + ": " + sendError->message);
    }
}

void SessionDevices::activeChanged(const std::string& session, bool active)
{
    GDBusConnection* c = service_.connection();
    g_dbus_connection_emit_signal(
        c, nullptr, session.c_str(), kSessionIface, "ActiveChanged", g_variant_new("(b)", active), nullptr);
    GVariantBuilder changed;
    g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&changed, "{sv}", "active", g_variant_new_boolean(active));
    g_dbus_connection_emit_signal(c, nullptr, session.c_str(), "org.freedesktop.DBus.Properties", "PropertiesChanged",
        g_variant_new("(sa{sv}as)", kSessionIface, &changed, nullptr), nullptr);
}

void SessionDevices::armPauseTimer(const std::string& session, unsigned ms)
{
    struct Timer {
        SessionDevices* self;
        std::string session;
    };
    pauseTimers_[session] = SourceId(g_timeout_add_full(
        G_PRIORITY_DEFAULT, ms,
        [](gpointer data) -> gboolean {
            auto* t = static_cast<Timer*>(data);
            if (auto it = t->self->pauseTimers_.find(t->session); it != t->self->pauseTimers_.end()) {
                it->second.forget();
                t->self->pauseTimers_.erase(it);
            }
            t->self->control_.pauseTimerFired(t->session);
            return G_SOURCE_REMOVE;
        },
        new Timer{this, session}, [](gpointer data) { delete static_cast<Timer*>(data); }));
}

void SessionDevices::cancelPauseTimer(const std::string& session)
{
    pauseTimers_.erase(session);
}

void SessionDevices::pauseCompleted(const std::string& session)
{
    // ConsoleKit switches only between VT sessions, which never ask ("force" only); the "pause"
    // protocol serves seats without VTs (login1, issue 9).
    log::debug("all devices of " + session + " paused");
}

} // namespace ck::bus
