// Session construction and the small derivations (vt number, console device).
#include "core/session.h"

#include <charconv>
#include <string_view>

namespace ck::core {

const char* sessionStateName(SessionState state)
{
    switch (state) {
    case SessionState::Online:
        return "online";
    case SessionState::Active:
        return "active";
    case SessionState::Closing:
        return "closing";
    }
    return "online";
}

unsigned vtOfDevice(const std::string& device)
{
    constexpr std::string_view prefix = "/dev/tty";
    if (device.size() <= prefix.size() || device.compare(0, prefix.size(), prefix) != 0)
        return 0;
    const char* first = device.data() + prefix.size();
    const char* last = device.data() + device.size();
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(first, last, n);
    if (ec != std::errc{} || ptr != last || *first == '0' || n < 1 || n > 63)
        return 0;
    return n;
}

Session::Session(unsigned serial, std::string cookie, SessionParams params, Leader leader, Microseconds created)
    : serial_(serial),
      path_(std::string(kObjectPrefix) + "Session" + std::to_string(serial)),
      cookie_(std::move(cookie)),
      params_(std::move(params)),
      leader_(std::move(leader)),
      created_(created)
{
    vtnr_ = params_.vtnr != 0 ? params_.vtnr : vtOfDevice(consoleDevice());
}

const std::string& Session::consoleDevice() const
{
    return params_.x11DisplayDevice.empty() ? params_.displayDevice : params_.x11DisplayDevice;
}

} // namespace ck::core
