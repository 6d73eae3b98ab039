// Logging: to the journal when one is there, else to stderr (syslog once daemonized). The caller
// logs once.
#pragma once

#include <string_view>

namespace ck::log {

enum class Level { Debug, Info, Warning, Error };

void setDebug(bool enabled);
bool debugEnabled();
// Forces stderr even when a journal socket exists (tests, --no-journal).
void setUseStderr(bool stderrOnly);
// For a daemon whose stderr is /dev/null: syslog(3) when there is no journal.
void useSyslogWithoutJournal();

void write(Level level, std::string_view message);

inline void debug(std::string_view m)
{
    if (debugEnabled())
        write(Level::Debug, m);
}
inline void info(std::string_view m)
{
    write(Level::Info, m);
}
inline void warning(std::string_view m)
{
    write(Level::Warning, m);
}
inline void error(std::string_view m)
{
    write(Level::Error, m);
}

} // namespace ck::log
