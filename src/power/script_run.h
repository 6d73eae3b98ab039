// One run of a power script (ck-system-suspend, …) in the background: spawned without
// blocking the main loop, bounded in time and output (state::SupervisedChild), its end reported
// with a readable outcome.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "state/supervised_child.h"
#include "util/result.h"

namespace ck::power {

// A sleep script returns on resume: the monotonic clock the timeout runs on stands still while the
// machine sleeps, so the bound is on the script's own work, not on the time asleep.
inline constexpr unsigned kDefaultPowerScriptTimeoutMs = 10 * 60 * 1000;

class ScriptRun {
public:
    // ok when the script exited with status 0; else Failed "<name> script exited with status N",
    // "... was killed by signal N", "... ran longer than N ms and was killed", …
    using Done = std::function<void(Result<void>)>;

    // Starts `path` (no arguments) in a session of its own, stdout/stderr into the log (bounded).
    // Past `timeoutMs` its process group gets SIGTERM, 5 s later SIGKILL. The callback runs from
    // the main loop once the script ended, never after the ScriptRun is destroyed.
    static Result<std::unique_ptr<ScriptRun>> start(
        const std::string& path, Done done, unsigned timeoutMs = kDefaultPowerScriptTimeoutMs);
    // The script keeps running if we go first (the daemon is stopping while the machine shuts
    // down): the kernel reparents it.
    ~ScriptRun();
    ScriptRun(const ScriptRun&) = delete;
    ScriptRun& operator=(const ScriptRun&) = delete;

    pid_t pid() const noexcept { return child_ ? child_->pid() : -1; }

private:
    ScriptRun(std::string path, Done done) : path_(std::move(path)), done_(std::move(done)) { }
    void onExit(const state::ChildOutcome& outcome);

    std::string path_;
    Done done_;
    state::ChildLimits limits_;
    std::unique_ptr<state::SupervisedChild> child_;
};

} // namespace ck::power
