// Power scripts run asynchronously: g_spawn_async + g_child_watch_add.
#include "power/script_run.h"

#include <sys/wait.h>

#include "bus/glib_ptr.h"

namespace ck::power {

Result<std::unique_ptr<ScriptRun>> ScriptRun::start(const std::string& path, Done done)
{
    std::unique_ptr<ScriptRun> run(new ScriptRun(path, std::move(done)));
    gchar* argv[] = {const_cast<gchar*>(path.c_str()), nullptr};
    GPid pid = 0;
    GError* raw = nullptr;
    // g_spawn_async closes every fd above 2 in the child (no G_SPAWN_LEAVE_DESCRIPTORS_OPEN), so
    // inhibitor pipes and the bus socket never reach the script.
    const bool ok = g_spawn_async(nullptr, argv, nullptr, G_SPAWN_DO_NOT_REAP_CHILD, nullptr, nullptr, &pid, &raw);
    bus::ErrorPtr error(raw);
    if (!ok)
        return Error{ErrorCode::Failed, "cannot run " + path + ": " + error->message};
    run->pid_ = pid;
    run->watch_ = bus::SourceId(g_child_watch_add(pid, &ScriptRun::onExit, run.get()));
    return run;
}

// The script keeps running if we go first (the daemon is stopping); the kernel reparents it.
ScriptRun::~ScriptRun() = default;

void ScriptRun::onExit(GPid pid, gint status, gpointer data)
{
    auto* self = static_cast<ScriptRun*>(data);
    self->watch_.forget(); // a child watch fires once and is then removed by GLib
    g_spawn_close_pid(pid);
    const std::string name = self->path_.substr(self->path_.rfind('/') + 1);
    Result<void> outcome;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        outcome = Error{ErrorCode::Failed, name + " script exited with status " + std::to_string(WEXITSTATUS(status))};
    else if (WIFSIGNALED(status))
        outcome = Error{ErrorCode::Failed, name + " script was killed by signal " + std::to_string(WTERMSIG(status))};
    // The callback may destroy this object: nothing touches `self` after it.
    Done done = std::move(self->done_);
    done(std::move(outcome));
}

} // namespace ck::power
