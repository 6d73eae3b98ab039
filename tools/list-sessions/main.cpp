// ck-list-sessions: prints the sessions console-kit-daemon tracks, one block per session.
#include <glib.h>
#include <locale.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility> // bus/glib_ptr.h uses std::exchange without including it

#include "bus/glib_ptr.h"
#include "ck-config.h"
#include "list-sessions/session_format.h"
#include "list-sessions/session_query.h"

namespace {

constexpr const char* kProgram = "ck-list-sessions";

struct Options {
    bool version = false;
    bool all = false;
    ck::listsessions::Format format = ck::listsessions::Format::Ck2;
};

// false after printing why (the caller exits 1).
bool parseOptions(int argc, char** argv, Options& options)
{
    gboolean version = FALSE, all = FALSE;
    gchar* format = nullptr;
    GOptionEntry entries[] = {
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also list the seats that have no session", nullptr},
        {"format", 0, 0, G_OPTION_ARG_STRING, &format,
            "Block layout: ck2 (ConsoleKit2, the default) or classic (ConsoleKit 0.4.6)", "FORMAT"},
        {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
    };
    std::unique_ptr<GOptionContext, decltype(&g_option_context_free)> context(
        g_option_context_new(nullptr), &g_option_context_free);
    g_option_context_set_summary(context.get(),
        "Lists the login sessions ConsoleKit tracks, one block per session, seats in\n"
        "the daemon's order.");
    g_option_context_add_main_entries(context.get(), entries, nullptr);
    GError* raw = nullptr;
    const bool parsed = g_option_context_parse(context.get(), &argc, &argv, &raw);
    ck::bus::ErrorPtr error(raw);
    ck::bus::CharPtr formatName(format);
    if (!parsed) {
        std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", kProgram, error->message, kProgram);
        return false;
    }
    if (argc > 1) {
        std::fprintf(stderr, "%s: unexpected argument '%s'\nTry '%s --help'.\n", kProgram, argv[1], kProgram);
        return false;
    }
    if (formatName) {
        const auto f = ck::listsessions::parseFormat(formatName.get());
        if (!f) {
            std::fprintf(stderr, "%s: unknown format '%s' (use ck2 or classic)\n", kProgram, formatName.get());
            return false;
        }
        options.format = *f;
    }
    options.version = version != FALSE;
    options.all = all != FALSE;
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    ::setlocale(LC_ALL, "");
    Options options;
    if (!parseOptions(argc, argv, options))
        return 1;
    if (options.version) {
        std::printf("%s %s\n", kProgram, CK_VERSION);
        return 0;
    }

    // G_BUS_TYPE_SYSTEM honours DBUS_SYSTEM_BUS_ADDRESS.
    GError* raw = nullptr;
    ck::bus::ObjectPtr<GDBusConnection> connection(g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw));
    ck::bus::ErrorPtr error(raw);
    if (!connection) {
        std::fprintf(stderr, "%s: cannot connect to the system bus: %s\n", kProgram, error->message);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(connection.get(), FALSE);

    ck::listsessions::QueryOptions query;
    query.fields = ck::listsessions::fieldsFor(options.format);
    query.seatDetails = options.all;
    auto seats = ck::listsessions::querySeats(connection.get(), query,
        [](const std::string& warning) { std::fprintf(stderr, "%s: warning: %s\n", kProgram, warning.c_str()); });
    if (!seats) {
        std::fprintf(stderr, "%s: %s\n", kProgram, seats.error().message.c_str());
        return 1;
    }

    std::string out;
    for (const auto& seat : *seats) {
        if (seat.sessions.empty() && options.all)
            out += ck::listsessions::formatEmptySeat(seat);
        for (const auto& session : seat.sessions)
            out += ck::listsessions::formatSession(session, seat.path, options.format);
    }
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
        std::perror(kProgram);
        return 1;
    }
    return 0;
}
