// PowerManager: the Manager's power and inhibitor methods (Stop, Restart, PowerOff, Reboot,
// Suspend, Hibernate, HybridSleep, their Can*, Inhibit, ListInhibitors) behind
// bus::PowerHandler. Inhibit is authorized first (Authorizer::authorizeInhibit). Block locks of
// other users stop an action unless the caller is root or holds the ignore-inhibit action (the
// caller's own locks never stop it, as in logind). An action goes: machine support → block
// inhibitors (or their override) → authorization →
// one action at a time → PrepareFor*(true) → wait for delay inhibitors (bounded) → block
// inhibitors again → onActionStarting → script, in the background → reply → PrepareForSleep(false)
// after a sleep, PrepareForShutdown(false) only when a shutdown did not happen.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <string>

#include "bus/call.h"
#include "bus/service.h"
#include "core/manager.h"
#include "power/authorization.h"
#include "power/inhibitors.h"
#include "power/power_action.h"
#include "power/sleep_support.h"
#include "util/typed_signal.h"

namespace ck::power {

struct PowerOptions {
    std::string scriptsDir; // holds ck-system-{stop,restart,suspend,hibernate,hybridsleep}
    MachineFiles machine;
    unsigned inhibitDelayMaxMs = 5000; // how long delay inhibitors may hold an action off
    unsigned scriptTimeoutMs = 600000; // how long a script may run (ScriptRun)
    InhibitorLimits inhibitorLimits;
};

class PowerManager final : public bus::PowerHandler {
public:
    PowerManager(
        bus::Service& service, core::Manager& manager, PowerOptions options, UserLookup users = systemUserLookup());
    ~PowerManager() override;
    PowerManager(const PowerManager&) = delete;
    PowerManager& operator=(const PowerManager&) = delete;

    bool handle(
        const std::string& method, GVariant* parameters, bus::PendingReply& reply, const bus::Caller& caller) override;

    Inhibitors& inhibitors() noexcept { return inhibitors_; }
    bool actionPending() const noexcept { return pending_ != nullptr; }

    // Right before the script of an authorized action runs (the history log's SYSTEM_* events).
    std::function<void(PowerAction)> onActionStarting;

private:
    struct Pending;
    static gboolean onDelayTimeout(gpointer data) noexcept;

    void act(PowerAction action, bool interactive, bus::PendingReply reply, const bus::Caller& caller);
    void authorizeAndStart(PowerAction action, bool interactive, std::shared_ptr<bus::PendingReply> reply,
        const bus::Caller& caller, bool overridesBlocks);
    void start(PowerAction action, bus::PendingReply reply, uid_t requester, bool overridesBlocks);
    void proceed();
    void finish(Result<void> outcome);
    void can(PowerAction action, bool asBoolean, bus::PendingReply reply, const bus::Caller& caller);
    void inhibit(GVariant* parameters, bus::PendingReply& reply, const bus::Caller& caller);
    void addInhibitor(InhibitRequest request, bus::PendingReply& reply, const bus::Caller& caller);
    void listInhibitors(bus::PendingReply& reply);
    void inhibitorsChanged();

    // Block locks of users other than `requester` on the action's event.
    Result<void> checkBlocked(PowerAction action, uid_t requester) const;
    Result<void> checkAvailable(PowerAction action) const;
    std::string scriptPath(PowerAction action) const;
    void announce(PowerAction action, bool active);

    bus::Service& service_;
    core::Manager& manager_;
    PowerOptions options_;
    Inhibitors inhibitors_;
    Authorizer authorizer_;
    std::unique_ptr<Pending> pending_;
    Connection inhibitorsChangedConnection_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck::power
