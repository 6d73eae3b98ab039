// console-kit-daemon: entry point — root check, options, daemonizing, then daemon::run.
#include <unistd.h>

#include <cstdio>

#include "daemon/daemon.h"
#include "daemon/malloc_policy.h"
#include "daemon/options.h"
#include "util/log.h"

int main(int argc, char** argv)
{
    ck::daemon::setUpMalloc(argv); // first: it may start the daemon again, and no thread may exist
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
