// The prerequisites a test binary declares (root, dbus-daemon, python3 modules), apart from
// main() (test_main.cpp) so that a binary with a main() of its own can use the fixtures too.
#include "support/test_main.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace ck::test {

namespace {

std::vector<Prerequisite>& registry()
{
    static std::vector<Prerequisite> needs;
    return needs;
}

bool onPath(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0)
            return true;
    }
    return false;
}

// Runs argv with stdout and stderr on /dev/null; true if it exits 0.
bool succeeds(const std::vector<std::string>& args)
{
    const pid_t pid = ::fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        std::vector<char*> argv;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) { }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

Prerequisite runAsRoot()
{
    return {"root (the daemon runs as root only)", [] { return ::geteuid() == 0; }};
}

Prerequisite program(const std::string& name)
{
    return {name + " on PATH", [name] { return onPath(name); }};
}

Prerequisite pythonModule(const std::string& module)
{
    return {"the python3 module " + module + " (/usr/bin/python3)", [module] {
                return succeeds({"/usr/bin/python3", "-c", "import " + module});
            }};
}

bool declarePrerequisites(std::vector<Prerequisite> needs)
{
    for (auto& n : needs)
        registry().push_back(std::move(n));
    return true;
}

std::string missingPrerequisite()
{
    for (const auto& n : registry()) {
        if (!n.present())
            return n.what;
    }
    return {};
}

} // namespace ck::test
