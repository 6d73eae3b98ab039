// fork + exec + wait for ck-launch-session. The parent may be multi-threaded, so between fork
// and exec the child only makes async-signal-safe calls: everything it
// needs (argv, environment, signal dispositions) is prepared before the fork, and it never
// touches the parent's D-Bus connection (whose socket is close-on-exec anyway).
#include "launch-session/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "util/unique_fd.h"

namespace ck::launch {

namespace {

constexpr std::array kForwardedSignals = {SIGTERM, SIGINT, SIGHUP};

// The command's pid for the signal handler; 0 while there is none (never kill(0, …): that would
// signal our whole process group).
volatile sig_atomic_t gChild = 0;

void forwardSignal(int sig, siginfo_t* info, void*)
{
    const int savedErrno = errno;
    const pid_t child = gChild;
    // A signal the kernel sent to our process group (^C, terminal hangup) reached the command
    // too when it is still in our group; forwarding it would deliver it twice.
    const bool sentToOurGroup = info != nullptr && info->si_code == SI_KERNEL;
    if (child > 0 && !(sentToOurGroup && ::getpgid(child) == ::getpgrp()))
        ::kill(child, sig);
    errno = savedErrno;
}

std::vector<char*> pointersTo(const std::vector<std::string>& strings)
{
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const std::string& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

// Blocks the forwarded signals and installs the forwarding handler for each one the caller did
// not ignore; the destructor restores dispositions and mask. A signal ignored by whoever started
// us (nohup, a background job) stays ignored, for us and for the command.
class SignalForwarding {
public:
    SignalForwarding()
    {
        sigset_t block;
        sigemptyset(&block);
        for (int sig : kForwardedSignals)
            sigaddset(&block, sig);
        ::sigprocmask(SIG_BLOCK, &block, &oldMask_);
        for (std::size_t i = 0; i < kForwardedSignals.size(); ++i) {
            ::sigaction(kForwardedSignals[i], nullptr, &oldActions_[i]);
            if (oldActions_[i].sa_handler == SIG_IGN)
                continue;
            struct sigaction sa { };
            sa.sa_sigaction = forwardSignal;
            sa.sa_flags = SA_SIGINFO | SA_RESTART;
            sigemptyset(&sa.sa_mask);
            ::sigaction(kForwardedSignals[i], &sa, nullptr);
        }
    }
    ~SignalForwarding()
    {
        restoreDispositions();
        unblock();
    }
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;

    // Both are async-signal-safe (the child calls them before exec).
    void restoreDispositions() const
    {
        for (std::size_t i = 0; i < kForwardedSignals.size(); ++i)
            ::sigaction(kForwardedSignals[i], &oldActions_[i], nullptr);
    }
    void unblock() const { ::sigprocmask(SIG_SETMASK, &oldMask_, nullptr); }

private:
    sigset_t oldMask_{};
    std::array<struct sigaction, kForwardedSignals.size()> oldActions_{};
};

int waitFor(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 127;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 127;
}

} // namespace

int runCommand(const Command& command, const char* program)
{
    if (command.argv.empty())
        return 127;
    std::vector<char*> argv = pointersTo(command.argv);
    std::vector<char*> envp = pointersTo(command.environment);

    // The child reports a failed exec through this close-on-exec pipe: a successful exec closes
    // it (the parent reads EOF), a failure writes errno.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        std::fprintf(stderr, "%s: pipe: %s\n", program, std::strerror(errno));
        return 127;
    }
    UniqueFd readEnd(fds[0]);
    UniqueFd writeEnd(fds[1]);

    SignalForwarding forwarding;
    const pid_t pid = ::fork();
    if (pid < 0) {
        std::fprintf(stderr, "%s: fork: %s\n", program, std::strerror(errno));
        return 127;
    }
    if (pid == 0) {
        forwarding.restoreDispositions();
        forwarding.unblock();
        ::execvpe(argv[0], argv.data(), envp.data());
        const int error = errno;
        [[maybe_unused]] ssize_t n = ::write(writeEnd.get(), &error, sizeof error);
        ::_exit(127);
    }
    gChild = pid;
    writeEnd.reset();
    forwarding.unblock();

    int execError = 0;
    ssize_t n;
    do {
        n = ::read(readEnd.get(), &execError, sizeof execError);
    } while (n < 0 && errno == EINTR);
    const int status = waitFor(pid);
    gChild = 0;
    if (n == static_cast<ssize_t>(sizeof execError)) {
        std::fprintf(stderr, "%s: cannot run %s: %s\n", program, command.argv[0].c_str(), std::strerror(execError));
        return 127;
    }
    return status;
}

std::string defaultShell()
{
    const char* shell = std::getenv("SHELL");
    struct stat st { };
    if (shell != nullptr && *shell != '\0' && ::stat(shell, &st) == 0 && S_ISREG(st.st_mode)
        && ::access(shell, X_OK) == 0)
        return shell;
    return "/bin/sh";
}

std::vector<std::string> commandEnvironment(char** environ, const std::string& cookie, const std::string& runtimeDir)
{
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string entry = *e;
        if (!cookie.empty() && entry.starts_with("XDG_SESSION_COOKIE="))
            continue;
        if (!runtimeDir.empty() && entry.starts_with("XDG_RUNTIME_DIR="))
            continue;
        env.push_back(entry);
    }
    if (!cookie.empty())
        env.push_back("XDG_SESSION_COOKIE=" + cookie);
    if (!runtimeDir.empty())
        env.push_back("XDG_RUNTIME_DIR=" + runtimeDir);
    return env;
}

} // namespace ck::launch
