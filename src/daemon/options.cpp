// Option parsing with GOption (the classic daemon's option names and help texts).
#include "daemon/options.h"

#include <glib.h>

#include <memory>

#include "ck-config.h"

namespace ck::daemon {

Result<Options> parseOptions(int argc, char** argv)
{
    Options o;
    o.rundir = CK_RUNDIR;
    o.logdir = CK_LOGDIR;
    o.confdir = CK_CONFDIR;
    o.hooksLibdir = CK_LIBDIR_CK;
    o.userRundir = CK_USER_RUNDIR;
    o.powerScriptsDir = CK_POWER_SCRIPTS_DIR;

    gboolean noDaemon = FALSE, debug = FALSE, timedExit = FALSE, legacy = FALSE;
    gchar *vtWatch = nullptr, *console = nullptr, *rundir = nullptr, *logdir = nullptr, *confdir = nullptr,
          *hooksLibdir = nullptr, *userRundir = nullptr, *powerDir = nullptr, *procRoot = nullptr;
    gint hookTimeout = -1, activationTimeout = -1, powerScriptTimeout = -1;
    gchar* sysPowerState = nullptr;
    gint inhibitDelayMax = -1, inhibitorsPerUser = -1, idleThreshold = -1;
    gchar *sysfsRoot = nullptr, *drmMaster = nullptr;
    // Hostile-client bounds (issue 16.3/18.4) and where X servers listen (17.2).
    gint maxSessions = -1, maxSessionsPerUser = -1, openRate = -1, openBurst = -1;
    gchar* x11SocketDir = nullptr;
    GOptionEntry entries[] = {
        {"no-daemon", 0, 0, G_OPTION_ARG_NONE, &noDaemon, "Don't become a daemon", nullptr},
        {"debug", 0, 0, G_OPTION_ARG_NONE, &debug, "Enable debugging code", nullptr},
        {"timed-exit", 0, 0, G_OPTION_ARG_NONE, &timedExit, "Exit after a time - for debugging", nullptr},
        {"vt-watch", 0, 0, G_OPTION_ARG_STRING, &vtWatch,
            "How to follow VT switches: auto, waitevent, waitactive, none", "MODE"},
        {"console", 0, 0, G_OPTION_ARG_FILENAME, &console, "Console device for VT ioctls (default /dev/tty0)", "DEV"},
        {"rundir", 0, 0, G_OPTION_ARG_FILENAME, &rundir, "State directory (default " CK_RUNDIR ")", "DIR"},
        {"logdir", 0, 0, G_OPTION_ARG_FILENAME, &logdir, "History log directory (default " CK_LOGDIR ")", "DIR"},
        {"confdir", 0, 0, G_OPTION_ARG_FILENAME, &confdir, "Configuration directory (default " CK_CONFDIR ")", "DIR"},
        {"hooks-libdir", 0, 0, G_OPTION_ARG_FILENAME, &hooksLibdir, "Second hook directory (default " CK_LIBDIR_CK ")",
            "DIR"},
        {"user-rundir", 0, 0, G_OPTION_ARG_FILENAME, &userRundir,
            "Parent of XDG_RUNTIME_DIRs (default " CK_USER_RUNDIR ")", "DIR"},
        {"power-scripts-dir", 0, 0, G_OPTION_ARG_FILENAME, &powerDir,
            "Directory of the ck-system-* scripts (default " CK_POWER_SCRIPTS_DIR ")", "DIR"},
        {"proc-root", 0, 0, G_OPTION_ARG_FILENAME, &procRoot, "Where /proc is (tests)", "DIR"},
        {"hook-timeout-ms", 0, 0, G_OPTION_ARG_INT, &hookTimeout, "Time a hook may run (default 15000)", "MS"},
        {"power-script-timeout-ms", 0, 0, G_OPTION_ARG_INT, &powerScriptTimeout,
            "Time a ck-system-* script may run, asleep not counted (default 600000)", "MS"},
        {"activation-timeout-ms", 0, 0, G_OPTION_ARG_INT, &activationTimeout,
            "Time an activation waits for the VT switch (default 5000)", "MS"},
        {"legacy-active-session-signal", 0, 0, G_OPTION_ARG_NONE, &legacy,
            "Send Seat.ActiveSessionChanged with 0.4.6's wire type 's' (for old dbus-glib clients)", nullptr},
        {"sys-power-state", 0, 0, G_OPTION_ARG_FILENAME, &sysPowerState,
            "Sleep states the kernel offers (default /sys/power/state)", "FILE"},
        {"inhibit-delay-max-ms", 0, 0, G_OPTION_ARG_INT, &inhibitDelayMax,
            "Longest time delay inhibitors hold off a system action (default 5000)", "MS"},
        {"inhibitors-per-user", 0, 0, G_OPTION_ARG_INT, &inhibitorsPerUser,
            "Inhibitor locks one non-root user may hold (default 16)", "N"},
        {"idle-threshold-seconds", 0, 0, G_OPTION_ARG_INT, &idleThreshold,
            "Inactivity after which a text session is idle (default 30)", "SECONDS"},
        {"sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &sysfsRoot,
            "Root of sys/, dev/ and run/udev/data/ for session devices (default /; tests)", "DIR"},
        {"drm-master", 0, 0, G_OPTION_ARG_STRING, &drmMaster,
            "DRM master through the ioctls, or ofd-lock: a stand-in for tests (default ioctl)", "ioctl|ofd-lock"},
        {"max-sessions", 0, 0, G_OPTION_ARG_INT, &maxSessions, "Sessions open at once (default 8192)", "N"},
        {"max-sessions-per-user", 0, 0, G_OPTION_ARG_INT, &maxSessionsPerUser,
            "Sessions of one unix-user open at once (default 256)", "N"},
        {"open-session-rate", 0, 0, G_OPTION_ARG_INT, &openRate,
            "OpenSession calls per second one non-root user may make, 0 = unlimited (default 10)", "N"},
        {"open-session-burst", 0, 0, G_OPTION_ARG_INT, &openBurst,
            "OpenSession calls one non-root user may make at once (default 40)", "N"},
        {"x11-socket-dir", 0, 0, G_OPTION_ARG_FILENAME, &x11SocketDir,
            "Where X servers listen, as X<N> (default /tmp/.X11-unix)", "DIR"},
        {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr},
    };
    std::unique_ptr<GOptionContext, decltype(&g_option_context_free)> ctx(
        g_option_context_new(nullptr), &g_option_context_free);
    g_option_context_set_summary(ctx.get(), "Tracks seats and login sessions (ConsoleKit).");
    g_option_context_add_main_entries(ctx.get(), entries, nullptr);
    g_option_context_set_help_enabled(ctx.get(), TRUE);
    GError* error = nullptr;
    const bool parsed = g_option_context_parse(ctx.get(), &argc, &argv, &error);
    auto take = [](gchar*& s, std::string& out) {
        if (s != nullptr)
            out = s;
        g_free(s);
        s = nullptr;
    };
    std::string mode;
    take(vtWatch, mode);
    take(console, o.console);
    take(rundir, o.rundir);
    take(logdir, o.logdir);
    take(confdir, o.confdir);
    take(hooksLibdir, o.hooksLibdir);
    take(userRundir, o.userRundir);
    take(powerDir, o.powerScriptsDir);
    take(procRoot, o.procRoot);
    take(sysPowerState, o.sysPowerState);
    take(sysfsRoot, o.sysfsRoot);
    std::string master;
    take(drmMaster, master);
    take(x11SocketDir, o.x11SocketDir);
    if (!parsed) {
        std::string msg = error->message;
        g_error_free(error);
        return Error{ErrorCode::InvalidInput, msg};
    }
    o.noDaemon = noDaemon;
    o.debug = debug;
    o.timedExit = timedExit;
    o.legacyActiveSessionSignal = legacy;
    if (!mode.empty()) {
        auto m = vt::parseWatchMode(mode);
        if (!m)
            return Error{ErrorCode::InvalidInput, "--vt-watch: " + m.error().message};
        o.vtWatch = *m;
    }
    if (!master.empty() && master != "ioctl" && master != "ofd-lock")
        return Error{ErrorCode::InvalidInput, "--drm-master must be ioctl or ofd-lock, not " + master};
    o.drmMasterOfdLock = master == "ofd-lock";
    if (hookTimeout == 0 || hookTimeout < -1 || activationTimeout == 0 || activationTimeout < -1
        || powerScriptTimeout == 0 || powerScriptTimeout < -1)
        return Error{ErrorCode::InvalidInput, "timeouts must be positive"};
    if (powerScriptTimeout > 0)
        o.powerScriptTimeoutMs = static_cast<unsigned>(powerScriptTimeout);
    if (hookTimeout > 0)
        o.hookTimeoutMs = static_cast<unsigned>(hookTimeout);
    if (activationTimeout > 0)
        o.activationTimeoutMs = static_cast<unsigned>(activationTimeout);
    if (inhibitDelayMax == 0 || inhibitDelayMax < -1 || inhibitorsPerUser < -1 || idleThreshold == 0
        || idleThreshold < -1)
        return Error{ErrorCode::InvalidInput,
            "--inhibit-delay-max-ms and --idle-threshold-seconds must be positive, "
            "--inhibitors-per-user must not be negative"};
    if (inhibitDelayMax > 0)
        o.inhibitDelayMaxMs = static_cast<unsigned>(inhibitDelayMax);
    if (inhibitorsPerUser >= 0)
        o.inhibitorsPerUser = static_cast<unsigned>(inhibitorsPerUser);
    if (idleThreshold > 0)
        o.idleThresholdSeconds = static_cast<unsigned>(idleThreshold);
    if (maxSessions == 0 || maxSessions < -1 || maxSessionsPerUser == 0 || maxSessionsPerUser < -1 || openRate < -1
        || openBurst == 0 || openBurst < -1)
        return Error{ErrorCode::InvalidInput,
            "--max-sessions, --max-sessions-per-user and --open-session-burst must be positive, "
            "--open-session-rate must not be negative"};
    if (maxSessions > 0)
        o.maxSessions = static_cast<unsigned>(maxSessions);
    if (maxSessionsPerUser > 0)
        o.maxSessionsPerUser = static_cast<unsigned>(maxSessionsPerUser);
    if (openRate >= 0)
        o.openSessionRate = static_cast<unsigned>(openRate);
    if (openBurst > 0)
        o.openSessionBurst = static_cast<unsigned>(openBurst);
    return o;
}

} // namespace ck::daemon
