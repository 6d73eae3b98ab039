// Tests of ProcReader against fixture proc trees and the real /proc/self.
#include "procfs/process_info.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <ostream>

#include "test_data.h"

using ck::ErrorCode;
using ck::procfs::ProcReader;
using ck::procfs::test::basicRoot;
using ck::procfs::test::malformedRoot;
using ck::procfs::test::ScratchTree;

namespace {

unsigned long ttyNr(unsigned major, unsigned minor)
{
    // Linux's new_encode_dev(), as stat prints tty_nr.
    return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

} // namespace

TEST(AProcReader, ReadsParentUidAndStartTimeOfAProcess)
{
    auto info = ProcReader(basicRoot()).read(1234);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->pid, 1234);
    EXPECT_EQ(info->ppid, 1);
    EXPECT_EQ(info->uid, 0u);
    EXPECT_EQ(info->startTime, 4321u);
    EXPECT_EQ(info->ttyDevice, "");
}

TEST(AProcReader, ParsesACommWithSpacesAndClosingParens)
{
    auto info = ProcReader(basicRoot()).read(1300); // stat: "1300 (a) b (c) S 1234 ..."
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->ppid, 1234);
    EXPECT_EQ(info->uid, 1000u);
    EXPECT_EQ(info->startTime, 5000u);
    EXPECT_EQ(info->ttyDevice, "/dev/tty3");
    EXPECT_EQ(info->loginSessionId, "3");
}

TEST(AProcReader, FiltersTheUnsetAuditSessionId)
{
    auto info = ProcReader(basicRoot()).read(1400); // sessionid 4294967295
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->loginSessionId, "");
    EXPECT_EQ(info->ttyDevice, "/dev/pts/0");
}

TEST(AProcReader, TreatsAMissingSessionidFileAsNoLoginSession)
{
    auto info = ProcReader(basicRoot()).read(1500); // no sessionid (kernel without audit)
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->loginSessionId, "");
    EXPECT_EQ(info->ttyDevice, "/dev/ttyS0");
}

TEST(AProcReader, DecodesAPtsMinorAbove255FromStat)
{
    auto info = ProcReader(basicRoot()).read(1401);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->ttyDevice, "/dev/pts/300");
    EXPECT_EQ(info->loginSessionId, "4");
}

TEST(AProcReader, LooksUpOtherTtyDriversInProcTtyDrivers)
{
    auto info = ProcReader(basicRoot()).read(1600); // major 188 = usbserial
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->ttyDevice, "/dev/ttyUSB1");
}

TEST(ATtyNumberDecoder, MapsEachMajorToItsDevicePath)
{
    const ProcReader reader(basicRoot());
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(0), "");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(4, 1)), "/dev/tty1");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(4, 63)), "/dev/tty63");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(4, 64)), "/dev/ttyS0");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(4, 69)), "/dev/ttyS5");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(136, 0)), "/dev/pts/0");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(136, 300)), "/dev/pts/300");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(137, 44)), "/dev/pts/300"); // legacy 8-bit-minor majors
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(143, 255)), "/dev/pts/2047");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(188, 5)), "/dev/ttyUSB5");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(216, 0)), "/dev/rfcomm0");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(5, 1)), "/dev/console"); // single minor: exact path
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(5, 3)), "/dev/ttyprintk");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(4, 0)), "/dev/vc/0");
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(250, 1)), ""); // no driver
    EXPECT_EQ(reader.ttyPathFromDeviceNumber(ttyNr(188, 512)), ""); // beyond the range
}

TEST(ATtyNumberDecoder, ReturnsNothingForUnknownDriversWithoutADriversFile)
{
    ScratchTree tree;
    EXPECT_EQ(ProcReader(tree.path()).ttyPathFromDeviceNumber(ttyNr(188, 5)), "");
    EXPECT_EQ(ProcReader(tree.path()).ttyPathFromDeviceNumber(ttyNr(4, 2)), "/dev/tty2");
}

TEST(AProcReader, RejectsNonPositivePids)
{
    const ProcReader reader(basicRoot());
    for (pid_t pid : {0, -1, -1234}) {
        auto info = reader.read(pid);
        ASSERT_FALSE(info);
        EXPECT_EQ(info.error().code, ErrorCode::InvalidInput);
        EXPECT_EQ(reader.startTime(pid).error().code, ErrorCode::InvalidInput);
        EXPECT_EQ(reader.environValue(pid, "HOME").error().code, ErrorCode::InvalidInput);
    }
}

TEST(AProcReader, ReportsAMissingProcessByPid)
{
    auto info = ProcReader(basicRoot()).read(99999);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, ErrorCode::Failed);
    EXPECT_EQ(info.error().message, "No such process 99999");
    EXPECT_EQ(ProcReader(basicRoot()).startTime(99999).error().message, "No such process 99999");
}

TEST(AProcReader, ReadsTheStartTimeThatIdentifiesAnIncarnation)
{
    const ProcReader reader(basicRoot());
    auto start = reader.startTime(1401);
    ASSERT_TRUE(start) << start.error().message;
    EXPECT_EQ(*start, 6100u);
}

TEST(AnEnvironLookup, FindsTheFirstOccurrenceOfAName)
{
    auto value = ProcReader(basicRoot()).environValue(1300, "XDG_SESSION_COOKIE");
    ASSERT_TRUE(value) << value.error().message;
    ASSERT_TRUE(value->has_value());
    EXPECT_EQ(**value, "abc-123");
}

TEST(AnEnvironLookup, KeepsEqualSignsInTheValue)
{
    auto value = ProcReader(basicRoot()).environValue(1300, "EQ");
    ASSERT_TRUE(value && value->has_value());
    EXPECT_EQ(**value, "a=b=c");
}

TEST(AnEnvironLookup, DistinguishesAnEmptyValueFromAnAbsentName)
{
    const ProcReader reader(basicRoot());
    auto empty = reader.environValue(1300, "EMPTY");
    ASSERT_TRUE(empty && empty->has_value());
    EXPECT_EQ(**empty, "");
    auto absent = reader.environValue(1300, "DISPLAY");
    ASSERT_TRUE(absent);
    EXPECT_FALSE(absent->has_value());
}

TEST(AnEnvironLookup, AcceptsALastEntryWithoutTrailingNul)
{
    auto value = ProcReader(basicRoot()).environValue(1300, "LAST");
    ASSERT_TRUE(value && value->has_value());
    EXPECT_EQ(**value, "no-trailing-nul");
}

TEST(AnEnvironLookup, SkipsEntriesWithoutEqualSignAndPrefixMatches)
{
    const ProcReader reader(basicRoot());
    auto noEquals = reader.environValue(1300, "NOEQUALS");
    ASSERT_TRUE(noEquals);
    EXPECT_FALSE(noEquals->has_value());
    auto prefix = reader.environValue(1300, "XDG_SESSION");
    ASSERT_TRUE(prefix);
    EXPECT_FALSE(prefix->has_value());
}

TEST(AnEnvironLookup, FindsNothingInAnEmptyEnvironment)
{
    auto value = ProcReader(basicRoot()).environValue(2, "PATH");
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_FALSE(value->has_value());
}

TEST(AnEnvironLookup, RejectsNamesThatCannotBeVariables)
{
    const ProcReader reader(basicRoot());
    EXPECT_EQ(reader.environValue(1300, "").error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(reader.environValue(1300, "EQ=a").error().code, ErrorCode::InvalidInput);
}

TEST(AnEnvironLookup, FailsForAMissingProcess)
{
    auto value = ProcReader(basicRoot()).environValue(99999, "HOME");
    ASSERT_FALSE(value);
    EXPECT_EQ(value.error().message, "No such process 99999");
}

// Each malformed file yields an error that names the file and what is wrong with it.
struct MalformedCase {
    pid_t pid;
    const char* file;
    const char* what;
};

// Readable parameter names in gtest output (the default dumps bytes, padding included).
void PrintTo(const MalformedCase& c, std::ostream* os)
{
    *os << c.pid << "/" << c.file;
}

class AProcReaderGivenAMalformedFile : public testing::TestWithParam<MalformedCase> { };

TEST_P(AProcReaderGivenAMalformedFile, ReportsAClearError)
{
    const auto& c = GetParam();
    auto info = ProcReader(malformedRoot()).read(c.pid);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, ErrorCode::Failed);
    const std::string path = malformedRoot() + "/" + std::to_string(c.pid) + "/" + c.file;
    EXPECT_NE(info.error().message.find(path), std::string::npos) << info.error().message;
    EXPECT_NE(info.error().message.find(c.what), std::string::npos) << info.error().message;
}

INSTANTIATE_TEST_SUITE_P(Files, AProcReaderGivenAMalformedFile,
    testing::Values(MalformedCase{10, "stat", "empty"}, MalformedCase{11, "stat", "truncated"},
        MalformedCase{12, "stat", "tty_nr"}, MalformedCase{13, "stat", "(comm)"},
        MalformedCase{20, "stat", "starttime"}, MalformedCase{18, "sessionid", "garbage"},
        MalformedCase{19, "status", "Uid"}));

TEST(AProcReaderGivenAHugeFile, RefusesToReadItWholly)
{
    ScratchTree tree;
    tree.write("7/stat", std::string(2 * 1024 * 1024, 'x'));
    tree.write("7/environ", std::string(5 * 1024 * 1024, 'A'));
    const ProcReader reader(tree.path());
    auto info = reader.read(7);
    ASSERT_FALSE(info);
    EXPECT_NE(info.error().message.find("7/stat' is larger than"), std::string::npos) << info.error().message;
    auto env = reader.environValue(7, "HOME");
    ASSERT_FALSE(env);
    EXPECT_NE(env.error().message.find("7/environ' is larger than"), std::string::npos) << env.error().message;
}

TEST(AProcReaderGivenBinaryGarbage, FailsWithoutCrashing)
{
    ScratchTree tree;
    std::string garbage;
    for (int i = 0; i < 4096; ++i)
        garbage += static_cast<char>((i * 131 + 7) & 0xff);
    for (const char* file : {"stat", "status", "environ", "sessionid"})
        tree.write(std::string("8/") + file, garbage);
    const ProcReader reader(tree.path());
    EXPECT_FALSE(reader.read(8));
    EXPECT_FALSE(reader.startTime(8));
    EXPECT_TRUE(reader.environValue(8, "HOME")); // garbage is just odd entries, none named HOME
}

TEST(AProcReaderOnTheRealProc, ReadsItsOwnProcess)
{
    const ProcReader reader;
    auto info = reader.read(::getpid());
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->pid, ::getpid());
    EXPECT_EQ(info->ppid, ::getppid());
    EXPECT_EQ(info->uid, ::getuid());
    EXPECT_GT(info->startTime, 0u);
    auto start = reader.startTime(::getpid());
    ASSERT_TRUE(start);
    EXPECT_EQ(*start, info->startTime);
}

TEST(AProcReaderOnTheRealProc, SeesTheEnvironmentAsOfExec)
{
    // meson sets CK_TEST_DATA before exec; a later setenv() is invisible in /proc/PID/environ.
    const char* atExec = ::getenv("CK_TEST_DATA");
    ::setenv("CK_PROCFS_SET_AFTER_EXEC", "1", 1);
    const ProcReader reader;
    if (atExec) {
        auto value = reader.environValue(::getpid(), "CK_TEST_DATA");
        ASSERT_TRUE(value) << value.error().message;
        ASSERT_TRUE(value->has_value());
        EXPECT_EQ(**value, atExec);
    }
    auto late = reader.environValue(::getpid(), "CK_PROCFS_SET_AFTER_EXEC");
    ASSERT_TRUE(late) << late.error().message;
    EXPECT_FALSE(late->has_value());
}

TEST(AProcReaderGivenAFifo, RefusesItWithoutWaitingForAWriter)
{
    ScratchTree tree;
    tree.write("9/status", "Uid:\t0\t0\t0\t0\n");
    ASSERT_EQ(::mkfifo((tree.path() + "/9/stat").c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo((tree.path() + "/9/environ").c_str(), 0600), 0);
    const ProcReader reader(tree.path());
    ::alarm(10); // without O_NONBLOCK open() waits for a writer forever: fail instead of hanging
    auto info = reader.read(9);
    const bool env = reader.environValue(9, "DISPLAY").ok();
    ::alarm(0);
    EXPECT_FALSE(env);
    ASSERT_FALSE(info);
    EXPECT_NE(info.error().message.find("is not a regular file"), std::string::npos) << info.error().message;
}

TEST(AProcReaderGivenASymlinkedFile, DoesNotFollowIt)
{
    ScratchTree tree;
    tree.write("secret", "DISPLAY=:0");
    tree.write("6/stat", "6 (x) S 1 6 6 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0");
    ASSERT_EQ(::symlink((tree.path() + "/secret").c_str(), (tree.path() + "/6/environ").c_str()), 0);
    auto env = ProcReader(tree.path()).environValue(6, "DISPLAY");
    ASSERT_FALSE(env) << "read through a symlink";
    EXPECT_NE(env.error().message.find("6/environ"), std::string::npos) << env.error().message;
}
