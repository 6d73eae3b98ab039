// Runs the real ck-memstat binary against the fixture proc tree and the real /proc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_data.h"

using ck::procfs::test::basicRoot;
using ck::procfs::test::ScratchTree;

namespace {

struct Run {
    int status = -1; // exit code, or -1 when it did not exit normally
    std::string out;
    std::string err;
};

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The binary under test: CK_MEMSTAT (set by meson) or the build path compiled in.
const char* memstatBinary()
{
    const char* env = ::getenv("CK_MEMSTAT");
    return env && *env ? env : CK_MEMSTAT_DEFAULT;
}

Run memstat(std::vector<std::string> args)
{
    const char* binary = memstatBinary();
    Run run;
    ScratchTree tmp;
    const std::string outPath = tmp.path() + "/out", errPath = tmp.path() + "/err";
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
        const int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
            ::_exit(127);
        ::execv(binary, argv.data());
        ::_exit(127);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) {
        ADD_FAILURE() << "cannot run " << binary;
        return run;
    }
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(outPath);
    run.err = slurp(errPath);
    return run;
}

const std::string kHeader = "Chg  PID Name            VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n";
const std::string kDaemonRow = "    1234 console-kit-dae   132   2048  98765  99000  4567  4600       3\n";

} // namespace

TEST(TheMemstatTool, ReportsConsoleKitDaemonByDefault)
{
    auto r = memstat({"--proc-root", basicRoot()});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, kHeader + kDaemonRow);
    EXPECT_EQ(r.err, "");
}

TEST(TheMemstatTool, ReportsTheGivenPids)
{
    auto r = memstat({"--proc-root", basicRoot(), "1234", "1400"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(
        r.out, kHeader + kDaemonRow + "    1400 bash              132   1284   5340   5400  5000  5000       1\n");
}

TEST(TheMemstatTool, FailsClearlyForAnUnknownPid)
{
    auto r = memstat({"--proc-root", basicRoot(), "99999"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "ck-memstat: No such process 99999\n");
    EXPECT_EQ(r.out, "");
}

TEST(TheMemstatTool, StillPrintsTheOtherPidsWhenOneIsUnknown)
{
    auto r = memstat({"--proc-root", basicRoot(), "99999", "1234"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "ck-memstat: No such process 99999\n");
    EXPECT_EQ(r.out, kHeader + kDaemonRow);
}

TEST(TheMemstatTool, FailsWhenNoDaemonRuns)
{
    auto r = memstat({"--proc-root", basicRoot(), "--name", "gdm3"});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "ck-memstat: no process named gdm3 is running\n");
}

TEST(TheMemstatTool, RepeatsTheTableWhenWatching)
{
    auto r = memstat({"--proc-root", basicRoot(), "--watch", "0.01", "--count", "3"});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string sample = kHeader + kDaemonRow;
    EXPECT_EQ(r.out, sample + "\n" + sample + "\n" + sample); // unchanged fixture: no markers
}

TEST(TheMemstatTool, MarksGrowthBetweenWatchedSamples)
{
    const char* binary = memstatBinary();
    ScratchTree tree;
    const std::string status = "Name:\tconsole-kit-dae\nPid:\t77\nVmPeak:\t 900 kB\nVmSize:\t 900 kB\n"
                               "VmHWM:\t 300 kB\nVmRSS:\t 300 kB\nVmData:\t 100 kB\nVmStk:\t 132 kB\nThreads:\t2\n";
    tree.write("77/comm", "console-kit-dae\n");
    tree.write("77/stat", "77 (console-kit-dae) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 4321 0 0\n");
    tree.write("77/status", status);

    int pipeFds[2];
    ASSERT_EQ(::pipe2(pipeFds, O_CLOEXEC), 0);
    const std::string root = tree.path();
    const pid_t child = ::fork();
    if (child == 0) {
        ::dup2(pipeFds[1], 1);
        ::execl(binary, binary, "--proc-root", root.c_str(), "--watch", "1", "--count", "3", nullptr);
        ::_exit(127);
    }
    ::close(pipeFds[1]);
    std::string out;
    auto readUntilLines = [&](std::size_t lines) {
        char buf[4096];
        while (static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')) < lines) {
            const ssize_t n = ::read(pipeFds[0], buf, sizeof buf);
            if (n <= 0)
                return;
            out.append(buf, static_cast<std::size_t>(n));
        }
    };
    // The tool flushes each sample, then sleeps a second: change the file inside that pause.
    readUntilLines(2);
    std::string grown = status;
    grown.replace(grown.find(" 300 kB\nVmData"), 7, " 512 kB"); // VmRSS grows
    tree.write("77/status.new", grown);
    ASSERT_EQ(::rename((root + "/77/status.new").c_str(), (root + "/77/status").c_str()), 0);
    readUntilLines(5);
    tree.write("77/status.new", status); // and shrinks back
    ASSERT_EQ(::rename((root + "/77/status.new").c_str(), (root + "/77/status").c_str()), 0);
    readUntilLines(100);
    ::close(pipeFds[0]);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
    EXPECT_EQ(out,
        "Chg PID Name            VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n"
        "     77 console-kit-dae   132    100    900    900   300   300       2\n"
        "\n"
        "Chg PID Name            VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n"
        "+    77 console-kit-dae   132    100    900    900   512   300       2\n"
        "\n"
        "Chg PID Name            VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n"
        "-    77 console-kit-dae   132    100    900    900   300   300       2\n");
}

TEST(TheMemstatTool, PrintsOneJsonObjectPerSample)
{
    auto r = memstat({"--proc-root", basicRoot(), "--json", "--watch", "0.01", "--count", "2"});
    EXPECT_EQ(r.status, 0) << r.err;
    const std::string line = "{\"processes\":[{\"pid\":1234,\"name\":\"console-kit-dae\",\"startTime\":4321,"
                             "\"change\":\"\",\"vmStk\":132,\"vmData\":2048,\"vmSize\":98765,\"vmPeak\":99000,"
                             "\"vmRSS\":4567,\"vmHWM\":4600,\"threads\":3}]}\n";
    EXPECT_EQ(r.out, line + line);
}

TEST(TheMemstatTool, ListsThreads)
{
    auto r = memstat({"--proc-root", basicRoot(), "--threads"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out,
        " PID  LWP NLWP COMM\n"
        "1234 1234    3 console-kit-dae\n"
        "1234 1235    3 gmain\n"
        "1234 1236    3 gdbus\n");
}

TEST(TheMemstatTool, TotalsAndListsMappings)
{
    auto totals = memstat({"--proc-root", basicRoot(), "--maps"});
    EXPECT_EQ(totals.status, 0) << totals.err;
    EXPECT_EQ(totals.out,
        " PID Name            Size  RSS  PSS Dirty Swap\n"
        "1234 console-kit-dae 3096 2016 1414   836   24\n");
    auto all = memstat({"--proc-root", basicRoot(), "--maps", "--all"});
    EXPECT_EQ(all.status, 0) << all.err;
    EXPECT_NE(all.out.find("/run/ConsoleKit/some file (deleted)\n"), std::string::npos) << all.out;
    EXPECT_NE(all.out.find("\ntotal kB         3096 2016 1414   836   24\n"), std::string::npos) << all.out;
    auto json = memstat({"--proc-root", basicRoot(), "--maps", "--json"});
    EXPECT_EQ(json.out,
        "{\"processes\":[{\"pid\":1234,\"name\":\"console-kit-dae\",\"size\":3096,\"rss\":2016,"
        "\"pss\":1414,\"dirty\":836,\"swap\":24}]}\n");
}

TEST(TheMemstatTool, SumsRssByName)
{
    auto r = memstat({"--proc-root", basicRoot(), "--by-name"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.substr(0, r.out.find('\n', r.out.find("bash"))),
        "Name              RSS Procs\n"
        "systemd         12000     1\n"
        "bash             9000     2");
}

TEST(TheMemstatTool, RejectsBadUsageWithStatusTwo)
{
    for (const std::vector<std::string>& args :
        {std::vector<std::string>{"--all"}, {"--watch", "0"}, {"--watch", "x"}, {"--count", "-1"}, {"abc"},
            {"--threads", "--maps"}, {"--by-name", "1"}, {"--no-such-option"}, {"--watch"}}) {
        auto r = memstat(args);
        EXPECT_EQ(r.status, 2) << args.front();
        EXPECT_NE(r.err.find("Try 'ck-memstat --help'"), std::string::npos) << r.err;
    }
}

TEST(TheMemstatTool, ExplainsItselfWithHelp)
{
    auto r = memstat({"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("Usage: ck-memstat [OPTION]... [PID]...\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("--by-name"), std::string::npos);
}

TEST(TheMemstatTool, ReadsARealProcess)
{
    auto r = memstat({std::to_string(::getpid())});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("Chg ", 0), 0u) << r.out;
    std::string comm = slurp("/proc/self/comm"); // "memstat-cli-tes": the kernel keeps 15 bytes
    comm.pop_back();
    EXPECT_NE(r.out.find(" " + comm + " "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" " + std::to_string(::getpid()) + " "), std::string::npos) << r.out;
}
