// Service: the D-Bus face of the Manager. One subtree registration serves Manager, every Seat and
// every Session (a session costs no GDBus object), core signals become D-Bus signals, and each
// method call becomes a typed core call after its caller is known.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "bus/call.h"
#include "bus/caller.h"
#include "bus/errors.h"
#include "bus/glib_ptr.h"
#include "core/manager.h"
#include "core/rate_limiter.h"
#include "procfs/process_info.h"
#include "util/typed_signal.h"

namespace ck::bus {

// Switching VTs, as the VT monitor offers it (absent when there is no console).
class VtControl {
public:
    virtual ~VtControl() = default;
    virtual Result<void> activate(unsigned vt) = 0;
};

// Handlers for the ConsoleKit2 power and inhibitor methods (issue: power and inhibitors).
class PowerHandler {
public:
    virtual ~PowerHandler() = default;
    // Returns true when the method is one of its own; it then replies through `reply` (now or
    // later, after moving it away).
    virtual bool handle(const std::string& method, GVariant* parameters, PendingReply& reply, const Caller& caller) = 0;
};

// Session device control methods (TakeControl, TakeDevice, …) and the activity hook they need
// (src/bus/session_devices.h). Without one, they answer NotSupported.
class DeviceHandler {
public:
    virtual ~DeviceHandler() = default;
    virtual void handle(const std::string& method, core::Session& session, const std::string& sender,
        const Caller& caller, GVariant* parameters, PendingReply& reply)
        = 0;
    // Called for `false` before ActiveChanged(false) is emitted and for `true` after
    // ActiveChanged(true): PauseDevice goes before the change, ResumeDevice after it.
    virtual void sessionActiveChanged(core::Session& session, bool active) = 0;
};

struct ServiceOptions {
    bool legacyActiveSessionSignal = false; // Seat.ActiveSessionChanged as 's' ("" when none), 0.4.6 wire type
    unsigned activationTimeoutMs = 5000;
    std::string x11SocketDir = "/tmp/.X11-unix"; // where X servers listen (and "@" + it, abstract)
    // OpenSession/OpenSessionWithParameters calls one non-root uid may make: a token bucket of
    // `openSessionBurst` refilled at `openSessionRate` per second (0 = unlimited).
    unsigned openSessionRate = 10;
    unsigned openSessionBurst = 40;
};

class Service {
public:
    Service(
        GDBusConnection* connection, core::Manager& manager, const procfs::ProcReader& proc, ServiceOptions options);
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    Result<void> registerObjects();
    // No call is served and no leader followed any more (the daemon's stop; the destructor too).
    void unregisterObjects();
    void setVtControl(VtControl* vt) { vt_ = vt; }
    void setPowerHandler(PowerHandler* power) { power_ = power; }
    void setDeviceHandler(DeviceHandler* devices) { devices_ = devices; }
    // A reply that creates or ends a session is sent through this hook once the state that
    // includes it is on disk (lossless restart). Without a hook replies go at once.
    using CommitHook = std::function<void(std::function<void()> sendReply)>;
    void setCommitHook(CommitHook commit) { commit_ = std::move(commit); }
    // The VT monitor saw the active VT change.
    void activeVtChanged(unsigned vt);

    GDBusConnection* connection() const { return connection_; }
    void emitManagerSignal(const char* name, GVariant* args);

    // Tell users that a bus name vanished (leaders, inhibitors, cached callers).
    Signal<const std::string&> nameVanished;

private:
    struct Call;
    struct PendingActivation;
    using Handler = void (Service::*)(Call&);

    static const GDBusSubtreeVTable kSubtreeVTable;
    static const GDBusInterfaceVTable kInterfaceVTable;
    static gchar** enumerate(GDBusConnection*, const gchar*, const gchar*, gpointer data);
    static GDBusInterfaceInfo** introspect(
        GDBusConnection*, const gchar*, const gchar*, const gchar* node, gpointer data);
    static const GDBusInterfaceVTable* dispatch(GDBusConnection*, const gchar*, const gchar*, const gchar* iface,
        const gchar* node, gpointer* outData, gpointer data);
    static void onMethodCall(GDBusConnection*, const gchar* sender, const gchar* path, const gchar* iface,
        const gchar* method, GVariant* params, GDBusMethodInvocation* invocation, gpointer data);
    static GVariant* onGetProperty(GDBusConnection*, const gchar* sender, const gchar* path, const gchar* iface,
        const gchar* property, GError** error, gpointer data);
    static void onNameOwnerChanged(
        GDBusConnection*, const gchar*, const gchar*, const gchar*, const gchar*, GVariant* params, gpointer data);

    void connectCoreSignals();
    void emit(const std::string& path, const char* iface, const char* name, GVariant* args);
    void emitPropertiesChanged(const std::string& path, const char* iface, std::vector<const char*> names);
    void leaderGone(const std::string& busName);

    GVariant* sessionProperty(const core::Session& s, const std::string& name);
    GVariant* seatProperty(const core::Seat& s, const std::string& name);

    // Manager methods
    void openSession(Call& c);
    void openSessionWithParameters(Call& c);
    void closeSession(Call& c);
    void getSeats(Call& c);
    void getSessions(Call& c);
    void listSeats(Call& c);
    void listSessions(Call& c);
    void getSession(Call& c);
    void getSessionForCookie(Call& c);
    void getSessionForUnixProcess(Call& c);
    void getCurrentSession(Call& c);
    void getSessionsForUnixUser(Call& c);
    void getSystemIdleHint(Call& c);
    void getSystemIdleSinceHint(Call& c);
    void managerActivateSession(Call& c);
    void managerActivateSessionOnSeat(Call& c);
    void managerLockSession(Call& c);
    void managerUnlockSession(Call& c);
    // Seat methods
    void seatGetId(Call& c);
    void seatGetName(Call& c);
    void seatGetSessions(Call& c);
    void seatGetDevices(Call& c);
    void seatGetActiveSession(Call& c);
    void seatCanActivateSessions(Call& c);
    void seatActivateSession(Call& c);
    void seatSwitchTo(Call& c);
    // Session methods
    void sessionGetter(Call& c);
    void sessionActivate(Call& c);
    void sessionLock(Call& c);
    void sessionUnlock(Call& c);
    void sessionSetIdleHint(Call& c);
    void sessionSetLockedHint(Call& c);
    void sessionGetIdleSinceHint(Call& c);
    void sessionGetXdgRuntimeDir(Call& c);
    void sessionControl(Call& c);

    void finishOpen(Call& c, core::SessionParams params, unsigned long long pidStartTime);
    bool admitOpen(Call& c);
    void replyAfterCommit(Call& c, GVariant* value);
    // startTime 0: read it first; else the incarnation of pid that is meant.
    void sessionForPid(Call& c, pid_t pid, unsigned long long startTime);
    void activate(Call& c, core::Session& session);
    core::Seat* seatOf(Call& c);
    core::Session* sessionOf(Call& c);
    // VT_ACTIVATE, then the reply waits until the switch is observed (or times out).
    void switchToVt(Call& c, unsigned vt);
    void settleActivations();

    GDBusConnection* connection_;
    core::Manager& manager_;
    const procfs::ProcReader& proc_;
    ServiceOptions options_;
    CallerCache callers_;
    core::RateLimiter openLimiter_;
    VtControl* vt_ = nullptr;
    PowerHandler* power_ = nullptr;
    DeviceHandler* devices_ = nullptr;
    CommitHook commit_;
    VariantPtr sessionsReply_; // GetSessions' reply, rebuilt after sessions come or go
    guint registration_ = 0;
    guint nameWatch_ = 0;
    std::vector<Connection> coreConnections_;
    std::list<std::unique_ptr<PendingActivation>> activations_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck::bus
