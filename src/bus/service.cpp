// Service: subtree registration, dispatch, properties and signal emission.
#include "bus/service.h"

#include <cstring>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "bus/call.h"
#include "bus/service_private.h"
#include "bus/interfaces.h"
#include "util/log.h"

namespace ck::bus {

namespace {
constexpr const char* kRoot = "/org/freedesktop/ConsoleKit";
constexpr const char* kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
constexpr const char* kManagerIface = "org.freedesktop.ConsoleKit.Manager";
constexpr const char* kSeatIface = "org.freedesktop.ConsoleKit.Seat";
constexpr const char* kSessionIface = "org.freedesktop.ConsoleKit.Session";

enum class NodeKind { None, Manager, Seat, Session };

NodeKind nodeKind(std::string_view node)
{
    if (node == "Manager")
        return NodeKind::Manager;
    if (node.starts_with("Session"))
        return NodeKind::Session;
    if (node.starts_with("Seat"))
        return NodeKind::Seat;
    return NodeKind::None;
}
} // namespace

const GDBusSubtreeVTable Service::kSubtreeVTable = {&Service::enumerate, &Service::introspect, &Service::dispatch, {}};
const GDBusInterfaceVTable Service::kInterfaceVTable = {&Service::onMethodCall, &Service::onGetProperty, nullptr, {}};

Service::Service(
    GDBusConnection* connection, core::Manager& manager, const procfs::ProcReader& proc, ServiceOptions options)
    : connection_(connection),
      manager_(manager),
      proc_(proc),
      options_(std::move(options)),
      callers_(connection),
      openLimiter_(options_.openSessionRate, options_.openSessionBurst)
{
    connectCoreSignals();
}

Service::~Service()
{
    *alive_ = false;
    activations_.clear(); // replies "abandoned" to every waiting activation
    unregisterObjects();
}

void Service::unregisterObjects()
{
    if (nameWatch_ != 0)
        g_dbus_connection_signal_unsubscribe(connection_, std::exchange(nameWatch_, 0));
    if (registration_ != 0)
        g_dbus_connection_unregister_subtree(connection_, std::exchange(registration_, 0));
}

Result<void> Service::registerObjects()
{
    GError* raw = nullptr;
    // DISPATCH_TO_UNENUMERATED_NODES: GDBus would otherwise enumerate every node on every call
    // (O(sessions) per call); introspect() answers for existing nodes only instead.
    registration_ = g_dbus_connection_register_subtree(
        connection_, kRoot, &kSubtreeVTable, G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES, this, nullptr, &raw);
    ErrorPtr error(raw);
    if (registration_ == 0)
        return Error{ErrorCode::Failed, std::string("cannot register objects: ") + error->message};
    nameWatch_ = g_dbus_connection_signal_subscribe(connection_, "org.freedesktop.DBus", "org.freedesktop.DBus",
        "NameOwnerChanged", "/org/freedesktop/DBus", nullptr, G_DBUS_SIGNAL_FLAGS_NONE, &Service::onNameOwnerChanged,
        this, nullptr);
    return {};
}

// --- subtree ---------------------------------------------------------------------------------

gchar** Service::enumerate(GDBusConnection*, const gchar*, const gchar*, gpointer data)
{
    auto* self = static_cast<Service*>(data);
    GPtrArray* names = g_ptr_array_new();
    g_ptr_array_add(names, g_strdup("Manager"));
    for (auto* seat : self->manager_.seats())
        g_ptr_array_add(names, g_strdup(seat->id().c_str()));
    for (auto* s : self->manager_.sessions())
        g_ptr_array_add(names, g_strdup(s->id().c_str()));
    g_ptr_array_add(names, nullptr);
    return reinterpret_cast<gchar**>(g_ptr_array_free(names, FALSE));
}

GDBusInterfaceInfo** Service::introspect(GDBusConnection*, const gchar*, const gchar*, const gchar* node, gpointer data)
{
    (void)data;
    if (node == nullptr)
        return nullptr;
    const GDBusInterfaceInfo* info = nullptr;
    switch (nodeKind(node)) {
    case NodeKind::Manager:
        info = managerInterfaceInfo();
        break;
    // Unknown SeatN/SessionN nodes still get their interface so that the handler answers with
    // org.freedesktop.DBus.Error.UnknownObject rather than GDBus's misleading UnknownMethod.
    case NodeKind::Seat:
        info = seatInterfaceInfo();
        break;
    case NodeKind::Session:
        info = sessionInterfaceInfo();
        break;
    case NodeKind::None:
        break;
    }
    if (info == nullptr)
        return nullptr;
    auto** out = g_new0(GDBusInterfaceInfo*, 2);
    out[0] = g_dbus_interface_info_ref(const_cast<GDBusInterfaceInfo*>(info));
    return out;
}

const GDBusInterfaceVTable* Service::dispatch(
    GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, gpointer* outData, gpointer data)
{
    *outData = data;
    return &kInterfaceVTable;
}

// --- method calls ----------------------------------------------------------------------------

void Service::onMethodCall(GDBusConnection*, const gchar* sender, const gchar* path, const gchar* iface,
    const gchar* method, GVariant* params, GDBusMethodInvocation* invocation, gpointer data)
{
    auto* self = static_cast<Service*>(data);
    struct Route {
        Handler handler;
        bool needsCaller;
    };
    static const std::unordered_map<std::string_view, Route> kManager = {
        {"OpenSession", {&Service::openSession, true}},
        {"OpenSessionWithParameters", {&Service::openSessionWithParameters, true}},
        {"CloseSession", {&Service::closeSession, true}},
        {"GetSeats", {&Service::getSeats, false}},
        {"GetSessions", {&Service::getSessions, false}},
        {"ListSeats", {&Service::listSeats, false}},
        {"ListSessions", {&Service::listSessions, true}},
        {"GetSession", {&Service::getSession, false}},
        {"GetSessionForCookie", {&Service::getSessionForCookie, false}},
        {"GetSessionForUnixProcess", {&Service::getSessionForUnixProcess, false}},
        {"GetSessionByPID", {&Service::getSessionForUnixProcess, false}},
        {"GetCurrentSession", {&Service::getCurrentSession, true}},
        {"GetSessionsForUnixUser", {&Service::getSessionsForUnixUser, false}},
        {"GetSessionsForUser", {&Service::getSessionsForUnixUser, false}},
        {"GetSystemIdleHint", {&Service::getSystemIdleHint, false}},
        {"GetSystemIdleSinceHint", {&Service::getSystemIdleSinceHint, false}},
        {"ActivateSession", {&Service::managerActivateSession, true}},
        {"ActivateSessionOnSeat", {&Service::managerActivateSessionOnSeat, true}},
        {"LockSession", {&Service::managerLockSession, true}},
        {"UnlockSession", {&Service::managerUnlockSession, true}},
    };
    static const std::unordered_map<std::string_view, Route> kSeat = {
        {"GetId", {&Service::seatGetId, false}},
        {"GetName", {&Service::seatGetName, false}},
        {"GetSessions", {&Service::seatGetSessions, false}},
        {"GetDevices", {&Service::seatGetDevices, false}},
        {"GetActiveSession", {&Service::seatGetActiveSession, false}},
        {"CanActivateSessions", {&Service::seatCanActivateSessions, false}},
        {"ActivateSession", {&Service::seatActivateSession, true}},
        {"SwitchTo", {&Service::seatSwitchTo, true}},
    };
    static const std::unordered_map<std::string_view, Route> kSession = {
        {"Activate", {&Service::sessionActivate, true}},
        {"Lock", {&Service::sessionLock, true}},
        {"Unlock", {&Service::sessionUnlock, true}},
        {"SetIdleHint", {&Service::sessionSetIdleHint, true}},
        {"SetLockedHint", {&Service::sessionSetLockedHint, true}},
        {"GetIdleSinceHint", {&Service::sessionGetIdleSinceHint, false}},
        {"GetXDGRuntimeDir", {&Service::sessionGetXdgRuntimeDir, false}},
        {"CanControlSession", {&Service::sessionControl, true}},
        {"TakeControl", {&Service::sessionControl, true}},
        {"ReleaseControl", {&Service::sessionControl, true}},
        {"TakeDevice", {&Service::sessionControl, true}},
        {"ReleaseDevice", {&Service::sessionControl, true}},
        {"PauseDeviceComplete", {&Service::sessionControl, true}},
    };

    Domain domain = Domain::Manager;
    const std::unordered_map<std::string_view, Route>* table = &kManager;
    if (std::strcmp(iface, kSeatIface) == 0) {
        domain = Domain::Seat;
        table = &kSeat;
    } else if (std::strcmp(iface, kSessionIface) == 0) {
        domain = Domain::Session;
        table = &kSession;
    }
    auto call = std::make_unique<Call>();
    call->reply = PendingReply(invocation, domain);
    call->method = method;
    call->params.reset(g_variant_ref(params));
    call->path = path;
    call->sender = sender != nullptr ? sender : "";

    Route route{nullptr, false};
    if (auto it = table->find(method); it != table->end())
        route = it->second;
    else if (domain == Domain::Session && std::strncmp(method, "Get", 3) == 0)
        route = {&Service::sessionGetter, false};
    else if (domain == Domain::Session && (std::strcmp(method, "IsActive") == 0 || std::strcmp(method, "IsLocal") == 0))
        route = {&Service::sessionGetter, false};
    else if (domain == Domain::Manager && self->power_ != nullptr)
        route = {nullptr, true}; // power and inhibitor methods

    if (route.handler == nullptr && !(domain == Domain::Manager && self->power_ != nullptr)) {
        call->reply.fail(ErrorCode::NotSupported, std::string("Method ") + method + " is not supported by this daemon");
        return;
    }
    if (!route.needsCaller) {
        (self->*route.handler)(*call);
        return;
    }
    std::weak_ptr<bool> alive = self->alive_;
    const std::string senderName = call->sender; // read before the call is moved into the callback
    self->callers_.resolve(
        senderName, [self, alive, route, c = std::shared_ptr<Call>(std::move(call))](Result<Caller> caller) {
            if (auto a = alive.lock(); !a || !*a)
                return;
            if (!caller) {
                c->reply.fail(caller.error());
                return;
            }
            c->caller = caller.value();
            if (route.handler != nullptr)
                (self->*route.handler)(*c);
            else if (!self->power_->handle(c->method, c->params.get(), c->reply, c->caller))
                c->reply.fail(ErrorCode::NotSupported, "Method " + c->method + " is not supported by this daemon");
        });
}

// --- properties ------------------------------------------------------------------------------

GVariant* Service::onGetProperty(GDBusConnection*, const gchar*, const gchar* path, const gchar* iface,
    const gchar* property, GError** error, gpointer data)
{
    auto* self = static_cast<Service*>(data);
    GVariant* value = nullptr;
    if (std::strcmp(iface, kSessionIface) == 0) {
        if (auto* s = self->manager_.findSession(path))
            value = self->sessionProperty(*s, property);
    } else if (std::strcmp(iface, kSeatIface) == 0) {
        if (auto* seat = self->manager_.findSeat(path))
            value = self->seatProperty(*seat, property);
    }
    if (value == nullptr)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT, "No object %s with property %s", path, property);
    return value;
}

GVariant* Service::sessionProperty(const core::Session& s, const std::string& name)
{
    const core::SessionParams& p = s.params();
    if (name == "unix-user" || name == "user")
        return g_variant_new_uint32(p.unixUser);
    if (name == "Seat") {
        const core::Seat* seat = s.seat();
        return g_variant_new("(so)", seat ? seat->name().c_str() : "", seat ? seat->path().c_str() : "/");
    }
    if (name == "session-service")
        return g_variant_new_string(p.sessionService.c_str());
    if (name == "session-type")
        return g_variant_new_string(p.sessionType.c_str());
    if (name == "session-class")
        return g_variant_new_string(p.sessionClass.c_str());
    if (name == "session-state")
        return g_variant_new_string(core::sessionStateName(s.state()));
    if (name == "remote-host-name")
        return g_variant_new_string(p.remoteHostName.c_str());
    if (name == "display-device")
        return g_variant_new_string(p.displayDevice.c_str());
    if (name == "x11-display")
        return g_variant_new_string(p.x11Display.c_str());
    if (name == "x11-display-device")
        return g_variant_new_string(p.x11DisplayDevice.c_str());
    if (name == "VTNr")
        return g_variant_new_uint32(s.vtnr());
    if (name == "active")
        return g_variant_new_boolean(s.isActive());
    if (name == "is-local")
        return g_variant_new_boolean(p.isLocal);
    if (name == "idle-hint")
        return g_variant_new_boolean(s.idleHint());
    if (name == "LockedHint")
        return g_variant_new_boolean(s.lockedHint());
    return nullptr;
}

GVariant* Service::seatProperty(const core::Seat& seat, const std::string& name)
{
    if (name == "name")
        return g_variant_new_string(seat.name().c_str());
    if (name == "CanGraphical")
        return g_variant_new_boolean(TRUE); // as ConsoleKit2 2.0: a remote X seat is graphical too
    return nullptr;
}

// --- signals ---------------------------------------------------------------------------------

void Service::emit(const std::string& path, const char* iface, const char* name, GVariant* args)
{
    g_dbus_connection_emit_signal(connection_, nullptr, path.c_str(), iface, name, args, nullptr);
}

void Service::emitManagerSignal(const char* name, GVariant* args)
{
    emit(kManagerPath, kManagerIface, name, args);
}

void Service::emitPropertiesChanged(const std::string& path, const char* iface, std::vector<const char*> names)
{
    const core::Session* s = manager_.findSession(path);
    if (s == nullptr)
        return;
    GVariantBuilder changed;
    g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
    for (const char* n : names)
        if (GVariant* v = sessionProperty(*s, n))
            g_variant_builder_add(&changed, "{sv}", n, v);
    emit(path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        g_variant_new("(sa{sv}as)", iface, &changed, nullptr));
}

void Service::connectCoreSignals()
{
    auto& m = manager_;
    coreConnections_.push_back(m.seatAdded.connect(
        [this](core::Seat& seat) { emitManagerSignal("SeatAdded", g_variant_new("(o)", seat.path().c_str())); }));
    coreConnections_.push_back(m.seatRemoved.connect(
        [this](core::Seat& seat) { emitManagerSignal("SeatRemoved", g_variant_new("(o)", seat.path().c_str())); }));
    coreConnections_.push_back(m.sessionAdded.connect([this](core::Session& s) {
        sessionsReply_.reset();
        if (s.seat() != nullptr)
            emit(s.seat()->path(), kSeatIface, "SessionAdded", g_variant_new("(o)", s.path().c_str()));
        emitManagerSignal("SessionNew", g_variant_new("(so)", s.id().c_str(), s.path().c_str()));
    }));
    coreConnections_.push_back(m.sessionRemoved.connect([this](core::Session& s) {
        sessionsReply_.reset();
        if (s.seat() != nullptr)
            emit(s.seat()->path(), kSeatIface, "SessionRemoved", g_variant_new("(o)", s.path().c_str()));
        emitManagerSignal("SessionRemoved", g_variant_new("(so)", s.id().c_str(), s.path().c_str()));
        // Anyone waiting for this session to become active will not see it.
        for (auto it = activations_.begin(); it != activations_.end();) {
            if ((*it)->sessionPath == s.path()) {
                (*it)->reply.fail(ErrorCode::Failed, "The session was closed while it was being activated");
                it = activations_.erase(it);
            } else {
                ++it;
            }
        }
    }));
    coreConnections_.push_back(m.activeSessionChanged.connect([this](core::Seat& seat, core::Session*,
                                                                  core::Session* now) {
        if (options_.legacyActiveSessionSignal)
            emit(seat.path(), kSeatIface, "ActiveSessionChanged", g_variant_new("(s)", now ? now->path().c_str() : ""));
        else
            emit(
                seat.path(), kSeatIface, "ActiveSessionChanged", g_variant_new("(o)", now ? now->path().c_str() : "/"));
    }));
    coreConnections_.push_back(m.sessionChanged.connect([this](core::Session& s, core::SessionProperty prop) {
        switch (prop) {
        case core::SessionProperty::Active:
            if (devices_ != nullptr && !s.isActive())
                devices_->sessionActiveChanged(s, false);
            emit(s.path(), kSessionIface, "ActiveChanged", g_variant_new("(b)", s.isActive()));
            emitPropertiesChanged(s.path(), kSessionIface, {"active"});
            if (devices_ != nullptr && s.isActive())
                devices_->sessionActiveChanged(s, true);
            break;
        case core::SessionProperty::IdleHint:
            emitPropertiesChanged(s.path(), kSessionIface, {"idle-hint"});
            break;
        case core::SessionProperty::LockedHint:
            emitPropertiesChanged(s.path(), kSessionIface, {"LockedHint"});
            break;
        case core::SessionProperty::State:
            emitPropertiesChanged(s.path(), kSessionIface, {"session-state"});
            break;
        case core::SessionProperty::RuntimeDir:
            break; // no property: GetXDGRuntimeDir reads it
        }
    }));
    coreConnections_.push_back(m.idleHintChanged.connect([this](core::Session& s, bool idle) {
        emit(s.path(), kSessionIface, "IdleHintChanged", g_variant_new("(b)", idle));
    }));
    coreConnections_.push_back(m.systemIdleHintChanged.connect(
        [this](bool idle) { emitManagerSignal("SystemIdleHintChanged", g_variant_new("(b)", idle)); }));
    coreConnections_.push_back(
        m.lockRequested.connect([this](core::Session& s) { emit(s.path(), kSessionIface, "Lock", nullptr); }));
    coreConnections_.push_back(
        m.unlockRequested.connect([this](core::Session& s) { emit(s.path(), kSessionIface, "Unlock", nullptr); }));
}

void Service::onNameOwnerChanged(
    GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, GVariant* params, gpointer data)
{
    auto* self = static_cast<Service*>(data);
    const gchar *name = nullptr, *oldOwner = nullptr, *newOwner = nullptr;
    g_variant_get(params, "(&s&s&s)", &name, &oldOwner, &newOwner);
    if (name[0] != ':' || newOwner[0] != '\0')
        return; // only unique names that went away
    self->leaderGone(name);
}

void Service::leaderGone(const std::string& busName)
{
    callers_.forget(busName);
    const std::size_t n = manager_.leaderVanished(busName);
    if (n > 0)
        log::debug("leader " + busName + " left the bus: closed " + std::to_string(n) + " session(s)");
    nameVanished.emit(busName);
}

} // namespace ck::bus
