// ck-launch-session: runs a command (default: the user's shell) inside a new ConsoleKit session
// that lasts as long as the command.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "ck-config.h"
#include "launch-session/child_process.h"
#include "launch-session/session_opener.h"

namespace {

constexpr const char* kProgram = "ck-launch-session";

void printHelp()
{
    std::printf("Usage: %s [-s|--service NAME] [--] [COMMAND [ARGUMENT...]]\n"
                "\n"
                "Opens a ConsoleKit session, runs COMMAND in it with XDG_SESSION_COOKIE (and\n"
                "XDG_RUNTIME_DIR when the daemon made one) set, and closes the session when the\n"
                "command exits. Without COMMAND it runs $SHELL, or /bin/sh.\n"
                "The exit status is the command's, 128+N if signal N killed it, 127 if it could\n"
                "not be run. Without ConsoleKit the command runs anyway, after a warning.\n"
                "\n"
                "Options:\n"
                "  -s, --service NAME  session-service of the session (root only)\n"
                "  -h, --help          show this help and exit\n"
                "      --version       print the version and exit\n",
        kProgram);
}

struct Options {
    std::optional<std::string> service;
    std::vector<std::string> command;
};

// nullopt: exit with *exitCode (help, version or a usage error already printed).
std::optional<Options> parseOptions(int argc, char** argv, int* exitCode)
{
    static const option kLong[] = {
        {"service", required_argument, nullptr, 's'},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    Options options;
    // '+': stop at the first non-option, so "ck-launch-session sh -c 'exit 7'" needs no "--".
    for (int c; (c = ::getopt_long(argc, argv, "+s:h", kLong, nullptr)) != -1;) {
        switch (c) {
        case 's':
            options.service = optarg;
            break;
        case 'h':
            printHelp();
            *exitCode = 0;
            return std::nullopt;
        case 'V':
            std::printf("%s %s\n", kProgram, CK_VERSION);
            *exitCode = 0;
            return std::nullopt;
        default:
            std::fprintf(stderr, "Try '%s --help'.\n", kProgram);
            *exitCode = 1;
            return std::nullopt;
        }
    }
    for (int i = optind; i < argc; ++i)
        options.command.emplace_back(argv[i]);
    return options;
}

} // namespace

int main(int argc, char** argv)
{
    int exitCode = 0;
    auto options = parseOptions(argc, argv, &exitCode);
    if (!options)
        return exitCode;

    ck::launch::SessionRequest request;
    if (options->service) {
        // OpenSessionWithParameters is root only (bus policy: a caller could otherwise forge any
        // session); asking anyway would only leave an access-denied record in the bus log.
        if (::getuid() == 0)
            request.service = options->service;
        else
            std::fprintf(stderr,
                "%s: warning: only root may set the session service; opening the session "
                "without --service %s\n",
                kProgram, options->service->c_str());
    }

    // Lives until main returns: its bus connection is the session.
    std::optional<ck::launch::OpenedSession> session;
    std::string cookie, runtimeDir;
    if (auto opened = ck::launch::OpenedSession::open(request)) {
        session.emplace(std::move(opened).value());
        cookie = session->cookie();
        // No runtime dir is no error: the daemon need not make one.
        if (auto dir = session->runtimeDir())
            runtimeDir = *dir;
    } else {
        std::fprintf(stderr, "%s: warning: cannot open a ConsoleKit session, running without one: %s\n", kProgram,
            opened.error().message.c_str());
    }

    ck::launch::Command command;
    command.argv = options->command.empty() ? std::vector<std::string>{ck::launch::defaultShell()} : options->command;
    command.environment = ck::launch::commandEnvironment(environ, cookie, runtimeDir);
    return ck::launch::runCommand(command, kProgram);
}
