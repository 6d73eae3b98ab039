// polkit over D-Bus: one CheckAuthorization call. The bus starts an activatable authority for
// it; "no such name" (ServiceUnknown) is the only answer that means "no polkit" and lets the
// caller use its rule without polkit. Every other failure is an error, which callers turn into
// a refusal: a polkit that is installed but fails must never be mistaken for no polkit (the
// old NameHasOwner + ListActivatableNames pre-flight fell back to the built-in rule when the
// second call failed, and cost two round trips per check).
#include "power/polkit.h"

#include <cstring>

#include "bus/glib_ptr.h"

namespace ck::power {

namespace {
constexpr const char* kAuthorityPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char* kAuthorityIface = "org.freedesktop.PolicyKit1.Authority";
constexpr guint32 kAllowUserInteraction = 1;
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
    sendCheck(std::unique_ptr<Request>(
        new Request{connection_, alive_, actionId, subjectBusName, allowInteraction, std::move(callback)}));
}

void Polkit::finish(std::unique_ptr<Request> request, Result<Authorization> outcome)
{
    auto alive = request->alive.lock();
    if (!alive || !*alive)
        return;
    request->callback(std::move(outcome));
}

bool Polkit::meansNoAuthority(const GError* error)
{
    // Only the bus driver's "nobody owns this name and no .service file provides it" means that
    // polkit is not installed. Anything else (a timeout, an activation that failed, a full bus,
    // AccessDenied, an error of polkitd itself) means polkit is there and could not answer.
    if (error == nullptr || !g_dbus_error_is_remote_error(error))
        return false;
    bus::CharPtr name(g_dbus_error_get_remote_error(error));
    return name
        && (std::strcmp(name.get(), "org.freedesktop.DBus.Error.ServiceUnknown") == 0
            || std::strcmp(name.get(), "org.freedesktop.DBus.Error.NameHasNoOwner") == 0);
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

void Polkit::onChecked(GObject* source, GAsyncResult* result, gpointer data) noexcept
{
    std::unique_ptr<Request> request(static_cast<Request*>(data));
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &raw));
    bus::ErrorPtr error(raw);
    if (!reply) {
        if (meansNoAuthority(error.get())) {
            finish(std::move(request), Authorization::NoAuthority);
            return;
        }
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
