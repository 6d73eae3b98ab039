// How console-kit-daemon sets up allocation before anything else runs: GLib's slice allocator
// reduced to plain malloc, and small default thread stacks. (malloc itself is the daemon's own,
// src/heap/heap.h.)
//
// Why G_SLICE: GSlice's per-thread magazines and slabs kept about 0.5 MiB after a burst of 1000
// sessions, because GLib's D-Bus worker thread allocates what the main thread frees.
// G_SLICE=always-malloc turns them off, but GLib reads it at its first slice allocation, which
// its own library constructor makes before main() (a g_hash_table_new_full() under _dl_init,
// seen in gdb): a setenv() in main() comes too late. So the daemon starts itself again once
// with it set (same pid, same arguments).
#pragma once

namespace ck::daemon {

// Called first thing in main(), before any thread exists.
// - On the first start, when G_SLICE is not set: sets G_SLICE=always-malloc, marks the
//   environment (CK_INHERITED_G_SLICE=-) and replaces the process with its own program file (the
//   path /proc/self/exe points to, so the process keeps its name) and the same argv. A G_SLICE
//   that the environment sets is left as it is: whoever started the daemon chose. No restart
//   under valgrind (which an exec would leave), and none when the exec fails (the daemon then
//   runs with GSlice's magazines).
// - After that restart, unsets G_SLICE again so that the programs the daemon runs (hooks, power
//   scripts) do not inherit it.
// Then sets the default thread stack size.
void setUpMalloc(char** argv);

} // namespace ck::daemon
