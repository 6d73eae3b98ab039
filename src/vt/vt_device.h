// VtDevice: the VT ioctls the watcher needs, behind an interface so the logic is tested with a fake.
#pragma once

#include <memory>
#include <string>

#include "util/result.h"

namespace ck::vt {

// Linux numbers VTs 1..63 (MAX_NR_CONSOLES); 0 means "unknown" everywhere in this module.
inline constexpr unsigned kMaxVt = 63;

// All methods may be called from several threads at once. waitEvent() and waitActive() run on the
// watcher's small-stack threads: implementations must not allocate memory there (a thread that
// mallocs gets its own glibc arena, 64 MiB of address space) and must return EINTR when a signal
// interrupts them.
class VtDevice {
public:
    virtual ~VtDevice() = default;

    virtual Result<unsigned> activeVt() = 0; // VT_GETSTATE .v_active
    virtual Result<void> activate(unsigned vt) = 0; // VT_ACTIVATE (asynchronous)
    virtual int waitEvent(unsigned& oldVt, unsigned& newVt) = 0; // VT_WAITEVENT(SWITCH): 0 or errno
    virtual int waitActive(unsigned vt) = 0; // VT_WAITACTIVE: 0 or errno
    virtual int probeWaitEvent() = 0; // errno of ioctl(VT_WAITEVENT, NULL); EFAULT = supported
};

// Opens the console (normally /dev/tty0) O_RDONLY|O_NOCTTY|O_CLOEXEC, retried O_WRONLY on EACCES
// as ConsoleKit does, and checks with VT_GETSTATE that it is a VT. Never give it /dev/ttyN for a
// real N: opening a VT's device node allocates that VT.
Result<std::unique_ptr<VtDevice>> openConsole(const std::string& path = "/dev/tty0");

} // namespace ck::vt
