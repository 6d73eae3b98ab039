// PidLock: <rundir>/pid, locked (flock) for the daemon's whole life: one daemon per rundir.
//
// The lock is the daemon's very first step: a second console-kit-daemon started with the same
// paths finds it taken and exits before it writes anything (state, database, history, hooks).
// The pid is written into the locked file once the process is the one that will serve (after
// daemonizing), before the bus name is requested, and the file is removed on a clean exit.
// A daemon killed by a signal leaves the file, but not the lock: the next one takes it.
// The lock is taken on the rundir itself as well, first: on a read-only rundir, where the pid
// file cannot be created, the daemon still starts (its calls are answered; issue 16.4) and a
// second one is still refused.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::daemon {

class PidLock {
public:
    // Creates the rundir if needed, locks it, then opens and locks <rundir>/pid without writing
    // to it (no pid file on a read-only rundir).
    // A lock held by another process is a Busy error naming that process's pid when known.
    static Result<PidLock> acquire(const std::string& rundir);

    PidLock(PidLock&&) noexcept = default;
    PidLock& operator=(PidLock&&) noexcept = default;
    ~PidLock(); // removes the file, then unlocks

    // Replaces the file's content with "<pid>\n".
    Result<void> writePid(pid_t pid);
    const std::string& path() const { return path_; }

private:
    PidLock(std::string path, UniqueFd dir, UniqueFd fd)
        : path_(std::move(path)), dir_(std::move(dir)), fd_(std::move(fd))
    { }

    std::string path_; // empty without a pid file (read-only rundir)
    UniqueFd dir_; // the rundir, locked
    UniqueFd fd_; // the pid file, locked
};

} // namespace ck::daemon
