// Static seat configuration: /etc/ConsoleKit/seats.d/*.seat, read in sorted order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/seat.h"
#include "util/result.h"

namespace ck::core {

struct SeatConfig {
    std::string file; // where it came from
    std::vector<Device> devices;
};

// Parses one .seat file: the first group must be [Seat Entry]; Hidden=true skips it (nullopt-like:
// returns an empty file name); Devices=type:id;type:id;… A device without ':' is an error.
Result<SeatConfig> parseSeatFile(std::string_view text, const std::string& fileName);

// The `file` of the seat that loadSeatConfigs() yields when the directory does not exist.
inline constexpr std::string_view kBuiltInConsoleSeat = "(built-in console seat)";

// Every *.seat file of dir in sorted order. Files that fail to parse are reported in `problems`
// and skipped. A directory that does not exist yields the console seat, as the shipped
// 00-primary.seat would (no devices); an existing directory rules, even an empty one.
std::vector<SeatConfig> loadSeatConfigs(const std::string& dir, std::vector<std::string>& problems);

} // namespace ck::core
