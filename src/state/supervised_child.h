// One run of a helper program (a hook, a power script) under limits: bounded in time and in output,
// its whole process group killed when it hangs, floods or leaves processes behind.
#pragma once

#include <glib.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "util/result.h"

namespace ck::state {

struct ChildLimits {
    unsigned timeoutMs = 15000; // then SIGTERM to the group …
    unsigned killGraceMs = 2000; // … and SIGKILL to the group after this
    std::size_t maxOutputBytes = 64 * 1024; // stdout+stderr; past this the group is killed
    std::size_t loggedOutputBytes = 2048; // this much of the output is logged, line by line
};

struct ChildOutcome {
    int waitStatus = 0;
    bool timedOut = false; // ran past timeoutMs
    bool flooded = false; // wrote more than maxOutputBytes
    bool leftovers = false; // its process group still had members when it exited (killed)
    std::size_t outputBytes = 0;
    bool succeeded() const noexcept;
    // "exited with status 3", "was killed by signal 9", "ran longer than 15000 ms and was killed", …
    std::string describe(const ChildLimits& limits) const;
};

// The program runs in a new session (setsid: its own process group, no controlling terminal) with
// stdin from /dev/null and stdout+stderr into a pipe that the main loop drains. The daemon never
// waits for the pipe's end: once the program itself exited, what is left of its process group is
// killed and the pipe closed, so a child that daemonized with the pipe open holds up nothing.
// A grandchild that calls setsid() itself leaves the group; it is not killed (only a cgroup could
// hold it), but it no longer holds anything of ours either.
class SupervisedChild {
public:
    using Done = std::function<void(const ChildOutcome&)>;

    // `label` prefixes every log line ("hook /etc/…/10-acl.ck session_added"). `envp` nullptr:
    // the daemon's environment. `done` runs from the main loop (`context`, nullptr = default)
    // once the program ended; it may destroy the SupervisedChild.
    static Result<std::unique_ptr<SupervisedChild>> start(std::string label, const std::vector<std::string>& argv,
        gchar** envp, ChildLimits limits, GMainContext* context, Done done);
    // Still running: with killOnDestroy (the default) the group is killed and the program reaped
    // here; else it is left to run (the kernel reparents it) and only our sources and pipe go.
    ~SupervisedChild();
    SupervisedChild(const SupervisedChild&) = delete;
    SupervisedChild& operator=(const SupervisedChild&) = delete;

    pid_t pid() const noexcept { return pid_; }
    void setKillOnDestroy(bool kill) noexcept { killOnDestroy_ = kill; }

private:
    struct SourceDeleter {
        void operator()(GSource* s) const noexcept
        {
            g_source_destroy(s);
            g_source_unref(s);
        }
    };
    using SourcePtr = std::unique_ptr<GSource, SourceDeleter>;

    SupervisedChild(std::string label, ChildLimits limits, GMainContext* context, Done done);
    void attach(GSource* source, GSourceFunc func);
    void armTimer(unsigned ms);
    void signalGroup(int signal);
    // Reads what is there (never blocks); false once the pipe is done with.
    bool drain();
    void logOutput(const char* data, std::size_t size);
    void flushLine();
    void closeOutput();
    void onExit(int waitStatus);
    void onTimer();
    static void exitThunk(GPid pid, gint waitStatus, gpointer self) noexcept;
    static gboolean timerThunk(gpointer self) noexcept;
    static gboolean outputThunk(gint fd, GIOCondition condition, gpointer self) noexcept;

    std::string label_;
    ChildLimits limits_;
    GMainContext* context_;
    Done done_;
    pid_t pid_ = -1;
    int output_ = -1; // read end of the stdout/stderr pipe
    SourcePtr watch_, timer_, outputSource_;
    std::string line_; // the logged line being assembled
    std::size_t logged_ = 0;
    ChildOutcome outcome_;
    bool terminated_ = false; // SIGTERM sent after the timeout
    bool killOnDestroy_ = true;
};

} // namespace ck::state
