// Runs the real client tools (ck-list-sessions, ck-launch-session) as child processes with a
// chosen environment and stdin, stdout and stderr captured separately, optionally as another uid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/test_bus.h"

namespace ck::test {

struct ToolSpec {
    std::vector<std::string> argv;
    // Changes to the test's own environment: a value sets, nullopt unsets.
    std::map<std::string, std::optional<std::string>> env;
    std::string stdinText;
    uid_t uid = 0; // non-zero: run through setpriv as uid:uid without groups
    std::vector<int> ignoredSignals; // dispositions the tool starts with (like nohup)
};

struct ToolResult {
    int status = -1; // exit status, 128+N when killed by signal N, -1 on timeout
    std::string out;
    std::string err;
};

class ToolProcess {
public:
    explicit ToolProcess(const ToolSpec& spec); // starts it in a process group of its own
    ~ToolProcess(); // SIGKILLs that group and reaps the tool
    ToolProcess(const ToolProcess&) = delete;
    ToolProcess& operator=(const ToolProcess&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Polls stdout until it contains `needle`.
    bool waitForOutput(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // Waits for the exit; -1 (and SIGKILL to the group) after the timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    std::string out() const;
    std::string err() const;
    ToolResult result() { return {wait(), out(), err()}; }

private:
    TempDir dir_;
    pid_t pid_ = -1;
    int status_ = -1;
};

inline ToolResult runTool(const ToolSpec& spec)
{
    ToolProcess p(spec);
    return p.result();
}

// The test's environment changed as `spec.env` says, as "NAME=value" entries.
std::vector<std::string> environmentFor(const ToolSpec& spec);

// The path of a tool binary the build passes through the environment (CK_LIST_SESSIONS, …).
std::string toolPath(const char* variable);

// True when `uid` may execute `path` (setpriv … test -x): the build tree may be unreachable for
// unprivileged users.
bool executableBy(uid_t uid, const std::string& path);

std::vector<std::string> lines(const std::string& text);

} // namespace ck::test
