// Runs ck-launch-session's command: fork, exec in the child, wait in the parent, forwarding the
// termination signals the parent receives.
#pragma once

#include <string>
#include <vector>

namespace ck::launch {

struct Command {
    std::vector<std::string> argv; // argv[0] is looked up in PATH (execvp rules)
    std::vector<std::string> environment; // "NAME=value" entries, the command's whole environment
};

// Runs the command and returns the exit code to pass on: the command's own exit status,
// 128+N when signal N killed it, 127 when it could not be executed (the reason is printed to
// stderr, prefixed by `program`). SIGTERM, SIGINT and SIGHUP sent to this process meanwhile are
// passed to the command.
int runCommand(const Command& command, const char* program);

// What a session runs when no command is given: $SHELL if it is set, non-empty and an
// executable file, else /bin/sh.
std::string defaultShell();

// `environ` with XDG_SESSION_COOKIE and (when non-empty) XDG_RUNTIME_DIR set to the given values;
// an empty cookie leaves XDG_SESSION_COOKIE as it was.
std::vector<std::string> commandEnvironment(char** environ, const std::string& cookie, const std::string& runtimeDir);

} // namespace ck::launch
