// ck-history: reports on the ConsoleKit history log (last-like listing, frequent users, raw log).
#include <glib.h>
#include <pwd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "ck-config.h"
#include "history_reports.h"
#include "util/log.h"

namespace {

struct GCharDeleter {
    void operator()(gchar* p) const noexcept { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GCharDeleter>;

std::optional<ck::Microseconds> parseSince(const std::string& text)
{
    GTimeZone* local = g_time_zone_new_local();
    GDateTime* dt = g_date_time_new_from_iso8601(text.c_str(), local);
    if (dt == nullptr && text.find('T') == std::string::npos && text.find(' ') == std::string::npos)
        dt = g_date_time_new_from_iso8601((text + "T00:00:00").c_str(), local); // a bare date
    g_time_zone_unref(local);
    if (dt == nullptr)
        return std::nullopt;
    const ck::Microseconds us = g_date_time_to_unix(dt) * 1000000 + g_date_time_get_microsecond(dt);
    g_date_time_unref(dt);
    return us;
}

std::optional<uid_t> lookUpUser(const std::string& name)
{
    passwd pw{};
    passwd* result = nullptr;
    std::string buf(16384, '\0');
    if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr)
        return result->pw_uid;
    // A number names a uid even without a passwd entry (the log shows such users by number).
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos && name.size() < 11) {
        const unsigned long v = std::strtoul(name.c_str(), nullptr, 10);
        if (v <= 0xffffffffUL)
            return static_cast<uid_t>(v);
    }
    return std::nullopt;
}

} // namespace

int main(int argc, char** argv)
{
    ck::log::setUseStderr(true);
    gboolean version = FALSE, frequent = FALSE, last = FALSE, lastCompat = FALSE, showLog = FALSE;
    gchar* seat = nullptr;
    gchar* sessionType = nullptr;
    gchar* user = nullptr;
    gchar* since = nullptr;
    gchar* logFile = nullptr;
    const GOptionEntry entries[] = {
        {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
        {"frequent", 0, 0, G_OPTION_ARG_NONE, &frequent, "Show listing of frequent users", nullptr},
        {"last", 0, 0, G_OPTION_ARG_NONE, &last, "Show listing of last logged in users", nullptr},
        {"last-compat", 0, 0, G_OPTION_ARG_NONE, &lastCompat, "Show 'last' compatible listing of last logged in users",
            nullptr},
        {"log", 0, 0, G_OPTION_ARG_NONE, &showLog, "Show full event log", nullptr},
        {"seat", 's', 0, G_OPTION_ARG_STRING, &seat, "Show entries for the specified seat", "SEAT"},
        {"session-type", 't', 0, G_OPTION_ARG_STRING, &sessionType, "Show entries for the specified session type",
            "TYPE"},
        {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Show entries for the specified user", "NAME"},
        {"since", 0, 0, G_OPTION_ARG_STRING, &since, "Show entries since the specified time (ISO 8601 format)",
            "DATETIME"},
        {"log-file", 0, 0, G_OPTION_ARG_FILENAME, &logFile, "Read this history log (default " CK_LOGDIR "/history)",
            "PATH"},
        {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
    };
    GOptionContext* context = g_option_context_new("- show ConsoleKit login history");
    g_option_context_set_summary(context, "Without a report option, prints a summary of the history log.");
    g_option_context_add_main_entries(context, entries, nullptr);
    GError* error = nullptr;
    const gboolean parsed = g_option_context_parse(context, &argc, &argv, &error);
    g_option_context_free(context);
    GCharPtr seatOwner(seat), typeOwner(sessionType), userOwner(user), sinceOwner(since), fileOwner(logFile);
    if (!parsed) {
        std::fprintf(stderr, "ck-history: %s\n", error->message);
        g_error_free(error);
        return 1;
    }
    if (version) {
        std::printf("ck-history %s\n", CK_VERSION);
        return 0;
    }
    if (argc > 1) {
        std::fprintf(stderr, "ck-history: unexpected argument '%s'\n", argv[1]);
        return 1;
    }

    ck::history::Filters filters;
    if (user != nullptr) {
        filters.uid = lookUpUser(user);
        if (!filters.uid) {
            std::fprintf(stderr, "ck-history: Unknown username: %s\n", user);
            return 1;
        }
    }
    if (seat != nullptr)
        filters.seat = seat;
    if (sessionType != nullptr)
        filters.sessionType = sessionType;
    std::optional<ck::Microseconds> sinceTime;
    if (since != nullptr) {
        sinceTime = parseSince(since);
        if (!sinceTime) {
            std::fprintf(stderr, "ck-history: Invalid ISO 8601 time value: %s\n", since);
            return 1;
        }
    }

    const std::string path = logFile != nullptr ? logFile : CK_LOGDIR "/history";
    auto loaded = ck::history::loadLog(path, sinceTime);
    if (!loaded) {
        std::fprintf(stderr, "ck-history: %s\n", loaded.error().message.c_str());
        return 1;
    }
    // Priority as in ConsoleKit: last-compat > last > frequent > log > summary.
    if (lastCompat)
        ck::history::printLast(stdout, *loaded, filters, true);
    else if (last)
        ck::history::printLast(stdout, *loaded, filters, false);
    else if (frequent)
        ck::history::printFrequent(stdout, *loaded, filters);
    else if (showLog)
        ck::history::printLog(stdout, *loaded, filters);
    else
        ck::history::printSummary(stdout, *loaded, filters);
    return std::fflush(stdout) == 0 ? 0 : 1;
}
