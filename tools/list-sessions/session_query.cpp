// Reading seats and sessions for ck-list-sessions: one Properties.GetAll per session (the cheap
// path), the old per-value getters as a fallback (0.4.6 denies Properties to non-root).
#include "list-sessions/session_query.h"

#include <string_view>
#include <utility> // bus/glib_ptr.h uses std::exchange without including it

#include "bus/glib_ptr.h"

namespace ck::listsessions {

namespace {

constexpr const char* kBusName = "org.freedesktop.ConsoleKit";
constexpr const char* kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
constexpr const char* kManagerIface = "org.freedesktop.ConsoleKit.Manager";
constexpr const char* kSeatIface = "org.freedesktop.ConsoleKit.Seat";
constexpr const char* kSessionIface = "org.freedesktop.ConsoleKit.Session";
constexpr int kCallTimeoutMs = 10000;

// How each printed value is read. `property` is the Session property GetAll returns (nullptr:
// there is none, only the getter). `quiet`: an error means "not set" rather than a failure —
// GetXDGRuntimeDir fails when the daemon made no runtime dir, ConsoleKit2's GetIdleSinceHint
// fails when the session is not idle, and daemons older than CK2 1.1.2 have no GetVTNr.
struct Field {
    const char* key;
    const char* property;
    const char* getter;
    char type; // 's', 'u' or 'b'
    bool quiet;
};

constexpr Field kKnownFields[] = {
    {"unix-user", "unix-user", "GetUnixUser", 'u', false},
    {"session-type", "session-type", "GetSessionType", 's', false},
    {"session-class", "session-class", "GetSessionClass", 's', false},
    {"session-state", "session-state", "GetSessionState", 's', false},
    {"session-service", "session-service", "GetSessionService", 's', false},
    {"active", "active", "IsActive", 'b', false},
    {"x11-display", "x11-display", "GetX11Display", 's', false},
    {"x11-display-device", "x11-display-device", "GetX11DisplayDevice", 's', false},
    {"display-device", "display-device", "GetDisplayDevice", 's', false},
    {"remote-host-name", "remote-host-name", "GetRemoteHostName", 's', false},
    {"is-local", "is-local", "IsLocal", 'b', false},
    {"on-since", nullptr, "GetCreationTime", 's', false},
    {"login-session-id", nullptr, "GetLoginSessionId", 's', false},
    {"XDG_RUNTIME_DIR", nullptr, "GetXDGRuntimeDir", 's', true},
    {"VTNr", "VTNr", "GetVTNr", 'u', true},
    {"idle-since-hint", nullptr, "GetIdleSinceHint", 's', true},
};

const Field* findField(std::string_view key)
{
    for (const Field& f : kKnownFields)
        if (key == f.key)
            return &f;
    return nullptr;
}

struct CallError {
    std::string name; // the D-Bus error name, "" for a local error
    std::string message;
};

std::string describe(const CallError& e)
{
    return e.name.empty() ? e.message : e.message + " (" + e.name + ")";
}

// A synchronous call whose reply must have `replyType`; GDBus turns a reply of another type into
// an error, so a value is never read from a variant of the wrong shape.
bus::VariantPtr call(GDBusConnection* connection, const std::string& path, const char* iface, const char* method,
    GVariant* params, const char* replyType, CallError* error)
{
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_sync(connection, kBusName, path.c_str(), iface, method, params,
        G_VARIANT_TYPE(replyType), G_DBUS_CALL_FLAGS_NONE, kCallTimeoutMs, nullptr, &raw));
    bus::ErrorPtr err(raw);
    if (!reply && error != nullptr) {
        bus::CharPtr remote(g_dbus_error_get_remote_error(err.get()));
        error->name = remote ? remote.get() : "";
        g_dbus_error_strip_remote_error(err.get());
        error->message = err->message;
    }
    return reply;
}

// The printed text of a value of one of the three types, nullopt for any other type.
std::optional<std::string> textOf(GVariant* value, char type)
{
    if (type == 's' && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
        return std::string(g_variant_get_string(value, nullptr));
    if (type == 'u' && g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32))
        return std::to_string(g_variant_get_uint32(value));
    if (type == 'b' && g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
        return std::string(g_variant_get_boolean(value) ? "TRUE" : "FALSE");
    return std::nullopt;
}

std::vector<std::string> pathsOf(GVariant* reply)
{
    std::vector<std::string> paths;
    GVariantIter* iter = nullptr;
    const gchar* p = nullptr;
    g_variant_get(reply, "(ao)", &iter);
    while (g_variant_iter_next(iter, "&o", &p))
        paths.emplace_back(p);
    g_variant_iter_free(iter);
    return paths;
}

std::string shortName(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// nullopt when the session disappeared while we were listing (its leader just left).
std::optional<SessionInfo> readSession(
    GDBusConnection* connection, const std::string& path, const std::vector<std::string>& keys, const WarningSink& warn)
{
    SessionInfo info;
    info.path = path;
    const std::string name = shortName(path);

    CallError error;
    bus::VariantPtr all = call(connection, path, "org.freedesktop.DBus.Properties", "GetAll",
        g_variant_new("(s)", kSessionIface), "(a{sv})", &error);
    if (!all && error.name == "org.freedesktop.DBus.Error.UnknownObject")
        return std::nullopt;
    bus::VariantPtr properties;
    if (all)
        properties.reset(g_variant_get_child_value(all.get(), 0));

    for (const std::string& key : keys) {
        const Field* f = findField(key);
        if (f == nullptr)
            continue;
        if (properties && f->property != nullptr) {
            bus::VariantPtr value(g_variant_lookup_value(properties.get(), f->property, nullptr));
            if (value) {
                if (auto text = textOf(value.get(), f->type)) {
                    info.fields[key] = *text;
                    continue;
                }
            }
        }
        // Not among the properties (an older daemon, or GetAll refused): ask the getter.
        const char replyType[] = {'(', f->type, ')', '\0'};
        CallError getterError;
        bus::VariantPtr reply = call(connection, path, kSessionIface, f->getter, nullptr, replyType, &getterError);
        if (reply) {
            bus::VariantPtr value(g_variant_get_child_value(reply.get(), 0));
            info.fields[key] = textOf(value.get(), f->type).value_or("");
        } else if (getterError.name == "org.freedesktop.DBus.Error.UnknownObject") {
            return std::nullopt;
        } else if (!f->quiet) {
            warn(name + ": cannot read " + key + ": " + describe(getterError));
        }
    }
    return info;
}

void readSeatDetails(GDBusConnection* connection, SeatInfo& seat, const WarningSink& warn)
{
    const std::string name = shortName(seat.path);
    CallError error;
    if (bus::VariantPtr r = call(connection, seat.path, kSeatIface, "GetName", nullptr, "(s)", &error)) {
        const gchar* s = nullptr;
        g_variant_get(r.get(), "(&s)", &s);
        seat.name = s;
    } else {
        warn(name + ": cannot read the seat name: " + describe(error));
    }
    if (bus::VariantPtr r = call(connection, seat.path, kSeatIface, "CanActivateSessions", nullptr, "(b)", &error)) {
        gboolean can = FALSE;
        g_variant_get(r.get(), "(b)", &can);
        seat.canActivateSessions = can != FALSE;
    } else {
        warn(name + ": cannot read can-activate-sessions: " + describe(error));
    }
}

} // namespace

Result<std::vector<SeatInfo>> querySeats(
    GDBusConnection* connection, const QueryOptions& options, const WarningSink& warn)
{
    std::vector<SeatInfo> seats;
    CallError error;
    bus::VariantPtr reply = call(connection, kManagerPath, kManagerIface, "GetSeats", nullptr, "(ao)", &error);
    if (!reply) {
        // ConsoleKit2 answers an empty list with an error; an empty list it is.
        if (error.name == "org.freedesktop.ConsoleKit.Manager.Error.NoSeats")
            return seats;
        if (error.name == "org.freedesktop.DBus.Error.ServiceUnknown"
            || error.name == "org.freedesktop.DBus.Error.NameHasNoOwner")
            return Error{ErrorCode::Failed, "ConsoleKit is not running (" + error.message + ")"};
        return Error{ErrorCode::Failed, "cannot list the seats of ConsoleKit: " + describe(error)};
    }
    for (const std::string& seatPath : pathsOf(reply.get())) {
        SeatInfo seat;
        seat.path = seatPath;
        CallError seatError;
        bus::VariantPtr sessions = call(connection, seatPath, kSeatIface, "GetSessions", nullptr, "(ao)", &seatError);
        if (sessions) {
            for (const std::string& sessionPath : pathsOf(sessions.get()))
                if (auto s = readSession(connection, sessionPath, options.fields, warn))
                    seat.sessions.push_back(std::move(*s));
        } else if (seatError.name == "org.freedesktop.DBus.Error.UnknownObject") {
            continue; // a dynamic seat that went away with its session
        } else if (seatError.name != "org.freedesktop.ConsoleKit.Seat.Error.NoSessions") {
            warn(shortName(seatPath) + ": cannot list its sessions: " + describe(seatError));
        }
        if (options.seatDetails && seat.sessions.empty())
            readSeatDetails(connection, seat, warn);
        seats.push_back(std::move(seat));
    }
    return seats;
}

} // namespace ck::listsessions
