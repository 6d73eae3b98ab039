// The daemon's allocation set-up: one malloc arena and small default thread stacks.
#include "daemon/malloc_policy.h"

#include <malloc.h>
#include <pthread.h>

namespace ck::daemon {

void setUpMalloc()
{
    // One arena: each thread that allocates would otherwise get its own (64 MiB of address space
    // reserved on 64-bit, and freed memory stranded in it). GLib's D-Bus worker allocates every
    // message the main thread frees, so a second arena would hold a burst's worth after it.
    ::mallopt(M_ARENA_MAX, 1);
    // The footprint the classic daemon lost: every thread gets an 8 MiB stack. Our threads
    // (GLib's D-Bus worker and its GLib worker, the VT watcher) do little, so small default
    // stacks suffice.
    pthread_attr_t attr;
    if (::pthread_attr_init(&attr) == 0) {
        ::pthread_attr_setstacksize(&attr, 256 * 1024);
        ::pthread_setattr_default_np(&attr);
        ::pthread_attr_destroy(&attr);
    }
}

} // namespace ck::daemon
