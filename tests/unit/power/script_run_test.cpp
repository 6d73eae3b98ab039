// Power scripts that hang, fork off or flood (issues 16.4, 18.7): bounded, killed, reported.
#include "power/script_run.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>

namespace ck::power {
namespace {

using namespace std::chrono_literals;

class AScriptRun : public ::testing::Test {
protected:
    AScriptRun()
    {
        char tmpl[] = "/tmp/ck-script-run-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
    }
    ~AScriptRun() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

    std::string script(const std::string& body)
    {
        const std::string path = dir_ + "/ck-system-test";
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        ::chmod(path.c_str(), 0755);
        return path;
    }
    // Runs the script to its end; the outcome and how long it took.
    std::optional<Result<void>> runToEnd(const std::string& path, unsigned timeoutMs, std::chrono::seconds limit = 20s)
    {
        std::optional<Result<void>> outcome;
        auto run = ScriptRun::start(
            path, [&](Result<void> r) { outcome = std::move(r); }, timeoutMs);
        EXPECT_TRUE(run.ok());
        if (!run.ok())
            return std::nullopt;
        const auto start = std::chrono::steady_clock::now();
        while (!outcome && std::chrono::steady_clock::now() - start < limit)
            g_main_context_iteration(nullptr, TRUE);
        took_ = std::chrono::steady_clock::now() - start;
        return outcome;
    }
    std::string dir_;
    std::chrono::steady_clock::duration took_{};
};

TEST_F(AScriptRun, ReportsSuccessAndFailure)
{
    auto ok = runToEnd(script("exit 0"), 5000);
    ASSERT_TRUE(ok.has_value());
    EXPECT_TRUE(ok->ok());
    auto failed = runToEnd(script("exit 3"), 5000);
    ASSERT_TRUE(failed.has_value());
    ASSERT_FALSE(failed->ok());
    EXPECT_EQ(failed->error().message, "ck-system-test script exited with status 3");
}

TEST_F(AScriptRun, KillsAScriptThatHangsPastItsTimeoutWithItsChildren)
{
    const std::string pidFile = dir_ + "/child.pid";
    auto r
        = runToEnd(script("sleep 60 &\necho $! > '" + pidFile + "'\ntrap '' TERM\nwhile :; do sleep 0.1; done"), 300);
    ASSERT_TRUE(r.has_value()) << "still running";
    ASSERT_FALSE(r->ok());
    EXPECT_NE(r->error().message.find("ran longer than 300 ms and was killed"), std::string::npos)
        << r->error().message;
    EXPECT_LT(took_, 10s);
    std::ifstream in(pidFile);
    pid_t child = 0;
    in >> child;
    ASSERT_GT(child, 0);
    g_usleep(200000);
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    EXPECT_TRUE(text.empty() || text.find(") Z") != std::string::npos) << "its child still runs: " << text;
}

TEST_F(AScriptRun, DoesNotWaitForAChildThatKeptItsOutputOpen)
{
    auto r = runToEnd(script("sleep 60 &\nexit 0"), 30000);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->ok());
    EXPECT_LT(took_, 3s);
}

TEST_F(AScriptRun, KillsAScriptThatFloodsItsOutput)
{
    auto r = runToEnd(script("while :; do echo 'flooding the journal with this line'; done"), 30000);
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(r->ok());
    EXPECT_NE(r->error().message.find("bytes of output and was killed"), std::string::npos) << r->error().message;
    EXPECT_LT(took_, 10s);
}

} // namespace
} // namespace ck::power
