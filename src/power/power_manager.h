// PowerManager: the Manager's power and inhibitor methods (Stop, Restart, PowerOff, Reboot,
// Suspend, Hibernate, HybridSleep, their Can*, Inhibit, ListInhibitors) behind
// bus::PowerHandler. An action goes: block inhibitors → machine support → authorization →
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
    static gboolean onDelayTimeout(gpointer data);

    void act(PowerAction action, bool interactive, bus::PendingReply reply, const bus::Caller& caller);
    void start(PowerAction action, bus::PendingReply reply);
    void proceed();
    void finish(Result<void> outcome);
    void can(PowerAction action, bool asBoolean, bus::PendingReply reply, const bus::Caller& caller);
    void inhibit(GVariant* parameters, bus::PendingReply& reply, const bus::Caller& caller);
    void listInhibitors(bus::PendingReply& reply);
    void inhibitorsChanged();

    Result<void> checkBlocked(PowerAction action) const;
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
