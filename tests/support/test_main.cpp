// main() of the daemon-level test binaries: exit 77 when a prerequisite is missing or every test
// skipped, and a visible list of the tests that skipped (see test_main.h).
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

namespace {

// The reason a skipped test gave (the message of its GTEST_SKIP).
std::string skipReason(const ::testing::TestResult& result)
{
    for (int i = 0; i < result.total_part_count(); ++i) {
        const auto& part = result.GetTestPartResult(i);
        if (part.skipped())
            return part.message();
    }
    return {};
}

} // namespace

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    const char* self = argc > 0 ? argv[0] : "test";
    if (!GTEST_FLAG_GET(list_tests)) {
        if (const std::string missing = ck::test::missingPrerequisite(); !missing.empty()) {
            std::printf("SKIP: %s: needs %s\n", self, missing.c_str());
            return 77;
        }
    }
    const int rc = RUN_ALL_TESTS();

    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    int ran = 0;
    std::vector<std::string> skipped;
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
        const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
        for (int t = 0; t < suite.total_test_count(); ++t) {
            const ::testing::TestInfo& info = *suite.GetTestInfo(t);
            if (!info.should_run())
                continue;
            ++ran;
            if (info.result()->Skipped()) {
                std::string line = std::string(suite.name()) + "." + info.name();
                if (const std::string why = skipReason(*info.result()); !why.empty())
                    line += ": " + why;
                skipped.push_back(line);
            }
        }
    }
    if (!skipped.empty()) {
        std::printf("ck-test: %zu of %d tests skipped:\n", skipped.size(), ran);
        for (const auto& line : skipped)
            std::printf("ck-test:   SKIPPED %s\n", line.c_str());
    }
    if (rc == 0 && ran > 0 && static_cast<int>(skipped.size()) == ran)
        return 77;
    return rc;
}
