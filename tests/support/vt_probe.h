// Reading and switching the kernel's active VT from a test: the one copy every suite uses.
#pragma once

#include <chrono>

namespace ck::test {

inline constexpr const char* kConsoleDevice = "/dev/tty0";

// VT_GETSTATE's v_active on an open console fd; 0 on error.
unsigned activeVtOf(int consoleFd);
// Opens the console (never /dev/ttyN: opening a VT allocates it) just for one VT_GETSTATE; 0 when
// there is no usable VT console here (not root, a container, no VTs).
unsigned readActiveVt(const char* console = kConsoleDevice);
// VT_ACTIVATE only: the kernel switches asynchronously. False if the ioctl failed.
bool requestVtOf(int consoleFd, unsigned vt);
// VT_ACTIVATE, then wait until VT_GETSTATE shows `vt`. VT_WAITACTIVE cannot be bounded without a
// signal aimed at this very thread, so the wait polls: a switch that never comes fails the test
// instead of hanging it.
bool switchVtOf(int consoleFd, unsigned vt, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Waits until VT_GETSTATE shows `vt` without asking for it.
bool waitForVtOf(int consoleFd, unsigned vt, std::chrono::milliseconds timeout);

} // namespace ck::test
