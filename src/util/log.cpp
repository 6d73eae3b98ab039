// Logging backend: sd_journal when /run/systemd/journal/socket exists; else stderr, or syslog(3)
// once the daemon has detached from its terminal (OpenRC, sysvinit, runit: no journal there).
#include "util/log.h"

#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

namespace ck::log {

namespace {
std::atomic<bool> gDebug{false};
std::atomic<int> gMode{-1}; // -1 undecided, 0 journal, 1 stderr, 2 syslog

bool useJournal()
{
    int mode = gMode.load();
    if (mode < 0) {
        mode = ::access("/run/systemd/journal/socket", W_OK) == 0 ? 0 : 1;
        gMode.store(mode);
    }
    return mode == 0;
}

int priority(Level level)
{
    switch (level) {
    case Level::Debug:
        return LOG_DEBUG;
    case Level::Info:
        return LOG_INFO;
    case Level::Warning:
        return LOG_WARNING;
    case Level::Error:
        return LOG_ERR;
    }
    return LOG_INFO;
}

const char* prefix(Level level)
{
    switch (level) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warning:
        return "warning";
    case Level::Error:
        return "error";
    }
    return "";
}
} // namespace

void setDebug(bool enabled)
{
    gDebug.store(enabled);
}
bool debugEnabled()
{
    return gDebug.load();
}
void setUseStderr(bool stderrOnly)
{
    gMode.store(stderrOnly ? 1 : -1);
}

void useSyslogWithoutJournal()
{
    if (useJournal())
        return;
    ::openlog("console-kit-daemon", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    gMode.store(2);
}

void write(Level level, std::string_view message)
{
    if (gMode.load() == 2) {
        ::syslog(priority(level), "%.*s", static_cast<int>(message.size()), message.data());
        return;
    }
    if (useJournal()) {
        std::string m(message);
        sd_journal_send(
            "MESSAGE=%s", m.c_str(), "PRIORITY=%i", priority(level), "SYSLOG_IDENTIFIER=console-kit-daemon", nullptr);
        return;
    }
    std::fprintf(stderr, "console-kit-daemon[%d]: %s: %.*s\n", static_cast<int>(::getpid()), prefix(level),
        static_cast<int>(message.size()), message.data());
}

} // namespace ck::log
