// Daemon: the daemon's life in explicit phases.
//
// start():
//   1. lock       <rundir>/pid under flock (PidLock): a second daemon with the same paths stops
//                 here, having written nothing; then daemonize (unless --no-daemon) and write the pid
//   2. connect    to the system bus
//   3. build      the model, the Recorder, power, runtime dirs, idle monitors; load the seats and
//                 restore the previous daemon's sessions. The Recorder's writes are held: they are
//                 main-loop work, and the loop does not run yet (history lines excepted)
//   4. register   the objects, and the signal sources (before the name is owned: a SIGTERM that
//                 follows a client's sight of the name must end the daemon cleanly)
//   5. VT monitor (before the name too: a client that finds the name finds the active session)
//   6. name       RequestName without queueing
//   7. commit     the first commit of the Recorder, then READY=1
// stop() undoes it in reverse: no more signal sources, the VT monitor's thread joined, the objects
// unregistered (no call is served any more), the last commit (held replies go out), then the hooks
// that commit queued run to their end, each bounded by its timeout as always (none is killed
// because the daemon exits), and the pid file goes last.
//
// Exit status: 0 after SIGTERM/SIGINT or --timed-exit; 1 when start-up fails, when the system bus
// goes away or the name is lost (a supervisor restarts the daemon; the restart state is kept, so
// the next daemon brings every session back).
#pragma once

#include <memory>

#include "daemon/options.h"
#include "util/result.h"

namespace ck::daemon {

class Daemon {
public:
    explicit Daemon(Options options);
    ~Daemon(); // stop() if it was not called
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Phases 1–7. On error, stop() undoes what was done.
    Result<void> start();
    // Runs the main loop until a stop is asked for or the bus goes away.
    void run();
    // The reverse phases; returns the exit status.
    int stop();

private:
    struct Parts;
    void drainHooks();

    Options options_;
    std::unique_ptr<Parts> parts_;
    bool failed_ = false; // the bus went away or the name was lost
    bool stopped_ = false;
};

// start(), run(), stop(): the exit status of the process.
int run(const Options& options);

} // namespace ck::daemon
