// Shapes and bounds of session strings: the one place that decides what may enter the model.
#include "core/session_strings.h"

#include <charconv>

namespace ck::core {

namespace {

bool isPrintableAscii(char c)
{
    return c > 0x20 && c < 0x7f;
}

bool allDigits(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

// No control characters: every string may end up in the key-file database, the history line
// format and hook environments, where a newline would forge a record.
bool hasControlCharacter(std::string_view s)
{
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            return true;
    }
    return false;
}

// "/dev/…" with no empty, "." or ".." component: the device must be what its name says.
bool isDevicePath(std::string_view path)
{
    if (!path.starts_with("/dev/") || path.size() == 5)
        return false;
    std::string_view rest = path.substr(5);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        if (part.empty() || part == "." || part == "..")
            return false;
        for (char c : part)
            if (!isPrintableAscii(c))
                return false;
        if (slash == std::string_view::npos)
            break;
        rest.remove_prefix(slash + 1);
    }
    return true;
}

Error invalid(std::string_view name, const std::string& why)
{
    return Error{ErrorCode::InvalidInput, "Parameter '" + std::string(name) + "' " + why};
}

} // namespace

bool isValidUtf8(std::string_view text)
{
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false; // continuation byte, overlong lead (c0, c1) or beyond U+10FFFF (f5..)
        }
        if (n - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false; // overlong or out of range
        if (cp >= 0xd800 && cp <= 0xdfff)
            return false; // UTF-16 surrogates are not characters
        i += len;
    }
    return true;
}

bool isValidDisplayName(std::string_view display)
{
    if (display.empty() || display.size() > kMaxDisplayLength)
        return false;
    const auto colon = display.rfind(':');
    if (colon == std::string_view::npos)
        return false;
    for (char c : display.substr(0, colon))
        if (!isPrintableAscii(c))
            return false;
    std::string_view number = display.substr(colon + 1);
    const auto dot = number.find('.');
    if (dot != std::string_view::npos) {
        const std::string_view screen = number.substr(dot + 1);
        if (!allDigits(screen) || screen.size() > 5)
            return false;
        number = number.substr(0, dot);
    }
    return allDigits(number) && number.size() <= 5;
}

std::optional<unsigned> localDisplayNumber(std::string_view display)
{
    if (!isValidDisplayName(display))
        return std::nullopt;
    if (display.starts_with("unix:"))
        display.remove_prefix(4);
    if (display.front() != ':')
        return std::nullopt; // "host:N" is a TCP display
    display.remove_prefix(1);
    unsigned n = 0;
    auto [p, ec] = std::from_chars(display.data(), display.data() + display.size(), n);
    if (ec != std::errc{} || p == display.data())
        return std::nullopt;
    return n;
}

Result<void> checkSessionString(std::string_view name, std::string_view value)
{
    if (value.empty())
        return {};
    if (!isValidUtf8(value))
        return invalid(name, "is not valid UTF-8");
    if (hasControlCharacter(value))
        return invalid(name, "contains control characters");
    auto tooLong = [&](std::size_t max) -> Result<void> {
        return invalid(name, "is longer than " + std::to_string(max) + " bytes");
    };
    if (name == "x11-display") {
        if (value.size() > kMaxDisplayLength)
            return tooLong(kMaxDisplayLength);
        if (!isValidDisplayName(value))
            return invalid(name, "is not an X display name ([host]:number[.screen])");
    } else if (name == "x11-display-device" || name == "display-device") {
        if (value.size() > kMaxDevicePathLength)
            return tooLong(kMaxDevicePathLength);
        if (!isDevicePath(value))
            return invalid(name, "is not a device path under /dev");
    } else if (name == "remote-host-name") {
        if (value.size() > kMaxHostNameLength)
            return tooLong(kMaxHostNameLength);
        for (char c : value)
            if (!isPrintableAscii(c))
                return invalid(name, "is not a host name or address");
    } else if (name == "login-session-id") {
        if (value.size() > kMaxLoginSessionIdLength)
            return tooLong(kMaxLoginSessionIdLength);
        for (char c : value)
            if (!isPrintableAscii(c))
                return invalid(name, "is not a login session id");
    } else if (name == "session-service") {
        if (value.size() > kMaxServiceLength)
            return tooLong(kMaxServiceLength);
    } else if (value.size() > kMaxLabelLength) {
        return tooLong(kMaxLabelLength);
    }
    return {};
}

} // namespace ck::core
