// Tests of the ck-history and ck-log-system-* programs on fixture logs (plain and gzip).
#include <glib.h>
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <zlib.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "state/history.h"
#include "temp_dir.h"

namespace ck::state {
namespace {

using test::readText;

struct ToolRun {
    int status = -1;
    std::string out, err;
};

ToolRun runTool(const char* binEnv, std::vector<std::string> args)
{
    const char* bin = std::getenv(binEnv);
    if (bin == nullptr) {
        ADD_FAILURE() << binEnv << " is not set";
        return {};
    }
    std::vector<char*> argv;
    std::string program = bin;
    argv.push_back(program.data());
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    gchar** envp = g_get_environ();
    envp = g_environ_setenv(envp, "TZ", "UTC", TRUE);
    envp = g_environ_setenv(envp, "LC_ALL", "C", TRUE);
    gchar* out = nullptr;
    gchar* err = nullptr;
    gint wait = 0;
    GError* error = nullptr;
    ToolRun r;
    if (!g_spawn_sync(nullptr, argv.data(), envp, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &wait, &error)) {
        ADD_FAILURE() << "cannot run " << bin << ": " << error->message;
        g_error_free(error);
    } else {
        r.status = WIFEXITED(wait) ? WEXITSTATUS(wait) : 128 + WTERMSIG(wait);
        r.out = out;
        r.err = err;
    }
    g_free(out);
    g_free(err);
    g_strfreev(envp);
    return r;
}

void gzipFile(const std::string& from, const std::string& to)
{
    const std::string data = readText(from);
    gzFile gz = gzopen(to.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    ASSERT_EQ(gzwrite(gz, data.data(), static_cast<unsigned>(data.size())), static_cast<int>(data.size()));
    ASSERT_EQ(gzclose(gz), Z_OK);
}

// history and history.1 plain, history.2 compressed (as logrotate's delaycompress leaves them).
class CkHistoryOnARotatedLog : public ::testing::Test {
protected:
    void SetUp() override
    {
        const std::string src = test::dataFile("ck-history/");
        test::writeText(dir_.file("history"), readText(src + "history"));
        test::writeText(dir_.file("history.1"), readText(src + "history.1"));
        gzipFile(src + "history.2", dir_.file("history.2.gz"));
    }
    ToolRun history(std::vector<std::string> args)
    {
        args.push_back("--log-file");
        args.push_back(dir_.file("history"));
        return runTool("CK_HISTORY_BIN", std::move(args));
    }
    static std::string expected(const std::string& name) { return readText(test::dataFile("ck-history/" + name)); }

    test::TempDir dir_;
};

TEST_F(CkHistoryOnARotatedLog, ListsSessionsAndBootsNewestFirstWithLast)
{
    ToolRun r = history({"--last"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, expected("last.expected"));
}

TEST_F(CkHistoryOnARotatedLog, PrintsTheLastCompatibleLayout)
{
    ToolRun r = history({"--last-compat"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, expected("last-compat.expected"));
}

TEST_F(CkHistoryOnARotatedLog, CountsSessionsPerUserWithFrequent)
{
    ToolRun r = history({"--frequent"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "root                     3\n2147483000               2\n2147483001               1\n");
}

TEST_F(CkHistoryOnARotatedLog, ReprintsEveryParsedEventOldestFirstWithLog)
{
    ToolRun r = history({"--log"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, expected("log.expected"));
}

TEST_F(CkHistoryOnARotatedLog, PrintsASummaryByDefault)
{
    ToolRun r = history({});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string want = expected("summary.expected");
    // The file names depend on the temporary directory.
    const std::string placeholder = "@DIR@";
    for (std::size_t p; (p = want.find(placeholder)) != std::string::npos;)
        want.replace(p, placeholder.size(), dir_.path());
    EXPECT_EQ(r.out, want);
}

TEST_F(CkHistoryOnARotatedLog, FiltersByUserAndLeavesOutBoots)
{
    ToolRun r = history({"--last", "--user", "root"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, expected("last-root.expected"));
    ToolRun byUid = history({"--last", "-u", "0"});
    EXPECT_EQ(byUid.out, r.out);
}

TEST_F(CkHistoryOnARotatedLog, FiltersBySeatAndSessionType)
{
    ToolRun seat = history({"--frequent", "--seat", "Seat2"});
    EXPECT_EQ(seat.status, 0) << seat.err;
    EXPECT_EQ(seat.out, "2147483001               1\n");
    ToolRun path = history({"--frequent", "--seat=/org/freedesktop/ConsoleKit/Seat2"});
    EXPECT_EQ(path.out, seat.out);
    ToolRun type = history({"--frequent", "-t", "x11"});
    EXPECT_EQ(type.out, "2147483000               2\nroot                     1\n");
    ToolRun quoted = history({"--log", "--session-type", "it's odd"});
    EXPECT_EQ(quoted.out, expected("log-odd-type.expected"));
}

TEST_F(CkHistoryOnARotatedLog, DropsEventsBeforeSince)
{
    ToolRun r = history({"--log", "--since=2024-01-03T00:00:00Z"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, readText(test::dataFile("ck-history/history")));
    ToolRun date = history({"--log", "--since", "2024-01-03"}); // TZ=UTC: the same midnight
    EXPECT_EQ(date.out, r.out);
    ToolRun exact = history({"--log", "--since", "2024-01-06T00:15:00Z"});
    EXPECT_EQ(exact.out, "1704500100.000 type=SYSTEM_SUSPEND : \n");
    ToolRun last = history({"--last", "--since", "2024-01-06T00:00:00Z"});
    EXPECT_EQ(last.out, "\nLog begins Sat Jan  6 00:13:20 2024\n");
}

TEST_F(CkHistoryOnARotatedLog, RejectsAnUnknownUser)
{
    ToolRun r = history({"--last", "--user", "no-such-user-here"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("Unknown username: no-such-user-here"), std::string::npos);
    EXPECT_EQ(r.out, "");
}

TEST_F(CkHistoryOnARotatedLog, RejectsAnInvalidTime)
{
    ToolRun r = history({"--since", "yesterday"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("Invalid ISO 8601 time value"), std::string::npos);
}

TEST(CkHistory, PrintsItsVersionAndExitsZero)
{
    ToolRun r = runTool("CK_HISTORY_BIN", {"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(r.out.starts_with("ck-history ")) << r.out;
}

TEST(CkHistory, PrintsHelp)
{
    ToolRun r = runTool("CK_HISTORY_BIN", {"--help"});
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("--last-compat"), std::string::npos);
    EXPECT_NE(r.out.find("--log-file"), std::string::npos);
}

TEST(CkHistory, FailsWhenThereIsNoLog)
{
    test::TempDir dir;
    ToolRun r = runTool("CK_HISTORY_BIN", {"--log-file", dir.file("history")});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find(dir.file("history")), std::string::npos);
}

TEST(CkHistory, ReadsRotatedFilesEvenWhenTheCurrentOneIsMissing)
{
    test::TempDir dir;
    test::writeText(dir.file("history.1"), "5.000 type=SYSTEM_STOP : \n");
    ToolRun r = runTool("CK_HISTORY_BIN", {"--log", "--log-file", dir.file("history")});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "5.000 type=SYSTEM_STOP : \n");
}

TEST(CkLogSystemTools, AppendStartStopAndRestartLines)
{
    test::TempDir dir;
    const std::string path = dir.file("log/ConsoleKit/history");
    for (const char* bin : {"CK_LOG_SYSTEM_START_BIN", "CK_LOG_SYSTEM_STOP_BIN", "CK_LOG_SYSTEM_RESTART_BIN"}) {
        ToolRun r = runTool(bin, {"--log-file", path});
        EXPECT_EQ(r.status, 0) << bin << ": " << r.err;
    }
    const std::string text = readText(path);
    std::vector<std::string> lines;
    for (std::size_t pos = 0, eol; (eol = text.find('\n', pos)) != std::string::npos; pos = eol + 1)
        lines.push_back(text.substr(pos, eol - pos));
    ASSERT_EQ(lines.size(), 3u) << text;
    auto start = parseHistoryLine(lines[0]);
    ASSERT_TRUE(start.ok()) << start.error().message;
    EXPECT_EQ(start->type, HistoryEventType::SystemStart);
    utsname u{};
    ASSERT_EQ(::uname(&u), 0);
    EXPECT_EQ(start->kernelRelease, u.release);
    std::string cmdline = readText("/proc/cmdline");
    while (!cmdline.empty() && cmdline.back() == '\n')
        cmdline.pop_back();
    EXPECT_EQ(start->bootArguments, cmdline);
    EXPECT_NEAR(static_cast<double>(start->timestamp) / 1e6, static_cast<double>(::time(nullptr)), 60.0);
    EXPECT_TRUE(lines[1].ends_with(" type=SYSTEM_STOP : ")) << lines[1];
    EXPECT_TRUE(lines[2].ends_with(" type=SYSTEM_RESTART : ")) << lines[2];
}

TEST(CkLogSystemTools, ExitOneWhenTheLogCannotBeOpened)
{
    test::TempDir dir;
    test::writeText(dir.file("file"), "");
    ToolRun r = runTool("CK_LOG_SYSTEM_STOP_BIN", {"--log-file=" + dir.file("file/history")});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("ck-log-system-stop:"), std::string::npos);
    EXPECT_NE(r.err.find(dir.file("file")), std::string::npos);
}

TEST(CkLogSystemTools, PrintHelpAndRejectUnknownArguments)
{
    ToolRun help = runTool("CK_LOG_SYSTEM_RESTART_BIN", {"--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("--log-file"), std::string::npos);
    ToolRun bad = runTool("CK_LOG_SYSTEM_START_BIN", {"--bogus"});
    EXPECT_EQ(bad.status, 1);
}

} // namespace
} // namespace ck::state
