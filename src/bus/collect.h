// Session information collected in-process from /proc/<pid> of the caller (no helper process):
// controlling tty, DISPLAY and the X server's VT, the audit login session id.
#pragma once

#include <sys/types.h>

#include "core/session.h"
#include "procfs/process_info.h"
#include "util/result.h"

namespace ck::bus {

// `xLockDir` is where X servers leave ".X<N>-lock" with their pid (normally /tmp).
Result<core::SessionParams> collectSessionInfo(
    const procfs::ProcReader& proc, pid_t pid, uid_t uid, const std::string& xLockDir = "/tmp");

} // namespace ck::bus
