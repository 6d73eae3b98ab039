// ck-launch-session's bus side: a private system-bus connection (as libck-connector has), then
// Manager.OpenSession or OpenSessionWithParameters.
#include "launch-session/session_opener.h"

#include <utility>

namespace ck::launch {

namespace {

constexpr const char* kBusName = "org.freedesktop.ConsoleKit";
constexpr const char* kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
constexpr const char* kManagerIface = "org.freedesktop.ConsoleKit.Manager";
constexpr const char* kSessionIface = "org.freedesktop.ConsoleKit.Session";
// OpenSession waits for the daemon to inspect the caller; give it more than a getter.
constexpr int kOpenTimeoutMs = 30000;
constexpr int kCallTimeoutMs = 10000;

Error errorOf(GError* error)
{
    bus::CharPtr remote(g_dbus_error_get_remote_error(error));
    g_dbus_error_strip_remote_error(error);
    std::string message = error->message;
    if (remote)
        message += std::string(" (") + remote.get() + ")";
    return Error{ErrorCode::Failed, message};
}

Result<std::string> callForString(GDBusConnection* connection, const std::string& path, const char* iface,
    const char* method, GVariant* params, const char* replyType, int timeoutMs)
{
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_sync(connection, kBusName, path.c_str(), iface, method, params,
        G_VARIANT_TYPE(replyType), G_DBUS_CALL_FLAGS_NONE, timeoutMs, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!reply)
        return errorOf(error.get());
    bus::VariantPtr value(g_variant_get_child_value(reply.get(), 0));
    return std::string(g_variant_get_string(value.get(), nullptr));
}

} // namespace

OpenedSession::OpenedSession(bus::ObjectPtr<GDBusConnection> connection, std::string cookie)
    : connection_(std::move(connection)), cookie_(std::move(cookie))
{ }

OpenedSession::~OpenedSession()
{
    // Closing the connection is what ends the session; say it explicitly rather than leave it
    // to process exit.
    if (connection_ && !g_dbus_connection_is_closed(connection_.get()))
        g_dbus_connection_close_sync(connection_.get(), nullptr, nullptr);
}

Result<OpenedSession> OpenedSession::open(const SessionRequest& request)
{
    GError* raw = nullptr;
    bus::CharPtr address(g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw));
    if (!address) {
        bus::ErrorPtr error(raw);
        return Error{ErrorCode::Failed, std::string("no system bus: ") + error->message};
    }
    // A private connection, not the process-wide shared one: its lifetime is the session's.
    bus::ObjectPtr<GDBusConnection> connection(g_dbus_connection_new_for_address_sync(address.get(),
        static_cast<GDBusConnectionFlags>(
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
        nullptr, nullptr, &raw));
    if (!connection) {
        bus::ErrorPtr error(raw);
        return Error{ErrorCode::Failed, std::string("cannot connect to the system bus: ") + error->message};
    }
    // GDBus would SIGTERM us if the bus went away; the command must go on running instead.
    g_dbus_connection_set_exit_on_close(connection.get(), FALSE);

    GVariant* params = nullptr;
    const char* method = "OpenSession";
    if (request.service) {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&b, "(sv)", "session-service", g_variant_new_string(request.service->c_str()));
        params = g_variant_new("(a(sv))", &b);
        method = "OpenSessionWithParameters";
    }
    auto cookie = callForString(connection.get(), kManagerPath, kManagerIface, method, params, "(s)", kOpenTimeoutMs);
    if (!cookie)
        return Error{ErrorCode::Failed, std::string(method) + " failed: " + cookie.error().message};
    return OpenedSession(std::move(connection), std::move(cookie).value());
}

Result<std::string> OpenedSession::path() const
{
    return callForString(connection_.get(), kManagerPath, kManagerIface, "GetSessionForCookie",
        g_variant_new("(s)", cookie_.c_str()), "(o)", kCallTimeoutMs);
}

Result<std::string> OpenedSession::runtimeDir(const std::string& sessionPath) const
{
    return callForString(
        connection_.get(), sessionPath, kSessionIface, "GetXDGRuntimeDir", nullptr, "(s)", kCallTimeoutMs);
}

} // namespace ck::launch
