// console-kit-daemon: entry point — malloc set-up, options, root check, then the Daemon's phases.
#include <unistd.h>

#include <cstdio>

#include "daemon/daemon.h"
#include "daemon/malloc_policy.h"
#include "daemon/options.h"

int main(int argc, char** argv)
{
    ck::daemon::setUpMalloc(); // first: no thread may exist yet
    auto options = ck::daemon::parseOptions(argc, argv);
    if (!options) {
        std::fprintf(stderr, "console-kit-daemon: %s\n", options.error().message.c_str());
        return 1;
    }
    if (::getuid() != 0) {
        std::fprintf(stderr, "console-kit-daemon: You must be root to run this program\n");
        return 1;
    }
    // Daemonizing happens in Daemon::start(), after the pid file is locked: a second daemon
    // fails in the foreground, where whoever started it sees the status.
    return ck::daemon::run(*options);
}
