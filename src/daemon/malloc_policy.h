// How console-kit-daemon configures glibc's malloc and thread stacks before anything else runs.
//
// The daemon runs on the system's malloc, configured, never replaced: valgrind, ASan, heaptrack
// and MALLOC_CHECK_ work on it as on any program. It does not start itself again to set the
// environment either; the shipped service files (systemd unit, D-Bus activation file, init
// scripts, tools/ck-dev run) set what is read before main():
// - G_SLICE=always-malloc, for GLib older than 2.76 (newer GLib ignores it, GSlice being plain
//   malloc there): GSlice's per-thread magazines kept about 0.5 MiB after a burst of sessions.
// - GLIBC_TUNABLES=glibc.malloc.tcache_count=0: glibc's per-thread caches of freed blocks (no
//   mallopt turns them off). Measured with the memory suite's sessions scenario (10 cycles of
//   1000 sessions, 2026-12-03, one run each): Private_Dirty after a cycle idle + 1.1 to 1.6 MiB
//   with the tcache (blocks freed into the GDBus worker's cache pin heap pages that
//   malloc_trim cannot return), idle + 0.18 to 0.22 MiB without; RSS growth from cycle 2 to 10
//   236 KiB with, 28 KiB without.
// M_TRIM_THRESHOLD=128 KiB with M_TOP_PAD=0 (idle + 1.2 to 1.6 MiB) and M_MMAP_THRESHOLD=32 KiB
// (idle + 1.2 to 1.5 MiB) bought nothing measurable in the same scenario: not set.
#pragma once

namespace ck::daemon {

// Called first thing in main(), before any thread exists (mallopt and the default thread
// attributes apply to the threads created after them).
void setUpMalloc();

} // namespace ck::daemon
