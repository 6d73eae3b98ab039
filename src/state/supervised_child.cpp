// SupervisedChild: spawn with a pipe for the output, a child watch, a timer; kill the group.
#include "state/supervised_child.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <exception>

#include "util/log.h"

namespace ck::state {

namespace {

// Runs in the forked child before exec: a session of its own, so that one kill(-pid) reaches
// everything it started that stayed in its group (a shell script's `sleep`, a `daemon &`).
void childSetup(gpointer) noexcept
{
    ::setsid();
}

// The longest logged line; the rest of it is cut.
constexpr std::size_t kMaxLine = 512;

} // namespace

bool ChildOutcome::succeeded() const noexcept
{
    return !timedOut && !flooded && WIFEXITED(waitStatus) && WEXITSTATUS(waitStatus) == 0;
}

std::string ChildOutcome::describe(const ChildLimits& limits) const
{
    if (timedOut)
        return "ran longer than " + std::to_string(limits.timeoutMs) + " ms and was killed";
    if (flooded)
        return "wrote more than " + std::to_string(limits.maxOutputBytes) + " bytes of output and was killed";
    if (WIFEXITED(waitStatus))
        return "exited with status " + std::to_string(WEXITSTATUS(waitStatus));
    if (WIFSIGNALED(waitStatus))
        return "was killed by signal " + std::to_string(WTERMSIG(waitStatus));
    return "ended with wait status " + std::to_string(waitStatus);
}

SupervisedChild::SupervisedChild(std::string label, ChildLimits limits, GMainContext* context, Done done)
    : label_(std::move(label)),
      limits_(limits),
      context_(context != nullptr ? g_main_context_ref(context) : nullptr),
      done_(std::move(done))
{ }

Result<std::unique_ptr<SupervisedChild>> SupervisedChild::start(std::string label, const std::vector<std::string>& argv,
    gchar** envp, ChildLimits limits, GMainContext* context, Done done)
{
    std::unique_ptr<SupervisedChild> self(new SupervisedChild(std::move(label), limits, context, std::move(done)));
    int fds[2];
    // O_CLOEXEC: no other child (a hook running beside this one) may inherit our ends.
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return Error{ErrorCode::Failed, "cannot run " + self->label_ + ": pipe: " + std::strerror(errno)};
    int writeEnd = fds[1];
    self->output_ = fds[0];
    // A daemon started with fd 0, 1 or 2 closed gets them back from pipe2(); GLib's dup2 onto
    // 1 and 2 must not clobber the other end.
    if (writeEnd <= 2) {
        const int moved = ::fcntl(writeEnd, F_DUPFD_CLOEXEC, 3);
        ::close(writeEnd);
        writeEnd = moved;
    }
    std::vector<gchar*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<gchar*>(a.c_str()));
    args.push_back(nullptr);
    GPid pid = 0;
    GError* error = nullptr;
    const gboolean ok = writeEnd >= 0
        && g_spawn_async_with_fds("/", args.data(), envp,
            static_cast<GSpawnFlags>(G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL), childSetup, nullptr,
            &pid, -1, writeEnd, writeEnd, &error);
    if (writeEnd >= 0)
        ::close(writeEnd); // the child holds its copies; EOF comes once they are all gone
    if (!ok) {
        std::string why = error != nullptr ? error->message : std::strerror(errno);
        if (error != nullptr)
            g_error_free(error);
        return Error{ErrorCode::Failed, "cannot run " + self->label_ + ": " + why};
    }
    self->pid_ = pid;
    ::fcntl(self->output_, F_SETFL, ::fcntl(self->output_, F_GETFL) | O_NONBLOCK);
    self->watch_.reset(g_child_watch_source_new(pid));
    g_source_set_callback(self->watch_.get(), G_SOURCE_FUNC(exitThunk), self.get(), nullptr);
    g_source_attach(self->watch_.get(), self->context_);
    self->outputSource_.reset(
        g_unix_fd_source_new(self->output_, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR)));
    g_source_set_callback(self->outputSource_.get(), G_SOURCE_FUNC(outputThunk), self.get(), nullptr);
    g_source_attach(self->outputSource_.get(), self->context_);
    self->armTimer(limits.timeoutMs);
    return self;
}

SupervisedChild::~SupervisedChild()
{
    if (pid_ > 0 && watch_) {
        // Still running. Drop our watch first so GLib no longer waits for this pid.
        watch_.reset();
        if (killOnDestroy_) {
            // SIGKILL cannot be caught, so the blocking waitpid returns promptly.
            signalGroup(SIGKILL);
            while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) { }
        }
        g_spawn_close_pid(pid_);
    }
    timer_.reset();
    closeOutput();
    if (context_ != nullptr)
        g_main_context_unref(context_);
}

void SupervisedChild::signalGroup(int signal)
{
    ::kill(-pid_, signal);
    ::kill(pid_, signal); // in case setsid() had not happened yet
}

void SupervisedChild::armTimer(unsigned ms)
{
    timer_.reset(g_timeout_source_new(ms));
    g_source_set_callback(timer_.get(), timerThunk, this, nullptr);
    g_source_attach(timer_.get(), context_);
}

void SupervisedChild::closeOutput()
{
    outputSource_.reset();
    if (output_ >= 0) {
        ::close(output_);
        output_ = -1;
    }
}

void SupervisedChild::flushLine()
{
    if (!line_.empty())
        log::info(label_ + ": " + line_);
    line_.clear();
}

void SupervisedChild::logOutput(const char* data, std::size_t size)
{
    for (std::size_t i = 0; i < size && logged_ < limits_.loggedOutputBytes; ++i, ++logged_) {
        if (data[i] == '\n') {
            flushLine();
            continue;
        }
        if (line_.size() < kMaxLine)
            line_ += data[i];
    }
    if (logged_ >= limits_.loggedOutputBytes && !line_.empty()) {
        line_ += " [further output not logged]";
        flushLine();
    }
}

bool SupervisedChild::drain()
{
    std::array<char, 4096> buf;
    // A bounded amount per wake-up: a flooding child cannot keep the main loop here.
    for (int round = 0; round < 16; ++round) {
        const ssize_t n = ::read(output_, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0)
            return false; // EOF or an error: done with the pipe
        outcome_.outputBytes += static_cast<std::size_t>(n);
        logOutput(buf.data(), static_cast<std::size_t>(n));
        if (outcome_.outputBytes > limits_.maxOutputBytes) {
            if (!outcome_.flooded) {
                outcome_.flooded = true;
                log::warning(label_ + " wrote more than " + std::to_string(limits_.maxOutputBytes)
                    + " bytes of output: killing its process group");
                signalGroup(SIGKILL);
            }
            return false; // what follows is not read: the writers get EPIPE
        }
    }
    return true;
}

void SupervisedChild::onExit(int waitStatus)
{
    watch_.reset(); // destroying a child watch from its own dispatch is allowed
    g_spawn_close_pid(pid_);
    outcome_.waitStatus = waitStatus;
    // The program is gone; whatever stayed in its group was started by it and is not waited for.
    // pid_ cannot have been reused: a process group id is not handed out while the group exists.
    if (::kill(-pid_, 0) == 0) {
        outcome_.leftovers = true;
        ::kill(-pid_, SIGKILL);
        log::warning(label_ + " left processes running in its process group: killed them");
    }
    timer_.reset();
    if (output_ >= 0)
        drain();
    flushLine();
    closeOutput();
    pid_ = -1;
    // The callback may destroy this object: nothing touches `this` after it.
    Done done = std::move(done_);
    const ChildOutcome outcome = outcome_;
    done(outcome);
}

void SupervisedChild::onTimer()
{
    if (!terminated_) {
        terminated_ = true;
        outcome_.timedOut = true;
        log::warning(label_ + " still running after " + std::to_string(limits_.timeoutMs)
            + " ms: sending SIGTERM to its process group");
        signalGroup(SIGTERM);
        armTimer(limits_.killGraceMs);
        return;
    }
    log::warning(label_ + " ignored SIGTERM for " + std::to_string(limits_.killGraceMs) + " ms: sending SIGKILL");
    signalGroup(SIGKILL);
    timer_.reset();
}

void SupervisedChild::exitThunk(GPid, gint waitStatus, gpointer self) noexcept
{
    try {
        static_cast<SupervisedChild*>(self)->onExit(waitStatus);
    } catch (const std::exception& e) {
        log::error(std::string("supervised child: ") + e.what());
    }
}

gboolean SupervisedChild::timerThunk(gpointer self) noexcept
{
    try {
        static_cast<SupervisedChild*>(self)->onTimer();
    } catch (const std::exception& e) {
        log::error(std::string("supervised child: ") + e.what());
    }
    // The timer is owned by timer_ and replaced or destroyed there; returning REMOVE for a source
    // that is already destroyed is harmless.
    return G_SOURCE_REMOVE;
}

gboolean SupervisedChild::outputThunk(gint, GIOCondition, gpointer data) noexcept
{
    auto* self = static_cast<SupervisedChild*>(data);
    try {
        if (!self->drain()) {
            self->flushLine();
            // Closing from inside the dispatch: GLib holds a reference until we return.
            self->closeOutput();
            return G_SOURCE_REMOVE;
        }
    } catch (const std::exception& e) {
        log::error(std::string("supervised child: ") + e.what());
    }
    return G_SOURCE_CONTINUE;
}

} // namespace ck::state
