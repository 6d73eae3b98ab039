// Tests of ck-memstat's collection and formatting against the fixture proc tree.
#include <gtest/gtest.h>

#include "memstat/memstat_collect.h"
#include "memstat/memstat_format.h"
#include "test_data.h"

using namespace ck::memstat;
using ck::procfs::test::basicRoot;

namespace {

Row collect(pid_t pid)
{
    auto row = collectRow(basicRoot(), pid);
    EXPECT_TRUE(row) << row.error().message;
    return row ? std::move(row).value() : Row{};
}

Row sample(pid_t pid, unsigned long long start, long rss, long size, long threads)
{
    Row r;
    r.status.pid = pid;
    r.status.name = "p";
    r.startTime = start;
    r.status.vmRSS = rss;
    r.status.vmSize = size;
    r.status.threads = threads;
    return r;
}

} // namespace

TEST(AMemstatTable, AlignsTheColumnsOfEachProcess)
{
    const std::vector<Row> rows{collect(1234), collect(1300)};
    EXPECT_EQ(formatTable(rows),
        "Chg  PID Name            VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n"
        "    1234 console-kit-dae   132   2048  98765  99000  4567  4600       3\n"
        "    1300 a) b (c           136   1000   8800   9000  3000  3100       1\n");
}

TEST(AMemstatTable, ShowsADashForValuesAKernelThreadLacks)
{
    EXPECT_EQ(formatTable({collect(2)}),
        "Chg PID Name     VmStk VmData VmSize VmPeak VmRSS VmHWM Threads\n"
        "      2 kthreadd     -      -      -      -     -     -       1\n");
}

TEST(AMemstatTable, ReplacesControlCharactersInNames)
{
    Row r = sample(5, 1, 10, 20, 1);
    r.status.name = "evil\n\x1b[2J";
    EXPECT_NE(formatTable({r}).find(" evil??[2J "), std::string::npos) << formatTable({r});
}

TEST(AMemstatTable, PrintsTheChangeMarkers)
{
    std::vector<Row> before{sample(1, 10, 100, 1000, 2)};
    std::vector<Row> after{sample(1, 10, 200, 1000, 2)};
    markChanges(before, after);
    const std::string text = formatTable(after);
    EXPECT_EQ(text.substr(text.find('\n') + 1, 2), "+ ") << text;
}

TEST(ChangeMarkers, ShowGrowthShrinkageBothAndNothing)
{
    const std::vector<Row> before{sample(1, 10, 100, 1000, 2), sample(2, 20, 100, 1000, 2), sample(3, 30, 100, 1000, 2),
        sample(4, 40, 100, 1000, 2)};
    std::vector<Row> after{sample(1, 10, 100, 1000, 3), sample(2, 20, 90, 1000, 2), sample(3, 30, 110, 900, 2),
        sample(4, 40, 100, 1000, 2)};
    markChanges(before, after);
    EXPECT_EQ(after[0].change, "+");
    EXPECT_EQ(after[1].change, "-");
    EXPECT_EQ(after[2].change, "+-");
    EXPECT_EQ(after[3].change, "");
}

TEST(ChangeMarkers, StayBlankForNewProcessesAndReusedPids)
{
    const std::vector<Row> before{sample(1, 10, 100, 1000, 2)};
    std::vector<Row> after{sample(1, 11, 500, 1000, 2), sample(7, 70, 500, 1000, 2)};
    markChanges(before, after);
    EXPECT_EQ(after[0].change, ""); // same pid, another start time: another process
    EXPECT_EQ(after[1].change, "");
    std::vector<Row> first{sample(1, 10, 100, 1000, 2)};
    markChanges({}, first);
    EXPECT_EQ(first[0].change, "");
}

TEST(AJsonString, EscapesQuotesBackslashesAndControlCharacters)
{
    EXPECT_EQ(jsonString("plain"), "\"plain\"");
    EXPECT_EQ(jsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(jsonString("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
    EXPECT_EQ(jsonString(std::string("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
    EXPECT_EQ(jsonString(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(AJsonString, KeepsValidUtf8AndReplacesInvalidBytes)
{
    EXPECT_EQ(jsonString("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    EXPECT_EQ(jsonString("cut\xc3"), "\"cut\\ufffd\""); // comm cut inside a character
    EXPECT_EQ(jsonString("\xc0\xaf"), "\"\\ufffd\\ufffd\""); // overlong '/'
    EXPECT_EQ(jsonString("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); // UTF-16 surrogate
    EXPECT_EQ(jsonString("\xff"), "\"\\ufffd\"");
}

TEST(AMemstatJsonTable, WritesOneObjectPerProcessWithNullForAbsentValues)
{
    Row daemon = collect(1234);
    daemon.change = "+";
    EXPECT_EQ(formatTableJson({daemon, collect(2)}),
        "{\"processes\":[{\"pid\":1234,\"name\":\"console-kit-dae\",\"startTime\":4321,\"change\":\"+\","
        "\"vmStk\":132,\"vmData\":2048,\"vmSize\":98765,\"vmPeak\":99000,\"vmRSS\":4567,\"vmHWM\":4600,"
        "\"threads\":3},"
        "{\"pid\":2,\"name\":\"kthreadd\",\"startTime\":5,\"change\":\"\",\"vmStk\":null,\"vmData\":null,"
        "\"vmSize\":null,\"vmPeak\":null,\"vmRSS\":null,\"vmHWM\":null,\"threads\":1}]}\n");
}

TEST(AMemstatJsonTable, EscapesTheProcessName)
{
    Row r = sample(9, 1, 1, 1, 1);
    r.status.name = "a\"b\\";
    EXPECT_NE(formatTableJson({r}).find("\"name\":\"a\\\"b\\\\\""), std::string::npos);
}

TEST(ARssByNameSum, AddsUpProcessesOfTheSameNameLargestFirst)
{
    auto totals = sumRssByName(basicRoot());
    ASSERT_TRUE(totals) << totals.error().message;
    ASSERT_EQ(totals->size(), 6u); // kthreadd has no VmRSS and is left out
    EXPECT_EQ((*totals)[0].name, "systemd");
    EXPECT_EQ((*totals)[0].rss, 12000);
    EXPECT_EQ((*totals)[1].name, "bash");
    EXPECT_EQ((*totals)[1].rss, 5000 + 4000);
    EXPECT_EQ((*totals)[1].processes, 2);
    EXPECT_EQ(formatByName(*totals),
        "Name              RSS Procs\n"
        "systemd         12000     1\n"
        "bash             9000     2\n"
        "console-kit-dae  4567     1\n"
        "a) b (c          3000     1\n"
        "minicom          2000     1\n"
        "agetty           1800     1\n");
    const std::string json = formatByNameJson(*totals);
    EXPECT_EQ(json.rfind("{\"names\":[{\"name\":\"systemd\",\"rss\":12000,\"processes\":1},"
                         "{\"name\":\"bash\",\"rss\":9000,\"processes\":2},",
                  0),
        0u)
        << json;
}

TEST(AMemstatThreadList, ListsEachThreadWithTheThreadCount)
{
    auto rows = collectThreads(basicRoot(), 1234);
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(formatThreads(*rows),
        " PID  LWP NLWP COMM\n"
        "1234 1234    3 console-kit-dae\n"
        "1234 1235    3 gmain\n"
        "1234 1236    3 gdbus\n");
    EXPECT_EQ(formatThreadsJson({rows->front()}),
        "{\"threads\":[{\"pid\":1234,\"lwp\":1234,\"nlwp\":3,\"comm\":\"console-kit-dae\"}]}\n");
}

TEST(AMemstatMapsReport, TotalsTheMappings)
{
    auto report = collectMaps(basicRoot(), 1234);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->size, 3096);
    EXPECT_EQ(report->rss, 2016);
    EXPECT_EQ(report->pss, 1414);
    EXPECT_EQ(report->dirty, 836);
    EXPECT_EQ(report->swap, 24);
    EXPECT_EQ(formatMaps({*report}, false),
        " PID Name            Size  RSS  PSS Dirty Swap\n"
        "1234 console-kit-dae 3096 2016 1414   836   24\n");
}

TEST(AMemstatMapsReport, ListsEveryMappingWithAll)
{
    auto report = collectMaps(basicRoot(), 1400);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(formatMaps({*report}, true),
        "1400: bash\n"
        "Address          Size RSS PSS Dirty Swap Mode Mapping\n"
        "000055f3ef73e000  188 188  31     0    0 r--p /usr/bin/bash\n"
        "000055f3ef873000   44  44  35    44    4 rw-p [ anon ]\n"
        "---------------- ---- --- --- ----- ----\n"
        "total kB          232 232  66    44    4\n");
    const std::string json = formatMapsJson({*report}, true);
    EXPECT_NE(json.find("\"mappings\":[{\"start\":\"000055f3ef73e000\",\"end\":\"000055f3ef76d000\",\"perms\":\"r--p\","
                        "\"path\":\"/usr/bin/bash\",\"size\":188"),
        std::string::npos)
        << json;
    EXPECT_EQ(formatMapsJson({*report}, false),
        "{\"processes\":[{\"pid\":1400,\"name\":\"bash\",\"size\":232,\"rss\":232,\"pss\":66,\"dirty\":44,"
        "\"swap\":4}]}\n");
}

TEST(AMemstatSmapsReport, ShowsPssAndPrivateDirtyFromSmapsRollup)
{
    auto row = collectSmaps(basicRoot(), 1234);
    ASSERT_TRUE(row) << row.error().message;
    EXPECT_EQ(formatSmaps({*row}),
        " PID Name             RSS  Pss Private_Dirty Swap\n"
        "1234 console-kit-dae 2016 1414           832   24\n");
    EXPECT_EQ(formatSmapsJson({*row}),
        "{\"processes\":[{\"pid\":1234,\"name\":\"console-kit-dae\",\"rss\":2016,\"pss\":1414,"
        "\"privateDirty\":832,\"swap\":24}]}\n");
}

TEST(TheDefaultTarget, IsConsoleKitDaemonAndItsAbsenceIsAnError)
{
    auto pids = findTargets(basicRoot(), kDefaultProcessName);
    ASSERT_TRUE(pids) << pids.error().message;
    EXPECT_EQ(*pids, std::vector<pid_t>{1234});
    auto none = findTargets(basicRoot(), "gdm3");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message, "no process named gdm3 is running");
}
