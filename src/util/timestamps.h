// Wall-clock time in microseconds and its ISO-8601 form as ConsoleKit prints it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ck {

using Microseconds = std::int64_t; // since the Unix epoch, CLOCK_REALTIME

Microseconds realtimeNow();
Microseconds monotonicNow();
// "2013-07-19T04:29:40.123456Z"; the fraction is omitted when it is zero (ConsoleKit's form).
std::string isoTime(Microseconds t);
// Parses what isoTime() prints (UTC, "Z", optional fraction of up to 6 digits).
std::optional<Microseconds> parseIsoTime(std::string_view text);

} // namespace ck
