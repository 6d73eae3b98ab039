// console-kit-daemon: entry point — root check, options, daemonizing, then daemon::run.
#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "daemon/daemon.h"
#include "daemon/options.h"
#include "util/log.h"

namespace {
// The footprint the classic daemon lost: every thread that mallocs gets its own glibc arena
// (64 MiB of address space each) and every thread gets an 8 MiB stack. Our threads (GLib's
// D-Bus worker, the VT watcher) do little, so one arena and small default stacks suffice.
// Must run before any thread exists.
void limitThreadFootprint()
{
    // GLib 2.74's slice allocator keeps every page it ever took in its magazines; plain malloc
    // gives them back. (Read by GLib on its first slice allocation, which comes later.)
    ::setenv("G_SLICE", "always-malloc", 0);
    ::mallopt(M_ARENA_MAX, 1);
    // Fixed thresholds (glibc otherwise raises them as the heap grows): large transient buffers,
    // such as the text of the database for 1000 sessions, are mapped and unmapped on their own,
    // and the freed top of the heap goes back to the kernel, so VmSize returns after a burst.
    ::mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    pthread_attr_t attr;
    if (::pthread_attr_init(&attr) == 0) {
        ::pthread_attr_setstacksize(&attr, 256 * 1024);
        ::pthread_setattr_default_np(&attr);
        ::pthread_attr_destroy(&attr);
    }
}
} // namespace

int main(int argc, char** argv)
{
    limitThreadFootprint();
    auto options = ck::daemon::parseOptions(argc, argv);
    if (!options) {
        std::fprintf(stderr, "console-kit-daemon: %s\n", options.error().message.c_str());
        return 1;
    }
    if (::getuid() != 0) {
        std::fprintf(stderr, "console-kit-daemon: You must be root to run this program\n");
        return 1;
    }
    if (!options->noDaemon && ::daemon(0, 0) != 0) {
        std::perror("console-kit-daemon: daemon");
        return 1;
    }
    return ck::daemon::run(*options);
}
