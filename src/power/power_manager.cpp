// PowerManager: the power and inhibitor methods of the Manager interface.
#include "power/power_manager.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "bus/glib_ptr.h"
#include "power/script_run.h"
#include "util/log.h"

namespace ck::power {

namespace {
unsigned inhibitEvent(PowerAction action)
{
    return isSleepAction(action) ? kInhibitSleep : kInhibitShutdown;
}

const char* prepareSignal(PowerAction action)
{
    return isSleepAction(action) ? "PrepareForSleep" : "PrepareForShutdown";
}

std::string describe(const std::vector<const Inhibitor*>& holders)
{
    std::string out;
    for (const Inhibitor* h : holders) {
        if (!out.empty())
            out += ", ";
        out += h->who.empty() ? "pid " + std::to_string(h->pid) : "\"" + h->who + "\"";
        if (!h->why.empty())
            out += " (" + h->why + ")";
    }
    return out;
}
} // namespace

struct PowerManager::Pending {
    PowerAction action;
    bus::PendingReply reply;
    bus::SourceId delayTimer; // bounds the wait for delay inhibitors
    bool waitingForDelay = false;
    uid_t requester = 0;
    bool overridesBlocks = false; // root, or authorized to ignore block locks
    std::unique_ptr<ScriptRun> script;
};

PowerManager::PowerManager(bus::Service& service, core::Manager& manager, PowerOptions options, UserLookup users)
    : service_(service),
      manager_(manager),
      options_(std::move(options)),
      inhibitors_(options_.inhibitorLimits),
      authorizer_(manager, service.connection(), std::move(users))
{
    inhibitorsChangedConnection_ = inhibitors_.changed.connect([this] { inhibitorsChanged(); });
}

PowerManager::~PowerManager()
{
    *alive_ = false;
}

bool PowerManager::handle(
    const std::string& method, GVariant* parameters, bus::PendingReply& reply, const bus::Caller& caller)
{
    if (method == "Inhibit") {
        inhibit(parameters, reply, caller);
        return true;
    }
    if (method == "ListInhibitors") {
        listInhibitors(reply);
        return true;
    }
    const auto info = powerMethod(method);
    if (!info)
        return false;
    using K = MethodInfo::Kind;
    switch (info->kind) {
    case K::ActInteractive:
        act(info->action, true, std::move(reply), caller);
        break;
    case K::Act: {
        gboolean interactive = FALSE;
        g_variant_get(parameters, "(b)", &interactive);
        act(info->action, interactive != FALSE, std::move(reply), caller);
        break;
    }
    case K::CanBool:
        can(info->action, true, std::move(reply), caller);
        break;
    case K::CanString:
        can(info->action, false, std::move(reply), caller);
        break;
    }
    return true;
}

// --- actions -----------------------------------------------------------------------------------

std::string PowerManager::scriptPath(PowerAction action) const
{
    return options_.scriptsDir + "/" + scriptName(action);
}

Result<void> PowerManager::checkBlocked(PowerAction action, uid_t requester) const
{
    // A user's own block locks do not stop that user (logind's rule): gnome-session holds one
    // and asks for the shutdown itself.
    auto holders = inhibitors_.holders(inhibitEvent(action), InhibitMode::Block);
    std::erase_if(holders, [requester](const Inhibitor* h) { return h->uid == requester; });
    if (holders.empty())
        return {};
    return Error{ErrorCode::Inhibited, "Operation is being inhibited by " + describe(holders)};
}

Result<void> PowerManager::checkAvailable(PowerAction action) const
{
    if (isSleepAction(action) && !probeSleepSupport(options_.machine).supports(action))
        return Error{ErrorCode::NotSupported,
            std::string("The system cannot ") + powerActionVerb(action) + " (not offered by "
                + options_.machine.sysPowerState + (action == PowerAction::Suspend ? "" : ", or no swap for the image")
                + ")"};
    if (::access(scriptPath(action).c_str(), X_OK) != 0)
        return Error{ErrorCode::NotSupported,
            std::string("Unable to ") + powerActionVerb(action) + " the system: " + scriptPath(action) + " is missing"};
    return {};
}

void PowerManager::act(PowerAction action, bool interactive, bus::PendingReply reply, const bus::Caller& caller)
{
    if (auto r = checkAvailable(action); !r) {
        reply.fail(r.error());
        return;
    }
    auto shared = std::make_shared<bus::PendingReply>(std::move(reply));
    auto blocked = checkBlocked(action, caller.uid);
    if (blocked || caller.uid == 0) {
        // Root overrides block locks (logind: CAP_SYS_BOOT passes the ignore-inhibit check).
        if (!blocked)
            log::info(std::string("root overrides the block locks on ") + powerActionVerb(action) + ": "
                + blocked.error().message);
        authorizeAndStart(action, interactive, shared, caller, caller.uid == 0);
        return;
    }
    // Another user's block lock: only the ignore-inhibit authorization gets past it, asked
    // before the action's own authorization (a refused override needs no password for the
    // action first).
    std::weak_ptr<bool> alive = alive_;
    authorizer_.authorizeIgnoreInhibit(
        action, caller, interactive, [this, alive, action, interactive, shared, caller](Result<void> r) {
            if (auto a = alive.lock(); !a || !*a)
                return;
            if (r) {
                authorizeAndStart(action, interactive, shared, caller, true);
                return;
            }
            auto still = checkBlocked(action, caller.uid);
            if (still) { // the locks went while polkit was asked
                authorizeAndStart(action, interactive, shared, caller, false);
                return;
            }
            shared->fail(ErrorCode::Inhibited, still.error().message + " (overriding it: " + r.error().message + ")");
        });
}

void PowerManager::authorizeAndStart(PowerAction action, bool interactive, std::shared_ptr<bus::PendingReply> shared,
    const bus::Caller& caller, bool overridesBlocks)
{
    std::weak_ptr<bool> alive = alive_;
    authorizer_.authorize(
        action, caller, interactive, [this, alive, action, shared, uid = caller.uid, overridesBlocks](Result<void> r) {
            if (auto a = alive.lock(); !a || !*a)
                return;
            if (!r) {
                shared->fail(r.error());
                return;
            }
            // Authentication may have taken a while: look again.
            if (!overridesBlocks) {
                if (auto b = checkBlocked(action, uid); !b) {
                    shared->fail(b.error());
                    return;
                }
            }
            if (pending_ != nullptr) {
                shared->fail(ErrorCode::Busy, "Attempting to perform a system action while one is in progress");
                return;
            }
            start(action, std::move(*shared), uid, overridesBlocks);
        });
}

void PowerManager::announce(PowerAction action, bool active)
{
    service_.emitManagerSignal(prepareSignal(action), g_variant_new("(b)", active));
}

void PowerManager::start(PowerAction action, bus::PendingReply reply, uid_t requester, bool overridesBlocks)
{
    pending_ = std::make_unique<Pending>();
    pending_->action = action;
    pending_->reply = std::move(reply);
    pending_->requester = requester;
    pending_->overridesBlocks = overridesBlocks;
    announce(action, true);
    if (inhibitors_.holds(inhibitEvent(action), InhibitMode::Delay)) {
        log::debug(std::string("waiting up to ") + std::to_string(options_.inhibitDelayMaxMs)
            + " ms for delay inhibitors before " + powerActionVerb(action));
        pending_->waitingForDelay = true;
        pending_->delayTimer
            = bus::SourceId(g_timeout_add(options_.inhibitDelayMaxMs, &PowerManager::onDelayTimeout, this));
        return;
    }
    proceed();
}

gboolean PowerManager::onDelayTimeout(gpointer data) noexcept
{
    auto* self = static_cast<PowerManager*>(data);
    if (self->pending_ != nullptr) {
        self->pending_->delayTimer.forget();
        log::info(std::string("delay inhibitors still held after ") + std::to_string(self->options_.inhibitDelayMaxMs)
            + " ms; going on with " + powerActionVerb(self->pending_->action));
        self->proceed();
    }
    return G_SOURCE_REMOVE;
}

void PowerManager::inhibitorsChanged()
{
    manager_.setIdleInhibited(inhibitors_.holds(kInhibitIdle, InhibitMode::Block));
    // Only the release of the last delay lock on THIS action's event lets it go on (ConsoleKit2
    // went on when any sleep or shutdown delay lock went away).
    if (pending_ != nullptr && pending_->waitingForDelay
        && !inhibitors_.holds(inhibitEvent(pending_->action), InhibitMode::Delay))
        proceed();
}

void PowerManager::proceed()
{
    Pending& p = *pending_;
    p.waitingForDelay = false;
    p.delayTimer.reset();
    // A block lock taken during the delay window wins, unless the requester may override it.
    if (!p.overridesBlocks) {
        if (auto r = checkBlocked(p.action, p.requester); !r) {
            finish(r);
            return;
        }
    }
    if (onActionStarting)
        onActionStarting(p.action);
    const PowerAction action = p.action;
    std::weak_ptr<bool> alive = alive_;
    auto run = ScriptRun::start(
        scriptPath(action),
        [this, alive](Result<void> r) {
            if (auto a = alive.lock(); a && *a)
                finish(std::move(r));
        },
        options_.scriptTimeoutMs);
    if (!run) {
        finish(Error{ErrorCode::Failed,
            std::string("Unable to ") + powerActionVerb(action) + " the system: " + run.error().message});
        return;
    }
    log::info(std::string("running ") + scriptPath(action) + " (pid " + std::to_string((*run)->pid()) + ")");
    p.script = std::move(run).value();
}

void PowerManager::finish(Result<void> outcome)
{
    std::unique_ptr<Pending> p = std::move(pending_); // the next action may start from here on
    if (outcome) {
        p->reply.reply();
    } else {
        log::warning(
            std::string("could not ") + powerActionVerb(p->action) + " the system: " + outcome.error().message);
        p->reply.fail(outcome.error());
    }
    // After a sleep the script returns on resume: tell everybody. A shutdown that went ahead
    // is not "over" — PrepareForShutdown(false) means it was called off (logind's meaning).
    if (isSleepAction(p->action) || !outcome)
        announce(p->action, false);
}

// --- Can* --------------------------------------------------------------------------------------

void PowerManager::can(PowerAction action, bool asBoolean, bus::PendingReply reply, const bus::Caller& caller)
{
    auto answer = [asBoolean](bus::PendingReply& r, const char* value) {
        if (asBoolean)
            r.reply(g_variant_new("(b)", std::string_view(value) == "yes" || std::string_view(value) == "challenge"));
        else
            r.reply(g_variant_new("(s)", value));
    };
    if (!checkAvailable(action)) {
        answer(reply, "na");
        return;
    }
    auto shared = std::make_shared<bus::PendingReply>(std::move(reply));
    std::weak_ptr<bool> alive = alive_;
    authorizer_.query(action, caller, [alive, shared, answer](Result<Answer> r) {
        if (auto a = alive.lock(); !a || !*a)
            return;
        if (!r)
            shared->fail(r.error());
        else
            answer(*shared, answerName(*r));
    });
}

// --- inhibitors --------------------------------------------------------------------------------

void PowerManager::inhibit(GVariant* parameters, bus::PendingReply& reply, const bus::Caller& caller)
{
    const gchar *what = nullptr, *who = nullptr, *why = nullptr, *mode = nullptr;
    g_variant_get(parameters, "(&s&s&s&s)", &what, &who, &why, &mode);
    auto request = parseInhibitRequest(what, who, why, mode);
    if (!request) {
        reply.fail(request.error());
        return;
    }
    auto shared = std::make_shared<bus::PendingReply>(std::move(reply));
    auto req = std::make_shared<InhibitRequest>(std::move(request).value());
    std::weak_ptr<bool> alive = alive_;
    const unsigned bits = req->what;
    const InhibitMode lockMode = req->mode;
    // Issue 18.6: a block lock stops shutdown and sleep for everybody; not anybody may take one.
    authorizer_.authorizeInhibit(bits, lockMode, caller, [this, alive, shared, req, caller](Result<void> r) {
        if (auto a = alive.lock(); !a || !*a)
            return;
        if (!r) {
            log::info("uid " + std::to_string(caller.uid) + " (" + caller.busName + ") may not take a "
                + inhibitModeName(req->mode) + " lock on " + inhibitWhatString(req->what) + ": " + r.error().message);
            shared->fail(r.error());
            return;
        }
        addInhibitor(std::move(*req), *shared, caller);
    });
}

void PowerManager::addInhibitor(InhibitRequest request, bus::PendingReply& reply, const bus::Caller& caller)
{
    auto writeEnd = inhibitors_.add(std::move(request), caller.uid, caller.pid);
    if (!writeEnd) {
        reply.fail(writeEnd.error());
        return;
    }
    // The list holds its own duplicate until the reply is sent; ours closes when writeEnd goes
    // out of scope, so from then on only the caller's copy keeps the lock.
    bus::ObjectPtr<GUnixFDList> fds(g_unix_fd_list_new());
    GError* raw = nullptr;
    const gint index = g_unix_fd_list_append(fds.get(), writeEnd->get(), &raw);
    bus::ErrorPtr error(raw);
    if (index < 0) {
        // Closing writeEnd releases the lock we just took.
        reply.fail(ErrorCode::General, std::string("Error creating the inhibit lock: ") + error->message);
        return;
    }
    reply.replyWithFd(g_variant_new("(h)", index), fds.get());
}

void PowerManager::listInhibitors(bus::PendingReply& reply)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssssuu)"));
    for (const Inhibitor* i : inhibitors_.list())
        g_variant_builder_add(&b, "(ssssuu)", inhibitWhatString(i->what).c_str(), i->who.c_str(), i->why.c_str(),
            inhibitModeName(i->mode), static_cast<guint32>(i->uid), static_cast<guint32>(i->pid));
    reply.reply(g_variant_new("(a(ssssuu))", &b));
}

} // namespace ck::power
