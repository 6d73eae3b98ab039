// Child processes for the integration tests: the environment and argv are built before the
// fork; stdin/stdout/stderr are files in a private temporary directory.
#include "integration/tool_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace ck::test {

namespace {

std::string readAll(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int decode(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

std::vector<std::string> environmentFor(const ToolSpec& spec)
{
    std::map<std::string, std::string> envMap;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        const auto eq = entry.find('=');
        if (eq != std::string::npos)
            envMap[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [name, value] : spec.env) {
        if (value)
            envMap[name] = *value;
        else
            envMap.erase(name);
    }
    std::vector<std::string> envStrings;
    for (const auto& [name, value] : envMap)
        envStrings.push_back(name + "=" + value);
    return envStrings;
}

ToolProcess::ToolProcess(const ToolSpec& spec)
{
    std::vector<std::string> argv;
    if (spec.uid != 0)
        argv = {
            "setpriv", "--reuid=" + std::to_string(spec.uid), "--regid=" + std::to_string(spec.uid), "--clear-groups"};
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());

    std::vector<std::string> envStrings = environmentFor(spec);

    std::vector<char*> args, envp;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : envStrings)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    std::ofstream(dir_.path() + "/stdin") << spec.stdinText;
    const int in = ::open((dir_.path() + "/stdin").c_str(), O_RDONLY | O_CLOEXEC);
    const int out = ::open((dir_.path() + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err = ::open((dir_.path() + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    pid_ = ::fork();
    if (pid_ == 0) {
        // A process group of its own, so the destructor also reaps what the tool started.
        ::setpgid(0, 0);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        // Known dispositions and mask whatever the test runner left us.
        for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE})
            ::signal(sig, SIG_DFL);
        for (int sig : spec.ignoredSignals)
            ::signal(sig, SIG_IGN);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execvpe(args[0], args.data(), envp.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    ::close(in);
    ::close(out);
    ::close(err);
}

ToolProcess::~ToolProcess()
{
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

void ToolProcess::signal(int sig) const
{
    if (pid_ > 0)
        ::kill(pid_, sig);
}

bool ToolProcess::waitForOutput(const std::string& needle, std::chrono::milliseconds timeout) const
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out().find(needle) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

int ToolProcess::wait(std::chrono::milliseconds timeout)
{
    if (pid_ <= 0)
        return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            status_ = decode(status);
            return status_;
        }
        if (r < 0 && errno != EINTR) {
            pid_ = -1;
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(-pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
            status_ = -1;
            return status_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::string ToolProcess::out() const
{
    return readAll(dir_.path() + "/stdout");
}

std::string ToolProcess::err() const
{
    return readAll(dir_.path() + "/stderr");
}

std::string toolPath(const char* variable)
{
    const std::string path = env(variable);
    if (path.empty()) {
        std::fprintf(stderr, "%s is not set (run the tests through meson)\n", variable);
        std::exit(1);
    }
    return path;
}

bool executableBy(uid_t uid, const std::string& path)
{
    ToolSpec spec;
    spec.argv = {"test", "-x", path};
    spec.uid = uid;
    return runTool(spec).status == 0;
}

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

} // namespace ck::test
