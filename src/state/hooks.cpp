// HookRunner: asynchronous, ordered execution of ConsoleKit hook programs with a timeout.
#include "state/hooks.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include "ck-config.h"
#include "util/log.h"

namespace ck::state {

namespace {

constexpr std::string_view kSuffix = ".ck";

std::vector<std::string> programsIn(const std::string& dir)
{
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        if (errno == ENOENT)
            log::debug("no hook directory " + dir);
        else
            log::warning("cannot read hook directory " + dir + ": " + std::strerror(errno));
        return out;
    }
    while (const dirent* entry = ::readdir(d)) {
        const std::string_view name = entry->d_name;
        if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix) || name.front() == '.')
            continue;
        std::string path = dir + "/" + std::string(name);
        struct stat st { };
        if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        out.push_back(std::move(path));
    }
    ::closedir(d);
    // ConsoleKit ran them in readdir order; sorting makes "10-foo.ck before 20-bar.ck" hold.
    std::sort(out.begin(), out.end());
    return out;
}

const char* boolText(bool b)
{
    return b ? "true" : "false";
}

std::string bounded(const std::string& value)
{
    return value.size() <= kMaxHookValue ? value : value.substr(0, kMaxHookValue);
}

void addSessionVars(std::vector<std::string>& env, const std::string& prefix, const SessionRecord& s)
{
    auto add = [&](const char* name, const std::string& value) { env.push_back(prefix + name + "=" + bounded(value)); };
    auto addIfSet = [&](const char* name, const std::string& value) {
        if (!value.empty())
            add(name, value);
    };
    add("ID", s.id);
    addIfSet("TYPE", s.type);
    add("USER_UID", std::to_string(s.uid));
    addIfSet("DISPLAY_DEVICE", s.displayDevice);
    addIfSet("X11_DISPLAY_DEVICE", s.x11DisplayDevice);
    addIfSet("X11_DISPLAY", s.x11Display);
    addIfSet("REMOTE_HOST_NAME", s.remoteHostName);
    add("IS_LOCAL", boolText(s.isLocal));
}

} // namespace

HookRunnerConfig defaultHookRunnerConfig()
{
    HookRunnerConfig c;
    c.sessionDirs = {std::string(CK_CONFDIR) + "/run-session.d", std::string(CK_LIBDIR_CK) + "/run-session.d"};
    c.seatDirs = {std::string(CK_CONFDIR) + "/run-seat.d", std::string(CK_LIBDIR_CK) + "/run-seat.d"};
    return c;
}

std::vector<std::string> sessionHookEnv(const SessionRecord& s)
{
    std::vector<std::string> env;
    auto add
        = [&](const char* name, const std::string& value) { env.push_back(std::string(name) + "=" + bounded(value)); };
    auto addIfSet = [&](const char* name, const std::string& value) {
        if (!value.empty())
            add(name, value);
    };
    add("CK_SESSION_ID", s.id);
    addIfSet("CK_SESSION_SERVICE", s.service);
    addIfSet("CK_SESSION_TYPE", s.type);
    add("CK_SESSION_SEAT_ID", s.seatId);
    add("CK_SESSION_USER_UID", std::to_string(s.uid));
    addIfSet("CK_SESSION_DISPLAY_DEVICE", s.displayDevice);
    addIfSet("CK_SESSION_X11_DISPLAY_DEVICE", s.x11DisplayDevice);
    add("CK_SESSION_X11_DISPLAY", s.x11Display);
    addIfSet("CK_SESSION_REMOTE_HOST_NAME", s.remoteHostName);
    add("CK_SESSION_IS_ACTIVE", boolText(s.isActive));
    add("CK_SESSION_IS_LOCAL", boolText(s.isLocal));
    return env;
}

std::vector<std::string> seatHookEnv(
    std::string_view seatId, const SessionRecord* oldSession, const SessionRecord* newSession)
{
    std::vector<std::string> env;
    env.push_back("CK_SEAT_ID=" + bounded(std::string(seatId)));
    if (oldSession != nullptr)
        addSessionVars(env, "CK_SEAT_OLD_SESSION_", *oldSession);
    if (newSession != nullptr)
        addSessionVars(env, "CK_SEAT_SESSION_", *newSession);
    return env;
}

HookRunner::HookRunner(HookRunnerConfig config, GMainContext* context)
    : config_(std::move(config)), context_(context != nullptr ? g_main_context_ref(context) : nullptr)
{ }

HookRunner::~HookRunner()
{
    queues_.clear(); // each running child is killed and reaped by its destructor
    if (context_ != nullptr)
        g_main_context_unref(context_);
}

void HookRunner::run(HookKind kind, std::string action, std::vector<std::string> env, HookOrigin origin)
{
    run(programs(kind), std::move(action), std::move(env), std::move(origin));
}

void HookRunner::run(
    std::vector<std::string> programs, std::string action, std::vector<std::string> env, HookOrigin origin)
{
    if (programs.empty())
        return;
    const QueueKey key = origin.uid ? static_cast<QueueKey>(*origin.uid) : kSeatQueue;
    Queue& queue = queues_[key];
    if (!admit(queue, action, origin)) {
        if (queue.events.empty() && !queue.child)
            queues_.erase(key);
        return;
    }
    auto shared = std::make_shared<const std::vector<std::string>>(std::move(programs));
    queue.events.push_back(Event{std::move(shared), 0, std::move(action), std::move(env), std::move(origin.key)});
    ++queued_;
    makeReady(key, queue);
    schedule();
}

namespace {
// "session_removed" → "session_added", "seat_removed" → "seat_added", else "".
std::string addedActionFor(const std::string& action)
{
    constexpr std::string_view kRemoved = "_removed";
    if (!action.ends_with(kRemoved))
        return {};
    return action.substr(0, action.size() - kRemoved.size()) + "_added";
}
} // namespace

bool HookRunner::admit(Queue& queue, const std::string& action, const HookOrigin& origin)
{
    if (const std::string added = addedActionFor(action); !added.empty() && !origin.key.empty()) {
        if (droppedAdds_.erase(added + " " + origin.key) > 0) {
            log::debug("hook event " + action + " of " + origin.key + " dropped with its " + added);
            return false;
        }
        auto it = std::find_if(queue.events.begin(), queue.events.end(),
            [&](const Event& e) { return e.next == 0 && e.action == added && e.key == origin.key; });
        if (it != queue.events.end()) {
            queue.events.erase(it);
            --queued_;
            ++coalesced_;
            log::debug(origin.key + " ended before its " + added + " hooks ran: running neither");
            return false;
        }
        // Its X_added ran or runs: always admitted. Bounded all the same: each one follows an
        // X_added that was admitted under the limits, and a queue runs in order.
        return true;
    }
    if (queue.events.size() < config_.queue.perUser && queued_ < config_.queue.total)
        return true;
    ++dropped_;
    if (action.ends_with("_added") && !origin.key.empty())
        droppedAdds_.insert(action + " " + origin.key);
    // Once, then every 100th: a flood must not flood the log too.
    if (dropped_ == 1 || dropped_ % 100 == 0)
        log::warning("hook queue full (" + std::to_string(queue.events.size()) + " events of "
            + (origin.uid ? "uid " + std::to_string(*origin.uid) : std::string("the seats")) + ", "
            + std::to_string(queued_) + " in all): dropped " + action + " "
            + (origin.key.empty() ? std::string() : origin.key + " ") + "(" + std::to_string(dropped_)
            + " dropped so far)");
    return false;
}

void HookRunner::makeReady(QueueKey key, Queue& queue)
{
    if (!queue.ready && !queue.child && !queue.events.empty()) {
        queue.ready = true;
        ready_.push_back(key);
    }
}

std::vector<std::string> HookRunner::programs(HookKind kind) const
{
    std::vector<std::string> out;
    for (const auto& dir : kind == HookKind::Session ? config_.sessionDirs : config_.seatDirs)
        for (auto& program : programsIn(dir))
            out.push_back(std::move(program));
    return out;
}

void HookRunner::schedule()
{
    while (running_ < std::max(config_.queue.parallel, 1u) && !ready_.empty()) {
        const QueueKey key = ready_.front();
        ready_.pop_front();
        auto it = queues_.find(key);
        // A queue that emptied (coalesced) and came back may be listed twice: only its live entry counts.
        if (it == queues_.end() || !it->second.ready)
            continue;
        it->second.ready = false;
        startNext(key);
    }
}

void HookRunner::startNext(QueueKey key)
{
    Queue& queue = queues_.at(key);
    while (!queue.events.empty()) {
        Event& event = queue.events.front();
        if (event.next >= event.programs->size()) {
            queue.events.pop_front();
            --queued_;
            continue;
        }
        const std::string& program = (*event.programs)[event.next++];
        // The environment is built now, not when the event was queued: a waiting event holds
        // only its few bounded CK_* items.
        gchar** envp = g_get_environ();
        for (const auto& item : event.env) {
            const auto eq = item.find('=');
            if (eq == std::string::npos || eq == 0)
                continue;
            envp = g_environ_setenv(envp, item.substr(0, eq).c_str(), item.c_str() + eq + 1, TRUE);
        }
        std::string label = "hook " + program + " " + event.action;
        ChildLimits limits;
        limits.timeoutMs = config_.timeoutMs;
        limits.killGraceMs = config_.killGraceMs;
        limits.maxOutputBytes = config_.maxOutputBytes;
        auto child = SupervisedChild::start(label, {program, event.action}, envp, limits, context_,
            [this, key, label](const ChildOutcome& outcome) { onProgramDone(key, label, outcome); });
        g_strfreev(envp);
        if (!child) {
            log::warning(child.error().message);
            continue;
        }
        log::debug("running " + label);
        queue.child = std::move(child).value();
        ++running_;
        return;
    }
    // Nothing left: the queue goes (its uid may never log in again).
    queues_.erase(key);
}

void HookRunner::onProgramDone(QueueKey key, const std::string& label, const ChildOutcome& outcome)
{
    if (!outcome.succeeded())
        log::warning(label + " "
            + outcome.describe(ChildLimits{config_.timeoutMs, config_.killGraceMs, config_.maxOutputBytes, 0}));
    Queue& queue = queues_.at(key);
    // Destroying the child from inside its own callback is allowed: it touches nothing after.
    queue.child.reset();
    --running_;
    if (queue.events.empty())
        queues_.erase(key);
    else
        makeReady(key, queue); // behind the queues already waiting: they take turns
    schedule();
}

} // namespace ck::state
