// ck-bench-trivial-server: the baseline for GetSessions — a minimal GDBus server that owns
// org.freedesktop.ConsoleKit on $DBUS_SYSTEM_BUS_ADDRESS and answers Manager.GetSessions with a
// prebuilt array of N object paths (N = argv[1], default 1000). No model, no checks: what any
// GDBus service costs per call. Exits on SIGTERM/SIGINT.
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr const char* kXml = "<node><interface name='org.freedesktop.ConsoleKit.Manager'>"
                             "<method name='GetSessions'><arg name='sessions' type='ao' direction='out'/></method>"
                             "</interface></node>";

struct Server {
    GVariant* reply = nullptr; // (ao), built once
    GMainLoop* loop = nullptr;
};

void onCall(GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar* method, GVariant*,
    GDBusMethodInvocation* invocation, gpointer data)
{
    auto* s = static_cast<Server*>(data);
    if (g_strcmp0(method, "GetSessions") == 0)
        g_dbus_method_invocation_return_value(invocation, s->reply); // not floating: referenced
    else
        g_dbus_method_invocation_return_dbus_error(invocation, "org.freedesktop.DBus.Error.UnknownMethod", method);
}

} // namespace

int main(int argc, char** argv)
{
    const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1000;
    Server s;
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("ao"));
    for (long i = 1; i <= n; ++i)
        g_variant_builder_add(&b, "o", ("/org/freedesktop/ConsoleKit/Session" + std::to_string(i)).c_str());
    s.reply = g_variant_ref_sink(g_variant_new("(ao)", &b));

    GError* error = nullptr;
    GDBusConnection* c = g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &error);
    if (c == nullptr) {
        std::fprintf(stderr, "ck-bench-trivial-server: %s\n", error->message);
        return 1;
    }
    GDBusNodeInfo* info = g_dbus_node_info_new_for_xml(kXml, nullptr);
    const GDBusInterfaceVTable vtable = {&onCall, nullptr, nullptr, {}};
    g_dbus_connection_register_object(
        c, "/org/freedesktop/ConsoleKit/Manager", info->interfaces[0], &vtable, &s, nullptr, nullptr);
    GVariant* r = g_dbus_connection_call_sync(c, "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "RequestName", g_variant_new("(su)", "org.freedesktop.ConsoleKit", 4u),
        G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, nullptr, &error);
    if (r == nullptr) {
        std::fprintf(stderr, "ck-bench-trivial-server: RequestName: %s\n", error->message);
        return 1;
    }
    guint32 result = 0;
    g_variant_get(r, "(u)", &result);
    g_variant_unref(r);
    if (result != 1 /* PRIMARY_OWNER */) {
        std::fprintf(stderr, "ck-bench-trivial-server: org.freedesktop.ConsoleKit is owned by someone else\n");
        return 1;
    }
    s.loop = g_main_loop_new(nullptr, FALSE);
    const auto quit = +[](gpointer loop) -> gboolean {
        g_main_loop_quit(static_cast<GMainLoop*>(loop));
        return G_SOURCE_REMOVE;
    };
    g_unix_signal_add(SIGTERM, quit, s.loop);
    g_unix_signal_add(SIGINT, quit, s.loop);
    g_main_loop_run(s.loop);
    g_main_loop_unref(s.loop);
    g_dbus_node_info_unref(info);
    g_object_unref(c);
    g_variant_unref(s.reply);
    return 0;
}
