// polkit over D-Bus: NameHasOwner, then ListActivatableNames, then CheckAuthorization.
#include "power/polkit.h"

#include <cstring>

#include "bus/glib_ptr.h"

namespace ck::power {

namespace {
constexpr const char* kAuthorityPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kAuthorityIface = "org.freedesktop.PolicyKit1.Authority";
constexpr guint32 kAllowUserInteraction = 1;
constexpr int kDriverTimeoutMs = 5000;
} // namespace

struct Polkit::Request {
    GDBusConnection* connection;
    std::weak_ptr<bool> alive;
    std::string actionId;
    std::string subject;
    bool interactive;
    Callback callback;
};

Polkit::Polkit(GDBusConnection* connection) : connection_(connection) { }

Polkit::~Polkit()
{
    *alive_ = false;
}

void Polkit::check(
    const std::string& actionId, const std::string& subjectBusName, bool allowInteraction, Callback callback)
{
    auto* request = new Request{connection_, alive_, actionId, subjectBusName, allowInteraction, std::move(callback)};
    // An authority that is running answers; one that is not running but activatable is
    // started by the call itself. Only when neither holds do we fall back to our own rule.
    g_dbus_connection_call(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "NameHasOwner", g_variant_new("(s)", kPolkitBusName), G_VARIANT_TYPE("(b)"), G_DBUS_CALL_FLAGS_NONE,
        kDriverTimeoutMs, nullptr, &Polkit::onHasOwner, request);
}

void Polkit::finish(std::unique_ptr<Request> request, Result<Authorization> outcome)
{
    auto alive = request->alive.lock();
    if (!alive || !*alive)
        return;
    request->callback(std::move(outcome));
}

void Polkit::onHasOwner(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Request> request(static_cast<Request*>(data));
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
    bus::ErrorPtr error(raw);
    if (!reply) {
        finish(std::move(request),
            Error{ErrorCode::Failed, std::string("cannot ask the bus about polkit: ") + error->message});
        return;
    }
    gboolean has = FALSE;
    g_variant_get(reply.get(), "(b)", &has);
    if (has) {
        sendCheck(std::move(request));
        return;
    }
    GDBusConnection* connection = request->connection;
    g_dbus_connection_call(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "ListActivatableNames", nullptr, G_VARIANT_TYPE("(as)"), G_DBUS_CALL_FLAGS_NONE, kDriverTimeoutMs, nullptr,
        &Polkit::onActivatable, request.release());
}

void Polkit::onActivatable(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Request> request(static_cast<Request*>(data));
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
    bus::ErrorPtr error(raw);
    bool activatable = false;
    if (reply) {
        const gchar** names = nullptr;
        g_variant_get(reply.get(), "(^a&s)", &names);
        for (const gchar** n = names; n != nullptr && *n != nullptr; ++n)
            if (std::strcmp(*n, kPolkitBusName) == 0)
                activatable = true;
        g_free(names);
    }
    if (activatable)
        sendCheck(std::move(request));
    else
        finish(std::move(request), Authorization::NoAuthority);
}

void Polkit::sendCheck(std::unique_ptr<Request> request)
{
    GVariantBuilder subjectDetails;
    g_variant_builder_init(&subjectDetails, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&subjectDetails, "{sv}", "name", g_variant_new_string(request->subject.c_str()));
    GVariantBuilder details;
    g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
    GVariant* args = g_variant_new("((sa{sv})sa{ss}us)", "system-bus-name", &subjectDetails, request->actionId.c_str(),
        &details, request->interactive ? kAllowUserInteraction : 0u, "");
    // With interaction the user may take minutes to type a password: no timeout then.
    const int timeout = request->interactive ? G_MAXINT : -1;
    GDBusConnection* connection = request->connection;
    g_dbus_connection_call(connection, kPolkitBusName, kAuthorityPath, kAuthorityIface, "CheckAuthorization", args,
        G_VARIANT_TYPE("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE, timeout, nullptr, &Polkit::onChecked, request.release());
}

void Polkit::onChecked(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Request> request(static_cast<Request*>(data));
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
    bus::ErrorPtr error(raw);
    if (!reply) {
        g_dbus_error_strip_remote_error(error.get());
        finish(std::move(request), Error{ErrorCode::Failed, error->message});
        return;
    }
    gboolean authorized = FALSE, challenge = FALSE;
    g_variant_get(reply.get(), "((bb@a{ss}))", &authorized, &challenge, nullptr);
    if (authorized)
        finish(std::move(request), Authorization::Authorized);
    else if (challenge)
        finish(std::move(request), Authorization::Challenge);
    else
        finish(std::move(request), Authorization::NotAuthorized);
}

} // namespace ck::power
