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

void addSessionVars(std::vector<std::string>& env, const std::string& prefix, const SessionRecord& s)
{
    auto add = [&](const char* name, const std::string& value) { env.push_back(prefix + name + "=" + value); };
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

// Runs in the forked child before exec: a process group of its own, so that a timeout
// signal reaches the hook's children (a shell script's `sleep`) as well.
void childSetup(gpointer)
{
    ::setpgid(0, 0);
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
    auto add = [&](const char* name, const std::string& value) { env.push_back(std::string(name) + "=" + value); };
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
    env.push_back("CK_SEAT_ID=" + std::string(seatId));
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
    queue_.clear();
    if (running_) {
        const GPid pid = running_->pid;
        // Drop our watch first so GLib no longer waits for this pid, then reap it ourselves:
        // SIGKILL cannot be caught, so the blocking waitpid returns promptly.
        running_.reset();
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) { }
        g_spawn_close_pid(pid);
    }
    if (context_ != nullptr)
        g_main_context_unref(context_);
}

void HookRunner::run(HookKind kind, std::string action, std::vector<std::string> env)
{
    run(programs(kind), std::move(action), std::move(env));
}

void HookRunner::run(std::vector<std::string> programs, std::string action, std::vector<std::string> env)
{
    auto sharedEnv = std::make_shared<const std::vector<std::string>>(std::move(env));
    for (auto& program : programs)
        queue_.push_back(Job{std::move(program), action, sharedEnv});
    startNext();
}

std::vector<std::string> HookRunner::programs(HookKind kind) const
{
    std::vector<std::string> out;
    for (const auto& dir : kind == HookKind::Session ? config_.sessionDirs : config_.seatDirs)
        for (auto& program : programsIn(dir))
            out.push_back(std::move(program));
    return out;
}

void HookRunner::startNext()
{
    while (!running_ && !queue_.empty()) {
        Job job = std::move(queue_.front());
        queue_.pop_front();
        spawn(std::move(job));
    }
}

bool HookRunner::spawn(Job job)
{
    gchar** envp = g_get_environ();
    for (const auto& item : *job.env) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            continue;
        envp = g_environ_setenv(envp, item.substr(0, eq).c_str(), item.c_str() + eq + 1, TRUE);
    }
    gchar* argv[] = {job.program.data(), job.action.data(), nullptr};
    GPid pid = 0;
    GError* error = nullptr;
    const gboolean ok = g_spawn_async("/", argv, envp,
        static_cast<GSpawnFlags>(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL), childSetup, nullptr, &pid,
        &error);
    g_strfreev(envp);
    if (!ok) {
        log::warning("cannot run hook " + job.program + " " + job.action + ": " + error->message);
        g_error_free(error);
        return false;
    }
    log::debug("running hook " + job.program + " " + job.action);
    running_.emplace(Running{}); // not emplace(): clang 14 sees Running as not default-constructible (NSDMI in a nested class)
    running_->job = std::move(job);
    running_->pid = pid;
    running_->watch.reset(g_child_watch_source_new(pid));
    g_source_set_callback(running_->watch.get(), G_SOURCE_FUNC(childExitedThunk), this, nullptr);
    g_source_attach(running_->watch.get(), context_);
    armTimer(config_.timeoutMs);
    return true;
}

void HookRunner::armTimer(unsigned ms)
{
    running_->timer.reset(g_timeout_source_new(ms));
    g_source_set_callback(running_->timer.get(), timerThunk, this, nullptr);
    g_source_attach(running_->timer.get(), context_);
}

void HookRunner::onChildExited(int waitStatus)
{
    const Running& r = *running_;
    const std::string what = "hook " + r.job.program + " " + r.job.action;
    if (r.terminated)
        log::warning(what + " ran longer than " + std::to_string(config_.timeoutMs) + " ms and was "
            + (r.killed ? "killed" : "terminated"));
    else if (WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) != 0)
        log::warning(what + " exited with status " + std::to_string(WEXITSTATUS(waitStatus)));
    else if (WIFSIGNALED(waitStatus))
        log::warning(what + " was killed by signal " + std::to_string(WTERMSIG(waitStatus)));
    g_spawn_close_pid(r.pid);
    // Destroying the child-watch source from inside its own dispatch is allowed: GLib holds a
    // reference until the callback returns.
    running_.reset();
    startNext();
}

void HookRunner::onTimer()
{
    Running& r = *running_;
    if (!r.terminated) {
        log::warning("hook " + r.job.program + " " + r.job.action + " still running after "
            + std::to_string(config_.timeoutMs) + " ms: sending SIGTERM");
        r.terminated = true;
        ::kill(-r.pid, SIGTERM);
        ::kill(r.pid, SIGTERM); // in case setpgid() had not happened yet
        armTimer(config_.killGraceMs);
    } else if (!r.killed) {
        r.killed = true;
        ::kill(-r.pid, SIGKILL);
        ::kill(r.pid, SIGKILL);
        r.timer.reset();
    }
}

void HookRunner::childExitedThunk(GPid, gint waitStatus, gpointer self) noexcept
{
    try {
        static_cast<HookRunner*>(self)->onChildExited(waitStatus);
    } catch (const std::exception& e) {
        log::error(std::string("hook runner: ") + e.what());
    }
}

gboolean HookRunner::timerThunk(gpointer self) noexcept
{
    try {
        static_cast<HookRunner*>(self)->onTimer();
    } catch (const std::exception& e) {
        log::error(std::string("hook runner: ") + e.what());
    }
    // The timer is owned by running_ and replaced or destroyed there; returning REMOVE for a
    // source that is already destroyed is harmless (no lookup by id, unlike ConsoleKit).
    return G_SOURCE_REMOVE;
}

} // namespace ck::state
