// Session information collected in-process from /proc/<pid> of the caller (no helper process):
// controlling tty, DISPLAY and the X server's VT, the audit login session id. Only facts the
// kernel vouches for: the process must still be the caller, the X server is found by its socket.
#pragma once

#include <sys/types.h>

#include <string>

#include "bus/caller.h"
#include "core/session.h"
#include "procfs/process_info.h"
#include "util/result.h"

namespace ck::bus {

// The process behind the caller's pid, if it is still the caller: it has the bus caller's uid
// (real or effective) and it started no later than the connection was first seen. A pid that
// was reused by another process (another user's login, say) is InsufficientPermission.
Result<procfs::ProcessInfo> callerProcess(const procfs::ProcReader& proc, const Caller& caller);

struct Collected {
    core::SessionParams params;
    unsigned long long pidStartTime = 0; // of the caller's process, for the session's leader
};

// `x11SocketDir` is where X servers listen (/tmp/.X11-unix; the abstract twin is tried first).
// A DISPLAY that is not a valid display name (not UTF-8, too long, no ":N") is ignored.
Result<Collected> collectSessionInfo(
    const procfs::ProcReader& proc, const Caller& caller, const std::string& x11SocketDir = "/tmp/.X11-unix");

} // namespace ck::bus
