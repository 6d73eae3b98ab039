// How console-kit-daemon sets up its allocators before anything else runs: one malloc arena,
// small thread stacks, fixed mmap/trim thresholds, no per-thread cache (tcache), and
// GLib's slice allocator reduced to plain malloc.
//
// Why: after a burst of sessions, what keeps heap pages resident is not live data (about 0.2 MiB
// after 1000 sessions came and went, walked with gdb) but freed memory that nobody can give back:
// - GSlice's per-thread magazines and slabs (GLib 2.74): about 0.5 MiB after such a burst, because
//   the D-Bus worker thread allocates what the main thread frees. G_SLICE=always-malloc turns them
//   off, but GLib reads it at its first slice allocation, which its own library constructor
//   makes before main().
// - glibc's tcache: each thread keeps up to 7 freed chunks of every small size for itself; glibc
//   never merges them with their free neighbours and malloc_trim() does not see them, so a few
//   hundred of them scattered over the heap pin as many pages. Only GLIBC_TUNABLES, read by ld.so
//   at start, switches it off.
// Both are environment variables read before main(), so the daemon starts itself again once with
// them set (same pid, same arguments). Measured with the sessions memory scenario: the RSS at the
// end of a cycle went from idle + 1.5–2.4 MiB, wandering by up to 0.4 MiB between cycles, to
// idle + about 0.6 MiB (code paged in once), steady from cycle to cycle.
#pragma once

#include <optional>
#include <string>

namespace ck::daemon {

// The tunable that switches glibc's per-thread cache off.
inline constexpr const char* kTcacheTunable = "glibc.malloc.tcache_count";

// The GLIBC_TUNABLES value to start the daemon again with: `current` (the inherited value, null
// when unset) plus "glibc.malloc.tcache_count=0". nullopt when `current` already sets the tcache
// count: whoever started the daemon chose, and there is nothing to restart for.
std::optional<std::string> tunablesWithoutTcache(const char* current);

// Called first thing in main(), before any thread exists.
// - On the first start, adds glibc.malloc.tcache_count=0 to GLIBC_TUNABLES and sets
//   G_SLICE=always-malloc (remembering the inherited values), and replaces the process with its own
//   program file (the path /proc/self/exe points to, so the process keeps its name) and the same
//   argv. A variable the environment already sets is left as it is: whoever started the daemon
//   chose. Returns without a restart when there is nothing to set, when the daemon runs under
//   valgrind (which replaces malloc, and which an exec would leave), or when the exec failed (the
//   daemon then runs with the default allocators).
// - After that restart, puts the inherited values back so that the programs the daemon runs
//   (hooks, power scripts) do not inherit the daemon's allocator settings.
// Then applies the mallopt() settings and the default thread stack size.
void setUpMalloc(char** argv);

} // namespace ck::daemon
