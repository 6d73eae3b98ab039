// The daemon's start-up order, main loop and orderly shutdown.
#include "daemon/daemon.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "bus/glib_ptr.h"
#include "bus/service.h"
#include "core/manager.h"
#include "core/seat_config.h"
#include "daemon/recorder.h"
#include "daemon/restore.h"
#include "power/idle_monitor.h"
#include "power/power_manager.h"
#include "power/runtime_dirs.h"
#include "procfs/process_info.h"
#include "util/atomic_file.h"
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

struct PidFile {
    std::string path;
    explicit PidFile(std::string p) : path(std::move(p))
    {
        if (auto r = writeFileAtomically(path, std::to_string(::getpid()) + "\n", 0644); !r) {
            log::warning("cannot write pid file: " + r.error().message);
            path.clear();
        }
    }
    ~PidFile()
    {
        if (!path.empty())
            ::unlink(path.c_str());
    }
};
} // namespace

int run(const Options& options)
{
    log::setDebug(options.debug);

    GError* raw = nullptr;
    // G_BUS_TYPE_SYSTEM honours DBUS_SYSTEM_BUS_ADDRESS (the tests' private bus).
    bus::ObjectPtr<GDBusConnection> connection(g_bus_get_sync(G_BUS_TYPE_SYSTEM, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!connection) {
        log::error(std::string("cannot connect to the system bus: ") + error->message);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(connection.get(), FALSE);

    std::unique_ptr<GMainLoop, decltype(&g_main_loop_unref)> loop(g_main_loop_new(nullptr, FALSE), &g_main_loop_unref);
    core::Manager manager;
    procfs::ProcReader proc(options.procRoot);
    bus::ServiceOptions serviceOptions;
    serviceOptions.legacyActiveSessionSignal = options.legacyActiveSessionSignal;
    serviceOptions.activationTimeoutMs = options.activationTimeoutMs;
    serviceOptions.x11SocketDir = options.x11SocketDir;
    serviceOptions.openSessionRate = options.openSessionRate;
    serviceOptions.openSessionBurst = options.openSessionBurst;
    manager.setLimits({options.maxSessions, options.maxSessionsPerUser});
    bus::Service service(connection.get(), manager, proc, serviceOptions);
    if (auto r = service.registerObjects(); !r) {
        log::error(r.error().message);
        return 1;
    }
    Recorder recorder(manager, {options.rundir + "/database", options.rundir + "/state", options.logdir + "/history"},
        {{options.confdir + "/run-session.d", options.hooksLibdir + "/run-session.d"},
            {options.confdir + "/run-seat.d", options.hooksLibdir + "/run-seat.d"}, options.hookTimeoutMs, 2000});
    service.setCommitHook([&recorder](std::function<void()> then) { recorder.commitThen(std::move(then)); });
    // ConsoleKit2 additions (src/power), before seats and restored sessions so that those get
    // runtime dirs and idle monitors too.
    power::PowerOptions powerOptions;
    powerOptions.scriptsDir = options.powerScriptsDir;
    powerOptions.machine = {options.sysPowerState, options.procRoot + "/meminfo"};
    powerOptions.inhibitDelayMaxMs = options.inhibitDelayMaxMs;
    powerOptions.inhibitorLimits.perUser = options.inhibitorsPerUser;
    power::PowerManager power(service, manager, powerOptions);
    power.onActionStarting = [&recorder](power::PowerAction action) {
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
    };
    service.setPowerHandler(&power);
    power::RuntimeDirs runtimeDirs(manager, {options.userRundir, true});
    power::TtyIdleMonitors idleMonitors(manager, std::chrono::seconds(options.idleThresholdSeconds));
    loadSeats(manager, options.confdir);
    const RestoreCounts restored
        = restoreSessions(options.rundir + "/state", manager, connection.get(), proc, recorder);
    if (restored.restored + restored.closed > 0)
        log::info("restart: restored " + std::to_string(restored.restored) + " session(s), closed "
            + std::to_string(restored.closed) + " whose leader had left");

    std::unique_ptr<vt::VtMonitor> monitor;
    std::optional<MonitorVtControl> vtControl;
    if (manager.consoleSeat() != nullptr) {
        auto m = vt::VtMonitor::open(
            options.console, options.vtWatch, [&service](unsigned vt) { service.activeVtChanged(vt); });
        if (m) {
            monitor = std::move(m).value();
            vtControl.emplace(*monitor);
            service.setVtControl(&*vtControl);
            service.activeVtChanged(monitor->activeVt());
            log::debug(std::string("VT watcher: ") + vt::watchModeName(monitor->mode()) + ", "
                + std::to_string(monitor->threadCount()) + " thread(s), active VT "
                + std::to_string(monitor->activeVt()));
        } else {
            log::warning("not following VT switches: " + m.error().message);
        }
    }

    // Handlers before the name is owned: a SIGTERM right after start-up must end us cleanly.
    auto quit = +[](gpointer data) -> gboolean {
        g_main_loop_quit(static_cast<GMainLoop*>(data));
        return G_SOURCE_CONTINUE;
    };
    bus::SourceId term(g_unix_signal_add(SIGTERM, quit, loop.get()));
    bus::SourceId intr(g_unix_signal_add(SIGINT, quit, loop.get()));
    bus::SourceId hup(g_unix_signal_add(
        SIGHUP,
        [](gpointer) -> gboolean {
            log::info("SIGHUP ignored: there is no configuration to reload (seats.d is read at start)");
            return G_SOURCE_CONTINUE;
        },
        nullptr));
    bus::SourceId usr1(g_unix_signal_add(
        SIGUSR1,
        [](gpointer) -> gboolean {
            log::setDebug(!log::debugEnabled());
            log::info(std::string("debug logging ") + (log::debugEnabled() ? "on" : "off"));
            return G_SOURCE_CONTINUE;
        },
        nullptr));
    if (auto r = requestName(connection.get()); !r) {
        log::error(r.error().message);
        return 1;
    }
    PidFile pidFile(options.rundir + "/pid");

    // The bus going away or our name being taken ends the daemon.
    guint nameLost = g_dbus_connection_signal_subscribe(
        connection.get(), "org.freedesktop.DBus", "org.freedesktop.DBus", "NameLost", "/org/freedesktop/DBus", kBusName,
        G_DBUS_SIGNAL_FLAGS_NONE,
        [](GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, GVariant*, gpointer data) {
            log::warning("lost the bus name; exiting");
            g_main_loop_quit(static_cast<GMainLoop*>(data));
        },
        loop.get(), nullptr);
    gulong closed = g_signal_connect(connection.get(), "closed",
        G_CALLBACK(+[](GDBusConnection*, gboolean, GError*, gpointer data) {
            log::warning("the system bus went away; exiting");
            g_main_loop_quit(static_cast<GMainLoop*>(data));
        }),
        loop.get());
    bus::SourceId timed;
    if (options.timedExit)
        timed = bus::SourceId(g_timeout_add_seconds(
            30,
            +[](gpointer data) -> gboolean {
                g_main_loop_quit(static_cast<GMainLoop*>(data));
                return G_SOURCE_CONTINUE; // `timed` removes it: no double removal
            },
            loop.get()));

    sd_notify(0, "READY=1");
    log::info(std::string("console-kit-daemon ready on the system bus (")
        + g_dbus_connection_get_unique_name(connection.get()) + ")");
    g_main_loop_run(loop.get());
    sd_notify(0, "STOPPING=1");

    g_signal_handler_disconnect(connection.get(), closed);
    g_dbus_connection_signal_unsubscribe(connection.get(), nameLost);
    return 0;
}

} // namespace ck::daemon
