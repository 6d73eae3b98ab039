// In-process replacement of ck-collect-session-info.
#include "bus/collect.h"

#include <string_view>

#include "bus/x11_server.h"
#include "core/session_strings.h"
#include "procfs/proc_file.h"

namespace ck::bus {

namespace {
// Xorg started by a display manager has no controlling tty but a "vtN" argument.
std::string vtArgument(const procfs::ProcReader& proc, pid_t xpid)
{
    auto cmdline = procfs::readPidFile(proc.root(), xpid, "cmdline", 64 * 1024);
    if (!cmdline)
        return {};
    std::string_view rest = *cmdline;
    while (!rest.empty()) {
        auto end = rest.find('\0');
        std::string_view arg = rest.substr(0, end);
        if (arg.size() > 2 && arg.size() <= 4 && arg.starts_with("vt")) {
            std::string dev = "/dev/tty" + std::string(arg.substr(2));
            if (core::vtOfDevice(dev) != 0)
                return dev;
        }
        if (end == std::string_view::npos)
            break;
        rest.remove_prefix(end + 1);
    }
    return {};
}

// The X server's device: found from the kernel (who listens on the display's socket), trusted
// only when it runs as root or as the caller, then its controlling tty if that is a VT, else
// (root's server only: a user chooses its own process's arguments) a "vtN" argument.
std::string xServerDevice(const procfs::ProcReader& proc, const std::string& socketDir, unsigned display,
    uid_t callerUid, const std::string& clientTty)
{
    auto peer = findXServer(socketDir, display);
    if (!peer || peer->pid < 2)
        return {};
    if (peer->uid != 0 && peer->uid != callerUid)
        return {}; // somebody else's listener: it proves nothing about the caller's display
    auto info = proc.read(peer->pid);
    if (!info)
        return {};
    if (core::vtOfDevice(info->ttyDevice) != 0 && info->ttyDevice != clientTty)
        return info->ttyDevice;
    if (peer->uid == 0)
        if (std::string dev = vtArgument(proc, peer->pid); !dev.empty())
            return dev;
    return info->ttyDevice;
}
} // namespace

Result<procfs::ProcessInfo> callerProcess(const procfs::ProcReader& proc, const Caller& caller)
{
    if (caller.pid < 2)
        return Error{ErrorCode::InvalidInput, "Unable to get information about the calling process: invalid pid"};
    auto info = proc.read(caller.pid);
    if (!info)
        return Error{
            ErrorCode::General, "Unable to get information about the calling process: " + info.error().message};
    if (info->uid != caller.uid && info->effectiveUid != caller.uid)
        return Error{ErrorCode::InsufficientPermission,
            "Process " + std::to_string(caller.pid) + " does not belong to the caller (uid " + std::to_string(info->uid)
                + ", caller uid " + std::to_string(caller.uid) + ")"};
    if (caller.seenTicks != 0 && info->startTime > caller.seenTicks)
        return Error{ErrorCode::InsufficientPermission,
            "Process " + std::to_string(caller.pid) + " started after the caller connected: the pid was reused"};
    return info;
}

Result<Collected> collectSessionInfo(
    const procfs::ProcReader& proc, const Caller& caller, const std::string& x11SocketDir)
{
    auto info = callerProcess(proc, caller);
    if (!info)
        return std::move(info).error();
    Collected out;
    out.pidStartTime = info->startTime;
    core::SessionParams& p = out.params;
    p.unixUser = caller.uid;
    p.displayDevice = info->ttyDevice;
    p.loginSessionId = info->loginSessionId;
    auto display = proc.environValue(caller.pid, "DISPLAY");
    // /proc/PID/environ is the caller's to write: only a well-formed display name enters the
    // model (never a non-UTF-8 string, which GVariant would refuse, nor a 100 KiB one).
    if (display && display->has_value() && core::isValidDisplayName(**display)) {
        p.x11Display = **display;
        if (auto n = core::localDisplayNumber(p.x11Display))
            p.x11DisplayDevice = xServerDevice(proc, x11SocketDir, *n, caller.uid, p.displayDevice);
        else
            p.isLocal = false; // a TCP display is never local
    }
    return out;
}

} // namespace ck::bus
