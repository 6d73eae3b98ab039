// One run of a power script (ck-system-suspend, …) in the background: spawned without
// blocking the main loop, reaped by a child watch, its end reported with a readable outcome.
#pragma once

#include <glib.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "bus/glib_ptr.h"
#include "util/result.h"

namespace ck::power {

class ScriptRun {
public:
    // ok when the script exited with status 0; else Failed "<name> script exited with status N"
    // or "... was killed by signal N".
    using Done = std::function<void(Result<void>)>;

    // Starts `path` (no arguments). The callback runs from the main loop once the script ended,
    // never after the ScriptRun is destroyed.
    static Result<std::unique_ptr<ScriptRun>> start(const std::string& path, Done done);
    ~ScriptRun();
    ScriptRun(const ScriptRun&) = delete;
    ScriptRun& operator=(const ScriptRun&) = delete;

    pid_t pid() const noexcept { return pid_; }

private:
    ScriptRun(std::string path, Done done) : path_(std::move(path)), done_(std::move(done)) { }
    static void onExit(GPid pid, gint status, gpointer data);

    std::string path_;
    Done done_;
    pid_t pid_ = -1;
    bus::SourceId watch_;
};

} // namespace ck::power
