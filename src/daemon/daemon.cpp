// Daemon: the start-up phases, the main loop and the shutdown in reverse (daemon.h).
#include "daemon/daemon.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "bus/glib_ptr.h"
#include "bus/service.h"
#include "core/manager.h"
#include "core/seat_config.h"
#include "daemon/device_setup.h"
#include "daemon/pid_lock.h"
#include "daemon/recorder.h"
#include "daemon/restore.h"
#include "power/idle_monitor.h"
#include "power/power_manager.h"
#include "power/runtime_dirs.h"
#include "procfs/process_info.h"
#include "util/log.h"
#include "vt/vt_monitor.h"

namespace ck::daemon {

namespace {
constexpr const char* kBusName = "org.freedesktop.ConsoleKit";

class MonitorVtControl final : public bus::VtControl {
public:
    explicit MonitorVtControl(vt::VtMonitor& monitor) : monitor_(monitor) { }
    Result<void> activate(unsigned vt) override { return monitor_.activate(vt); }

private:
    vt::VtMonitor& monitor_;
};

// Asks the bus for our name without queueing: another owner means another daemon runs.
Result<void> requestName(GDBusConnection* connection)
{
    GError* raw = nullptr;
    bus::VariantPtr reply(g_dbus_connection_call_sync(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "RequestName", g_variant_new("(su)", kBusName, 4u /* DBUS_NAME_FLAG_DO_NOT_QUEUE */),
        G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!reply)
        return Error{ErrorCode::Failed, std::string("cannot own ") + kBusName + ": " + error->message};
    guint32 result = 0;
    g_variant_get(reply.get(), "(u)", &result);
    if (result != 1 /* PRIMARY_OWNER */)
        return Error{ErrorCode::Busy,
            std::string(kBusName)
                + " is already owned on the system bus: another "
                  "console-kit-daemon is running"};
    return {};
}

void loadSeats(core::Manager& manager, const std::string& confdir)
{
    std::vector<std::string> problems;
    auto configs = core::loadSeatConfigs(confdir + "/seats.d", problems);
    for (const auto& p : problems)
        log::warning("ignoring seat file: " + p);
    if (configs.empty())
        log::warning("no static seat in " + confdir + "/seats.d: every session gets a dynamic seat");
    for (auto& cfg : configs)
        manager.addStaticSeat(std::move(cfg.devices));
}

} // namespace

// Everything start() builds, in construction order; stop() takes it down in reverse.
struct Daemon::Parts {
    std::optional<PidLock> pidLock;
    bus::ObjectPtr<GDBusConnection> connection;
    std::unique_ptr<GMainLoop, decltype(&g_main_loop_unref)> loop{g_main_loop_new(nullptr, FALSE), &g_main_loop_unref};
    core::Manager manager;
    std::optional<procfs::ProcReader> proc;
    std::optional<bus::Service> service;
    std::optional<Recorder> recorder;
    std::optional<power::PowerManager> power;
    std::optional<power::RuntimeDirs> runtimeDirs;
    std::optional<power::TtyIdleMonitors> idleMonitors;
    // Holds the re-checks of restored leaders the bus could not vouch for: they run from the loop.
    std::optional<RestoreCounts> restored;
    std::vector<bus::SourceId> signalSources;
    std::unique_ptr<vt::VtMonitor> monitor;
    std::optional<MonitorVtControl> vtControl;
    // Session device control (issue 13): ends first at stop, restoring the controlled VTs.
    std::optional<DeviceSetup> devices;
    guint nameLost = 0;
    gulong closed = 0;
    bus::SourceId timed;
};

namespace {
void logPowerAction(Recorder& recorder, power::PowerAction action)
{
    using T = state::HistoryEventType;
    T type = T::SystemStop;
    switch (action) {
    case power::PowerAction::Stop:
        type = T::SystemStop;
        break;
    case power::PowerAction::Restart:
        type = T::SystemRestart;
        break;
    case power::PowerAction::Suspend:
        type = T::SystemSuspend;
        break;
    case power::PowerAction::Hibernate:
        type = T::SystemHibernate;
        break;
    case power::PowerAction::HybridSleep:
        type = T::SystemHybridSleep;
        break;
    }
    recorder.logEvent(state::systemEvent(type, realtimeNow()));
}

gboolean quitLoop(gpointer data) noexcept
{
    g_main_loop_quit(static_cast<GMainLoop*>(data));
    return G_SOURCE_CONTINUE; // the SourceId that owns it removes it
}
} // namespace

Daemon::Daemon(Options options) : options_(std::move(options)) { }

Daemon::~Daemon()
{
    if (!stopped_)
        stop();
}

Result<void> Daemon::start()
{
    log::setDebug(options_.debug);
    DeviceSetup::blockVtSignals(); // before any thread exists (issue 13: VT_PROCESS signals)
    parts_ = std::make_unique<Parts>();
    Parts& p = *parts_;

    // 1. lock: before anything is written anywhere.
    auto lock = PidLock::acquire(options_.rundir);
    if (!lock)
        return lock.error();
    p.pidLock.emplace(std::move(lock).value());
    if (!options_.noDaemon) {
        // The lock is inherited: it stays ours in the child, the parent exits without unlinking.
        if (::daemon(0, 0) != 0)
            return Error{ErrorCode::Failed, std::string("daemon: ") + std::strerror(errno)};
        log::useSyslogWithoutJournal(); // stderr is /dev/null now
    }
    if (auto r = p.pidLock->writePid(::getpid()); !r)
        log::warning(r.error().message);

    // 2. connect. G_BUS_TYPE_SYSTEM honours DBUS_SYSTEM_BUS_ADDRESS (the tests' private bus).
    GError* raw = nullptr;
    p.connection.reset(g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!p.connection)
        return Error{ErrorCode::Failed, std::string("cannot connect to the system bus: ") + error->message};
    g_dbus_connection_set_exit_on_close(p.connection.get(), FALSE);

    // 3. build and restore.
    p.proc.emplace(options_.procRoot);
    bus::ServiceOptions serviceOptions;
    serviceOptions.legacyActiveSessionSignal = options_.legacyActiveSessionSignal;
    serviceOptions.activationTimeoutMs = options_.activationTimeoutMs;
    serviceOptions.x11SocketDir = options_.x11SocketDir;
    serviceOptions.openSessionRate = options_.openSessionRate;
    serviceOptions.openSessionBurst = options_.openSessionBurst;
    p.manager.setLimits({options_.maxSessions, options_.maxSessionsPerUser});
    p.service.emplace(p.connection.get(), p.manager, *p.proc, serviceOptions);
    p.recorder.emplace(p.manager,
        RecorderPaths{options_.rundir + "/database", options_.rundir + "/state", options_.logdir + "/history"},
        state::HookRunnerConfig{{options_.confdir + "/run-session.d", options_.hooksLibdir + "/run-session.d"},
            {options_.confdir + "/run-seat.d", options_.hooksLibdir + "/run-seat.d"}, options_.hookTimeoutMs, 2000});
    p.service->setCommitHook([&p](std::function<void()> then) { p.recorder->commitThen(std::move(then)); });
    // ConsoleKit2 additions (src/power), before seats and restored sessions so that those get
    // runtime dirs and idle monitors too.
    power::PowerOptions powerOptions;
    powerOptions.scriptsDir = options_.powerScriptsDir;
    powerOptions.machine = {options_.sysPowerState, options_.procRoot + "/meminfo"};
    powerOptions.inhibitDelayMaxMs = options_.inhibitDelayMaxMs;
    powerOptions.scriptTimeoutMs = options_.powerScriptTimeoutMs;
    powerOptions.inhibitorLimits.perUser = options_.inhibitorsPerUser;
    p.power.emplace(*p.service, p.manager, powerOptions);
    p.power->onActionStarting = [&p](power::PowerAction action) { logPowerAction(*p.recorder, action); };
    p.service->setPowerHandler(&*p.power);
    p.runtimeDirs.emplace(p.manager, power::RuntimeDirOptions{options_.userRundir, true});
    p.idleMonitors.emplace(p.manager, std::chrono::seconds(options_.idleThresholdSeconds));
    loadSeats(p.manager, options_.confdir);
    const RestoreCounts& restored = p.restored.emplace(
        restoreSessions(options_.rundir + "/state", p.manager, p.connection.get(), *p.proc, *p.recorder));
    if (restored.restored + restored.closed > 0)
        log::info("restart: restored " + std::to_string(restored.restored) + " session(s), closed "
            + std::to_string(restored.closed) + " whose leader had left");

    // 4. register the objects and the signal sources.
    if (auto r = p.service->registerObjects(); !r)
        return r.error();
    p.signalSources.emplace_back(g_unix_signal_add(SIGTERM, quitLoop, p.loop.get()));
    p.signalSources.emplace_back(g_unix_signal_add(SIGINT, quitLoop, p.loop.get()));
    p.signalSources.emplace_back(g_unix_signal_add(
        SIGHUP,
        [](gpointer) noexcept -> gboolean {
            log::info("SIGHUP ignored: there is no configuration to reload (seats.d is read at start)");
            return G_SOURCE_CONTINUE;
        },
        nullptr));
    p.signalSources.emplace_back(g_unix_signal_add(
        SIGUSR1,
        [](gpointer) noexcept -> gboolean {
            log::setDebug(!log::debugEnabled());
            log::info(std::string("debug logging ") + (log::debugEnabled() ? "on" : "off"));
            return G_SOURCE_CONTINUE;
        },
        nullptr));
    // The bus going away or our name being taken ends the daemon with a failure status.
    p.nameLost = g_dbus_connection_signal_subscribe(
        p.connection.get(), "org.freedesktop.DBus", "org.freedesktop.DBus", "NameLost", "/org/freedesktop/DBus",
        kBusName, G_DBUS_SIGNAL_FLAGS_NONE,
        [](GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, GVariant*, gpointer data) noexcept {
            log::error("lost the bus name; exiting");
            auto* self = static_cast<Daemon*>(data);
            self->failed_ = true;
            g_main_loop_quit(self->parts_->loop.get());
        },
        this, nullptr);
    p.closed = g_signal_connect(p.connection.get(), "closed",
        G_CALLBACK(+[](GDBusConnection*, gboolean, GError*, gpointer data) noexcept {
            log::error("the system bus went away; exiting (the sessions are kept for the next start)");
            auto* self = static_cast<Daemon*>(data);
            self->failed_ = true;
            g_main_loop_quit(self->parts_->loop.get());
        }),
        this);

    // 5. the VT monitor.
    if (p.manager.consoleSeat() != nullptr) {
        auto m = vt::VtMonitor::open(
            options_.console, options_.vtWatch, [service = &*p.service](unsigned vt) { service->activeVtChanged(vt); });
        if (m) {
            p.monitor = std::move(m).value();
            p.vtControl.emplace(*p.monitor);
            p.service->setVtControl(&*p.vtControl);
            p.service->activeVtChanged(p.monitor->activeVt());
            log::debug(std::string("VT watcher: ") + vt::watchModeName(p.monitor->mode()) + ", "
                + std::to_string(p.monitor->threadCount()) + " thread(s), active VT "
                + std::to_string(p.monitor->activeVt()));
        } else {
            log::warning("not following VT switches: " + m.error().message);
        }
    }
    p.devices.emplace(options_, *p.service, p.manager);

    // 6. the name.
    if (auto r = requestName(p.connection.get()); !r)
        return r.error();
    p.devices->tellPreviousControllers();
    if (options_.timedExit)
        p.timed = bus::SourceId(g_timeout_add_seconds(30, quitLoop, p.loop.get()));

    // 7. the first commit, then READY.
    p.recorder->commit();
    sd_notify(0, "READY=1");
    log::info(std::string("console-kit-daemon ready on the system bus (")
        + g_dbus_connection_get_unique_name(p.connection.get()) + ")");
    return {};
}

void Daemon::run()
{
    g_main_loop_run(parts_->loop.get());
}

int Daemon::stop()
{
    if (stopped_)
        return failed_ ? 1 : 0;
    stopped_ = true;
    if (!parts_)
        return 1;
    Parts& p = *parts_;
    sd_notify(0, "STOPPING=1");
    p.timed.reset();
    // Session controllers lose control; their VTs go back to text mode and VT_AUTO.
    p.devices.reset();
    // The VT monitor: its thread joined, no more switches.
    if (p.service)
        p.service->setVtControl(nullptr);
    p.vtControl.reset();
    p.monitor.reset();
    // No call is served any more, no bus event is followed.
    if (p.closed != 0)
        g_signal_handler_disconnect(p.connection.get(), std::exchange(p.closed, 0));
    if (p.nameLost != 0)
        g_dbus_connection_signal_unsubscribe(p.connection.get(), std::exchange(p.nameLost, 0));
    if (p.service)
        p.service->unregisterObjects();
    // The last commit: the held replies go out, the database shows every change, and the hooks
    // of those changes start. They run to their end (each bounded by its timeout, then killed as
    // during normal operation) before the Recorder and its HookRunner go.
    if (p.recorder) {
        p.recorder->flush();
        drainHooks();
    }
    p.signalSources.clear();
    p.restored.reset(); // no more leader re-checks
    p.idleMonitors.reset();
    p.runtimeDirs.reset();
    p.power.reset();
    p.recorder.reset();
    p.service.reset();
    p.proc.reset();
    // Calls still waiting (a power script, a VT switch) were answered with an error when their
    // owners went above; write those replies out before the connection goes, or their callers
    // would see NoReply. Returns at once when the bus is gone.
    if (p.connection)
        (void)g_dbus_connection_flush_sync(p.connection.get(), nullptr, nullptr);
    p.connection.reset();
    p.pidLock.reset(); // last: the pid file goes once nothing else is left to write
    parts_.reset();
    return failed_ ? 1 : 0;
}

void Daemon::drainHooks()
{
    Recorder& recorder = *parts_->recorder;
    // A safety net only: the HookRunner ends each program within timeout + kill grace.
    const gint64 perHookUs = (static_cast<gint64>(options_.hookTimeoutMs) + 3000) * 1000;
    gint64 deadline = g_get_monotonic_time() + perHookUs * static_cast<gint64>(recorder.hooksPending());
    while (recorder.hooksPending() > 0) {
        if (g_get_monotonic_time() > deadline) {
            log::warning(std::to_string(recorder.hooksPending()) + " hook program(s) not finished at exit");
            return;
        }
        g_main_context_iteration(nullptr, TRUE);
    }
}

int run(const Options& options)
{
    Daemon daemon(options);
    if (auto r = daemon.start(); !r) {
        log::error(r.error().message);
        daemon.stop();
        return 1;
    }
    daemon.run();
    return daemon.stop();
}

} // namespace ck::daemon
