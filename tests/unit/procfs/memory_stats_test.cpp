// Tests of the status/smaps/threads readers against fixture proc trees and the real /proc/self.
#include "procfs/memory_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ostream>

#include "procfs/proc_file.h"
#include "test_data.h"

using namespace ck::procfs;
using ck::procfs::test::basicRoot;
using ck::procfs::test::malformedRoot;
using ck::procfs::test::ScratchTree;

TEST(AStatusReader, ReadsTheVmLinesInKib)
{
    auto s = readStatus(basicRoot(), 1234);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "console-kit-dae");
    EXPECT_EQ(s->pid, 1234);
    EXPECT_EQ(s->vmPeak, 99000);
    EXPECT_EQ(s->vmSize, 98765);
    EXPECT_EQ(s->vmLck, 0);
    EXPECT_EQ(s->vmHWM, 4600);
    EXPECT_EQ(s->vmRSS, 4567);
    EXPECT_EQ(s->vmData, 2048);
    EXPECT_EQ(s->vmStk, 132);
    EXPECT_EQ(s->vmExe, 20);
    EXPECT_EQ(s->vmLib, 1528);
    EXPECT_EQ(s->vmPTE, 44);
    EXPECT_EQ(s->vmSwap, 0);
    EXPECT_EQ(s->threads, 3);
}

TEST(AStatusReader, KeepsSpacesAndParensInTheName)
{
    auto s = readStatus(basicRoot(), 1300);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "a) b (c");
}

TEST(AStatusReader, MarksVmLinesOfAKernelThreadAbsent)
{
    auto s = readStatus(basicRoot(), 2);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "kthreadd");
    EXPECT_EQ(s->threads, 1);
    EXPECT_EQ(s->vmRSS, -1);
    EXPECT_EQ(s->vmSize, -1);
    EXPECT_EQ(s->vmPeak, -1);
}

TEST(AStatusParser, ParsesTextWithoutTrailingNewline)
{
    auto s = parseStatus("Name:\tx y\nPid:\t42\nVmRSS:\t     12 kB\nThreads:\t7");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->name, "x y");
    EXPECT_EQ(s->pid, 42);
    EXPECT_EQ(s->vmRSS, 12);
    EXPECT_EQ(s->threads, 7);
    EXPECT_EQ(s->vmSwap, -1);
}

struct MalformedStatus {
    pid_t pid;
    const char* expected;
};

void PrintTo(const MalformedStatus& c, std::ostream* os)
{
    *os << c.pid << "/status";
}

class AStatusReaderGivenAMalformedFile : public testing::TestWithParam<MalformedStatus> { };

TEST_P(AStatusReaderGivenAMalformedFile, NamesTheFileAndTheLine)
{
    auto s = readStatus(malformedRoot(), GetParam().pid);
    ASSERT_FALSE(s);
    const std::string file = malformedRoot() + "/" + std::to_string(GetParam().pid) + "/status";
    EXPECT_NE(s.error().message.find(file), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(GetParam().expected), std::string::npos) << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(Files, AStatusReaderGivenAMalformedFile,
    testing::Values(MalformedStatus{14, "line 3: VmRSS is not '<n> kB': 'abc kB'"},
        MalformedStatus{15, "line 3: expected 'Name: value', got 'VmRSS 1234 kB'"},
        MalformedStatus{16, "line 3: VmRSS is not '<n> kB'"}, MalformedStatus{20, "no Name: line"}));

TEST(AStatusParser, RejectsNegativeAndOverflowingValues)
{
    EXPECT_FALSE(parseStatus("Name:\tx\nVmRSS:\t-5 kB\n"));
    EXPECT_FALSE(parseStatus("Name:\tx\nVmRSS:\t99999999999999999999999 kB\n"));
    EXPECT_FALSE(parseStatus("Name:\tx\nVmRSS:\t5 MB\n"));
    EXPECT_FALSE(parseStatus("Name:\tx\nThreads:\tmany\n"));
    EXPECT_FALSE(parseStatus(""));
}

TEST(ASmapsRollupReader, ReadsTheKernelTotals)
{
    auto t = readSmapsRollup(basicRoot(), 1234);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->rss, 2016);
    EXPECT_EQ(t->pss, 1414);
    EXPECT_EQ(t->sharedClean, 900);
    EXPECT_EQ(t->sharedDirty, 4);
    EXPECT_EQ(t->privateClean, 280);
    EXPECT_EQ(t->privateDirty, 832);
    EXPECT_EQ(t->swap, 24);
    EXPECT_EQ(t->size, -1); // smaps_rollup has no Size line
}

TEST(ASmapsRollupReader, FallsBackToSummingSmapsWhenRollupIsMissing)
{
    auto t = readSmapsRollup(basicRoot(), 1400); // no smaps_rollup: pre-4.14 kernel
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->size, 188 + 44);
    EXPECT_EQ(t->rss, 188 + 44);
    EXPECT_EQ(t->pss, 31 + 35);
    EXPECT_EQ(t->sharedClean, 188);
    EXPECT_EQ(t->sharedDirty, 8);
    EXPECT_EQ(t->privateDirty, 36);
    EXPECT_EQ(t->swap, 4);
}

TEST(ASmapsRollupReader, ReportsNothingMappedForAKernelThread)
{
    auto t = readSmapsRollup(basicRoot(), 2); // empty smaps, no rollup
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->rss, 0);
    EXPECT_EQ(t->size, 0);
}

TEST(ASmapsSum, AgreesWithTheRollupOfTheSameProcess)
{
    auto text = readProcFile(basicRoot() + "/1234/smaps", kSmapsCap);
    ASSERT_TRUE(text);
    auto sum = sumSmaps(*text);
    auto rollup = readSmapsRollup(basicRoot(), 1234);
    ASSERT_TRUE(sum && rollup);
    EXPECT_EQ(sum->rss, rollup->rss);
    EXPECT_EQ(sum->pss, rollup->pss);
    EXPECT_EQ(sum->sharedClean, rollup->sharedClean);
    EXPECT_EQ(sum->privateDirty, rollup->privateDirty);
    EXPECT_EQ(sum->swap, rollup->swap);
    EXPECT_EQ(sum->size, 100 + 200 + 1024 + 132 + 1504 + 4 + 132);
}

TEST(ASmapsReader, ListsEveryMappingWithItsPath)
{
    auto maps = readSmaps(basicRoot(), 1234);
    ASSERT_TRUE(maps) << maps.error().message;
    ASSERT_EQ(maps->size(), 7u);
    const Mapping& exe = (*maps)[0];
    EXPECT_EQ(exe.start, 0x55d1e0a00000ul);
    EXPECT_EQ(exe.end, 0x55d1e0a19000ul);
    EXPECT_EQ(exe.perms, "r--p");
    EXPECT_EQ(exe.path, "/usr/sbin/console-kit-daemon");
    EXPECT_EQ(exe.size, 100);
    const Mapping& heap = (*maps)[2];
    EXPECT_EQ(heap.path, "[heap]");
    EXPECT_EQ(heap.dirty, 800);
    EXPECT_EQ(heap.swap, 24);
    EXPECT_EQ((*maps)[3].path, ""); // anonymous
    EXPECT_EQ((*maps)[4].pss, 300);
    EXPECT_EQ((*maps)[5].path, "/run/ConsoleKit/some file (deleted)");
    EXPECT_EQ((*maps)[5].perms, "rw-s");
    EXPECT_EQ((*maps)[5].dirty, 4);
}

TEST(ASmapsReaderGivenAMalformedFile, NamesTheFieldAndLine)
{
    auto maps = readSmaps(malformedRoot(), 17);
    ASSERT_FALSE(maps);
    EXPECT_NE(maps.error().message.find("17/smaps line 3: Rss is not '<n> kB'"), std::string::npos)
        << maps.error().message;
    auto rollup = readSmapsRollup(malformedRoot(), 17);
    ASSERT_FALSE(rollup);
    EXPECT_NE(rollup.error().message.find("17/smaps_rollup line 2: Rss"), std::string::npos) << rollup.error().message;
    auto orphan = readSmaps(malformedRoot(), 21);
    ASSERT_FALSE(orphan);
    EXPECT_NE(orphan.error().message.find("line 1: field before the first mapping header"), std::string::npos)
        << orphan.error().message;
}

TEST(ASmapsParser, RejectsBrokenHeaders)
{
    EXPECT_FALSE(parseSmaps("55d1e0a19000-55d1e0a00000 r--p 00000000 fe:00 1\nSize: 4 kB\n")); // end < start
    EXPECT_FALSE(parseSmaps("55d1e0a00000-55d1e0a19000 r--p\n")); // truncated
    EXPECT_FALSE(parseSmapsRollup(""));
}

TEST(AThreadReader, ListsThreadsSortedByTid)
{
    auto threads = readThreads(basicRoot(), 1234);
    ASSERT_TRUE(threads) << threads.error().message;
    ASSERT_EQ(threads->size(), 3u);
    EXPECT_EQ((*threads)[0].tid, 1234);
    EXPECT_EQ((*threads)[0].comm, "console-kit-dae");
    EXPECT_EQ((*threads)[1].tid, 1235);
    EXPECT_EQ((*threads)[1].comm, "gmain");
    EXPECT_EQ((*threads)[2].tid, 1236);
    EXPECT_EQ((*threads)[2].comm, "gdbus");
}

TEST(AThreadReader, ReportsAMissingProcess)
{
    auto threads = readThreads(basicRoot(), 99999);
    ASSERT_FALSE(threads);
    EXPECT_EQ(threads.error().message, "No such process 99999");
}

TEST(AProcessFinder, MatchesTheTruncatedCommOfALongName)
{
    auto pids = findProcessesByName(basicRoot(), "console-kit-daemon");
    ASSERT_TRUE(pids) << pids.error().message;
    EXPECT_EQ(*pids, std::vector<pid_t>{1234});
    auto bash = findProcessesByName(basicRoot(), "bash");
    ASSERT_TRUE(bash);
    EXPECT_EQ(*bash, (std::vector<pid_t>{1400, 1401}));
    auto none = findProcessesByName(basicRoot(), "gdm");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(AProcessFinder, ChecksArgv0WhenTheCommIsTruncated)
{
    ScratchTree tree;
    tree.write("10/comm", "console-kit-dae\n");
    tree.write("10/cmdline", std::string("/usr/bin/console-kit-daemonizer\0-x\0", 35));
    tree.write("11/comm", "console-kit-dae\n");
    tree.write("11/cmdline", ""); // zombie: no cmdline
    tree.write("12/comm", "console-kit-dae\n");
    tree.write("12/cmdline", std::string("console-kit-daemon\0", 19));
    tree.write("self/comm", "console-kit-dae\n"); // not a pid directory
    auto pids = findProcessesByName(tree.path(), "console-kit-daemon");
    ASSERT_TRUE(pids) << pids.error().message;
    EXPECT_EQ(*pids, (std::vector<pid_t>{11, 12}));
}

TEST(AProcessFinder, FailsForAMissingRoot)
{
    auto pids = findProcessesByName("/nonexistent/proc", "x");
    ASSERT_FALSE(pids);
    EXPECT_NE(pids.error().message.find("/nonexistent/proc"), std::string::npos);
}

TEST(AMemoryReaderOnTheRealProc, ReadsItsOwnStatusSmapsAndThreads)
{
    auto s = readStatus("/proc", ::getpid());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->pid, ::getpid());
    EXPECT_GE(s->threads, 1);
    EXPECT_GT(s->vmRSS, 0);
    EXPECT_GE(s->vmPeak, s->vmSize);
    auto rollup = readSmapsRollup("/proc", ::getpid());
    ASSERT_TRUE(rollup) << rollup.error().message;
    EXPECT_GT(rollup->rss, 0);
    auto maps = readSmaps("/proc", ::getpid());
    ASSERT_TRUE(maps) << maps.error().message;
    EXPECT_FALSE(maps->empty());
    auto threads = readThreads("/proc", ::getpid());
    ASSERT_TRUE(threads) << threads.error().message;
    ASSERT_FALSE(threads->empty());
    EXPECT_EQ(threads->front().tid, ::getpid());
}
