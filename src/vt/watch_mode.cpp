// The string table of WatchMode.
#include "vt/watch_mode.h"

#include <array>
#include <string>
#include <utility>

namespace ck::vt {

namespace {
constexpr std::array<std::pair<WatchMode, const char*>, 4> kNames{{
    {WatchMode::Auto, "auto"},
    {WatchMode::WaitEvent, "waitevent"},
    {WatchMode::WaitActive, "waitactive"},
    {WatchMode::None, "none"},
}};
} // namespace

Result<WatchMode> parseWatchMode(std::string_view text)
{
    for (const auto& [mode, name] : kNames) {
        if (text == name)
            return mode;
    }
    return Error{ErrorCode::InvalidInput,
        "Unknown VT watch mode '" + std::string(text) + "' (expected auto, waitevent, waitactive or none)"};
}

const char* watchModeName(WatchMode mode)
{
    for (const auto& [m, name] : kNames) {
        if (m == mode)
            return name;
    }
    return "unknown";
}

} // namespace ck::vt
