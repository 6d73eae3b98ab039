// ck-bus-peer: a second client process for the bus tests. It holds one bus connection for as
// long as its stdin is open, so a test can make it a session leader under another pid or uid
// (started through setpriv), call methods through it, and end its sessions by closing stdin.
//
// Usage: ck-bus-peer ADDRESS
// Prints "ready <unique name>", then reads one command per line from stdin:
//   PATH INTERFACE.METHOD ARGS     ARGS is a GVariant tuple in text form, e.g. ('abc',) or ()
// and prints one line per command: the reply (g_variant_print with types) or
// "ERROR <D-Bus error name>: <message>". EOF or "quit" disconnects and exits 0.
#include <gio/gio.h>

#include <cstdio>
#include <iostream>
#include <string>

namespace {

std::string oneLine(std::string s)
{
    for (char& c : s)
        if (c == '\n')
            c = ' ';
    return s;
}

std::string errorLine(GError* error)
{
    gchar* remote = g_dbus_error_get_remote_error(error);
    std::string name = remote != nullptr ? remote : "(local)";
    g_free(remote);
    g_dbus_error_strip_remote_error(error);
    return "ERROR " + name + ": " + oneLine(error->message);
}

std::string call(GDBusConnection* connection, const std::string& line)
{
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos)
        return "ERROR (local): expected PATH INTERFACE.METHOD ARGS";
    const std::string path = line.substr(0, sp1);
    const std::string member = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string argsText = line.substr(sp2 + 1);
    const auto dot = member.rfind('.');
    if (dot == std::string::npos)
        return "ERROR (local): expected INTERFACE.METHOD";
    GError* error = nullptr;
    GVariant* args = g_variant_parse(nullptr, argsText.c_str(), nullptr, nullptr, &error);
    if (args == nullptr) {
        std::string msg = "ERROR (local): cannot parse arguments: " + oneLine(error->message);
        g_error_free(error);
        return msg;
    }
    GVariant* reply = g_dbus_connection_call_sync(connection, "org.freedesktop.ConsoleKit", path.c_str(),
        member.substr(0, dot).c_str(), member.substr(dot + 1).c_str(), args, nullptr, G_DBUS_CALL_FLAGS_NONE, 10000,
        nullptr, &error);
    if (reply == nullptr) {
        std::string msg = errorLine(error);
        g_error_free(error);
        return msg;
    }
    gchar* printed = g_variant_print(reply, TRUE);
    std::string out = printed;
    g_free(printed);
    g_variant_unref(reply);
    return oneLine(out);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s ADDRESS\n", argv[0]);
        return 2;
    }
    GError* error = nullptr;
    GDBusConnection* connection = g_dbus_connection_new_for_address_sync(argv[1],
        static_cast<GDBusConnectionFlags>(
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
        nullptr, nullptr, &error);
    if (connection == nullptr) {
        std::printf("ERROR (local): cannot connect: %s\n", error->message);
        g_error_free(error);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(connection, FALSE);
    std::printf("ready %s\n", g_dbus_connection_get_unique_name(connection));
    std::fflush(stdout);
    for (std::string line; std::getline(std::cin, line);) {
        if (line == "quit")
            break;
        std::printf("%s\n", call(connection, line).c_str());
        std::fflush(stdout);
    }
    g_dbus_connection_close_sync(connection, nullptr, nullptr);
    g_object_unref(connection);
    return 0;
}
