// How console-kit-daemon configures glibc's malloc and thread stacks before anything else runs.
//
// The daemon runs on the system's malloc, configured, never replaced: valgrind, ASan, heaptrack
// and MALLOC_CHECK_ work on it as on any program. It does not start itself again to set G_SLICE
// either: where G_SLICE=always-malloc is worth having (GLib older than 2.76; newer GLib ignores
// it, GSlice being plain malloc there), the shipped service files set it (systemd unit, D-Bus
// activation file, init scripts, tools/ck-dev run).
#pragma once

namespace ck::daemon {

// Called first thing in main(), before any thread exists (mallopt and the default thread
// attributes apply to the threads created after them).
void setUpMalloc();

} // namespace ck::daemon
