// PidLock: <rundir>/pid, locked (flock) for the daemon's whole life: one daemon per rundir.
//
// The lock is the daemon's very first step: a second console-kit-daemon started with the same
// paths finds it taken and exits before it writes anything (state, database, history, hooks).
// The pid is written into the locked file once the process is the one that will serve (after
// daemonizing), before the bus name is requested, and the file is removed on a clean exit.
// A daemon killed by a signal leaves the file, but not the lock: the next one takes it.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::daemon {

class PidLock {
public:
    // Creates the rundir if needed, then opens and locks <rundir>/pid without writing to it.
    // A lock held by another process is a Busy error naming that process's pid when known.
    static Result<PidLock> acquire(const std::string& rundir);

    PidLock(PidLock&&) noexcept = default;
    PidLock& operator=(PidLock&&) noexcept = default;
    ~PidLock(); // removes the file, then unlocks

    // Replaces the file's content with "<pid>\n".
    Result<void> writePid(pid_t pid);
    const std::string& path() const { return path_; }

private:
    PidLock(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) { }

    std::string path_;
    UniqueFd fd_;
};

} // namespace ck::daemon
