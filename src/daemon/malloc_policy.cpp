// glibc malloc set-up of the daemon: the restart with the allocator settings, then mallopt().
#include "daemon/malloc_policy.h"

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string_view>

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

// What the restart sets, each only when the environment does not already say. GLib reads
// G_SLICE at its first slice allocation, which GLib's own library constructor makes before
// main() runs (a g_hash_table_new_full() under _dl_init, seen in gdb): a setenv() in main()
// comes too late, and GSlice's per-thread magazines then keep about 0.5 MiB of slabs after a
// burst of sessions.
constexpr const char* kRestartVariables[] = {"GLIBC_TUNABLES", "G_SLICE"};

// "CK_INHERITED_<name>", set for the restarted daemon only: '-' when <name> was not inherited,
// '+' and the inherited value when it was.
std::string inheritedVariable(const char* name)
{
    return std::string("CK_INHERITED_") + name;
}

// Puts back what the daemon inherited, for the programs it runs. Returns whether there was
// anything to put back, that is whether this is the restarted daemon.
bool restoreInherited()
{
    bool restored = false;
    for (const char* name : kRestartVariables) {
        const std::string marker = inheritedVariable(name);
        const char* inherited = std::getenv(marker.c_str());
        if (inherited == nullptr)
            continue;
        if (inherited[0] == '+')
            ::setenv(name, inherited + 1, 1);
        else
            ::unsetenv(name);
        ::unsetenv(marker.c_str());
        restored = true;
    }
    return restored;
}

void restartWithMallocSettings(char** argv)
{
    if (restoreInherited())
        return; // glibc and GLib have read the settings
    const char* slice = std::getenv("G_SLICE");
    const std::optional<std::string> wanted[] = {
        tunablesWithoutTcache(std::getenv("GLIBC_TUNABLES")),
        slice == nullptr ? std::optional<std::string>("always-malloc") : std::nullopt,
    };
    static_assert(std::size(wanted) == std::size(kRestartVariables));
    if ((!wanted[0] && !wanted[1]) || underValgrind())
        return;
    for (std::size_t i = 0; i < std::size(wanted); ++i) {
        if (!wanted[i])
            continue;
        const char* name = kRestartVariables[i];
        const char* current = std::getenv(name);
        const std::string inherited = current != nullptr ? std::string("+") + current : std::string("-");
        ::setenv(inheritedVariable(name).c_str(), inherited.c_str(), 1);
        ::setenv(name, wanted[i]->c_str(), 1);
    }
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
    restoreInherited();
}

} // namespace

std::optional<std::string> tunablesWithoutTcache(const char* current)
{
    const std::string_view name = kTcacheTunable;
    std::string_view rest = current != nullptr ? std::string_view(current) : std::string_view();
    // GLIBC_TUNABLES is "name=value:name=value…".
    while (!rest.empty()) {
        const auto end = rest.find(':');
        const std::string_view item = rest.substr(0, end);
        if (item.substr(0, item.find('=')) == name)
            return std::nullopt;
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    std::string value = current != nullptr && current[0] != '\0' ? std::string(current) + ":" : std::string();
    return value + std::string(name) + "=0";
}

void setUpMalloc(char** argv)
{
    restartWithMallocSettings(argv);
    // The footprint the classic daemon lost: every thread that mallocs gets its own glibc arena
    // (64 MiB of address space each) and every thread gets an 8 MiB stack. Our threads (GLib's
    // D-Bus worker, the VT watcher) do little, so one arena and small default stacks suffice.
    ::mallopt(M_ARENA_MAX, 1);
    // Fixed thresholds (glibc otherwise raises them as the heap grows): large transient buffers,
    // such as the text of the database for 1000 sessions, are mapped and unmapped on their own,
    // and the freed top of the heap goes back to the kernel.
    ::mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    // Fastbins stay: like the tcache they hold small freed chunks apart, but malloc_trim()
    // merges them first, and without them OpenSession costs about 10 % more.
    pthread_attr_t attr;
    if (::pthread_attr_init(&attr) == 0) {
        ::pthread_attr_setstacksize(&attr, 256 * 1024);
        ::pthread_setattr_default_np(&attr);
        ::pthread_attr_destroy(&attr);
    }
}

} // namespace ck::daemon
