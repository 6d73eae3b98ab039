// What the strings of a session may look like: bounded, UTF-8, and of the known form of each field
// (display names, device paths, host names). Everything that enters the model is checked here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace ck::core {

// Bounds. A display name is "[host]:N[.S]"; a host name is at most 253 bytes (RFC 1035);
// devices live under /dev; the free-text fields are identifiers such as "x11" or "lightdm".
inline constexpr std::size_t kMaxDisplayLength = 256;
inline constexpr std::size_t kMaxDevicePathLength = 128;
inline constexpr std::size_t kMaxHostNameLength = 253;
inline constexpr std::size_t kMaxLabelLength = 64; // session-type, session-class
inline constexpr std::size_t kMaxServiceLength = 255; // session-service
inline constexpr std::size_t kMaxLoginSessionIdLength = 64; // an audit session id is a u32

// Strictly well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// An X display name: optional host (printable ASCII without spaces), ':', the display number
// (1 to 5 digits) and an optional ".screen". "unix:N" and ":N" are local.
bool isValidDisplayName(std::string_view display);
// The display number of a local display (":0", ":0.0", "unix:1"); nullopt for a TCP display
// ("host:0") or anything that is not a valid display name.
std::optional<unsigned> localDisplayNumber(std::string_view display);

// The checks of one session parameter, by its D-Bus name ("x11-display", "display-device", …).
// "" is always accepted (it means "none"). InvalidInput names the parameter and the rule.
Result<void> checkSessionString(std::string_view name, std::string_view value);

} // namespace ck::core
