// The daemon's allocation set-up: the restart with G_SLICE set, then the default thread stack size.
#include "daemon/malloc_policy.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "ck-config.h"
#if CK_HAVE_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

namespace ck::daemon {
namespace {

bool underValgrind()
{
#if CK_HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    // valgrind preloads its vgpreload_*.so into the programs it runs.
    const char* preload = std::getenv("LD_PRELOAD");
    return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
#endif
}

constexpr const char* kSliceVariable = "G_SLICE";
// Set for the restarted daemon only: "-", G_SLICE was not inherited (the one case the daemon
// restarts in).
constexpr const char* kInheritedSlice = "CK_INHERITED_G_SLICE";

void restartWithSliceSetting(char** argv)
{
    if (std::getenv(kInheritedSlice) != nullptr) {
        // The restarted daemon: GLib has read G_SLICE; the programs we run must not inherit it.
        ::unsetenv(kSliceVariable);
        ::unsetenv(kInheritedSlice);
        return;
    }
    if (std::getenv(kSliceVariable) != nullptr || underValgrind())
        return;
    ::setenv(kInheritedSlice, "-", 1);
    ::setenv(kSliceVariable, "always-malloc", 1);
    // The file's own path, not /proc/self/exe: the kernel names the process after the path it
    // ran (comm, what ps, pgrep and ck-memstat look for).
    char path[4096];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
        path[n] = '\0';
        ::execv(path, argv);
    }
    // No /proc, a binary replaced on disk (" (deleted)"), or no exec: run as we are, with the
    // environment as it was.
    ::unsetenv(kSliceVariable);
    ::unsetenv(kInheritedSlice);
}

} // namespace

void setUpMalloc(char** argv)
{
    restartWithSliceSetting(argv);
    // The footprint the classic daemon lost: every thread gets an 8 MiB stack (and, with glibc's
    // malloc, a 64 MiB arena). Our threads (GLib's D-Bus worker and its GLib worker, the VT
    // watcher) do little, so small default stacks suffice.
    pthread_attr_t attr;
    if (::pthread_attr_init(&attr) == 0) {
        ::pthread_attr_setstacksize(&attr, 256 * 1024);
        ::pthread_setattr_default_np(&attr);
        ::pthread_attr_destroy(&attr);
    }
}

} // namespace ck::daemon
