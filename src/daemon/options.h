// Command-line options of console-kit-daemon: the classic three plus every path it reads or writes.
#pragma once

#include <string>

#include "util/result.h"
#include "vt/watch_mode.h"

namespace ck::daemon {

struct Options {
    bool noDaemon = false;
    bool debug = false;
    bool timedExit = false;
    bool legacyActiveSessionSignal = false;
    vt::WatchMode vtWatch = vt::WatchMode::Auto;
    std::string console = "/dev/tty0";
    std::string rundir; // database, pid file, restart state
    std::string logdir; // history
    std::string confdir; // seats.d, run-session.d, run-seat.d
    std::string hooksLibdir; // second hook directory (lib/ConsoleKit)
    std::string userRundir; // parent of XDG_RUNTIME_DIRs
    std::string powerScriptsDir;
    std::string procRoot = "/proc";
    unsigned hookTimeoutMs = 15000;
    unsigned powerScriptTimeoutMs = 600000; // power::kDefaultPowerScriptTimeoutMs
    unsigned activationTimeoutMs = 5000;
    // System actions, inhibitors, runtime dirs, idle (src/power).
    std::string sysPowerState = "/sys/power/state";
    unsigned inhibitDelayMaxMs = 5000;
    unsigned inhibitorsPerUser = 16;
    unsigned idleThresholdSeconds = 30;
    // Session device control (src/device): where sys/, dev/ and run/udev/data/ are ("/"; a fake
    // tree in tests), and the test-only DRM-master stand-in (OFD locks instead of the ioctls).
    std::string sysfsRoot = "/";
    bool drmMasterOfdLock = false;
    // What one client can make the daemon hold (issue 16.3/18.4) and where X servers listen.
    unsigned maxSessions = 8192;
    unsigned maxSessionsPerUser = 256;
    unsigned openSessionRate = 10; // per second and non-root uid; 0 = unlimited
    unsigned openSessionBurst = 40;
    std::string x11SocketDir = "/tmp/.X11-unix";
    bool printHelpOnly = false;
    std::string helpText;
};

// Parses argv; an unknown option or a bad value is an InvalidInput error with a readable message.
Result<Options> parseOptions(int argc, char** argv);

} // namespace ck::daemon
