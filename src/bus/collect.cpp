// In-process replacement of ck-collect-session-info.
#include "bus/collect.h"

#include <charconv>
#include <string_view>

#include "util/atomic_file.h"

namespace ck::bus {

namespace {
// ":0", ":0.0", "unix:1" → display number; "host:0" (TCP) → nullopt.
std::optional<unsigned> localDisplayNumber(std::string_view display)
{
    if (display.starts_with("unix:"))
        display.remove_prefix(4);
    if (display.empty() || display.front() != ':')
        return std::nullopt;
    display.remove_prefix(1);
    unsigned n = 0;
    auto [p, ec] = std::from_chars(display.data(), display.data() + display.size(), n);
    if (ec != std::errc{} || p == display.data())
        return std::nullopt;
    return n;
}

// The X server's VT: its controlling tty if that is a VT, else a "vtN" argument on its command line.
std::string xServerDevice(
    const procfs::ProcReader& proc, const std::string& xLockDir, unsigned display, const std::string& clientTty)
{
    auto lock = readFile(xLockDir + "/.X" + std::to_string(display) + "-lock", 64);
    if (!lock)
        return {};
    std::string_view text = *lock;
    while (!text.empty() && text.front() == ' ')
        text.remove_prefix(1);
    pid_t xpid = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), xpid);
    if (ec != std::errc{} || xpid < 2)
        return {};
    auto info = proc.read(xpid);
    if (info && core::vtOfDevice(info->ttyDevice) != 0 && info->ttyDevice != clientTty)
        return info->ttyDevice;
    // Xorg started by a display manager has no controlling tty: look for "vtN" in its cmdline.
    auto cmdline = readFile(proc.root() + "/" + std::to_string(xpid) + "/cmdline", 64 * 1024);
    if (!cmdline)
        return info ? info->ttyDevice : std::string{};
    std::string_view rest = *cmdline;
    while (!rest.empty()) {
        auto end = rest.find('\0');
        std::string_view arg = rest.substr(0, end);
        if (arg.size() > 2 && arg.starts_with("vt")) {
            std::string dev = "/dev/tty" + std::string(arg.substr(2));
            if (core::vtOfDevice(dev) != 0)
                return dev;
        }
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    return info ? info->ttyDevice : std::string{};
}
} // namespace

Result<core::SessionParams> collectSessionInfo(
    const procfs::ProcReader& proc, pid_t pid, uid_t uid, const std::string& xLockDir)
{
    if (pid < 2)
        return Error{ErrorCode::InvalidInput, "Unable to get information about the calling process: invalid pid"};
    auto info = proc.read(pid);
    if (!info)
        return Error{
            ErrorCode::General, "Unable to get information about the calling process: " + info.error().message};
    core::SessionParams p;
    p.unixUser = uid;
    p.displayDevice = info->ttyDevice;
    p.loginSessionId = info->loginSessionId;
    auto display = proc.environValue(pid, "DISPLAY");
    if (display && display->has_value() && !(*display)->empty()) {
        p.x11Display = **display;
        if (auto n = localDisplayNumber(p.x11Display))
            p.x11DisplayDevice = xServerDevice(proc, xLockDir, *n, p.displayDevice);
        else
            p.isLocal = false; // a TCP display is never local
    }
    return p;
}

} // namespace ck::bus
