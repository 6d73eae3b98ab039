// Tests for the restart-state file: lossless round trip, strict parsing, safe file handling.
#include "state/persist.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample_snapshot.h"
#include "temp_dir.h"

namespace ck::state {
namespace {

bool sameSeat(const SeatRecord& a, const SeatRecord& b)
{
    return a.id == b.id && a.kind == b.kind && a.sessionIds == b.sessionIds && a.devices == b.devices
        && a.activeSessionId == b.activeSessionId;
}

bool sameSession(const SessionRecord& a, const SessionRecord& b)
{
    return a.id == b.id && a.uid == b.uid && a.seatId == b.seatId && a.type == b.type
        && a.sessionClass == b.sessionClass && a.service == b.service && a.state == b.state
        && a.loginSessionId == b.loginSessionId && a.displayDevice == b.displayDevice
        && a.x11DisplayDevice == b.x11DisplayDevice && a.x11Display == b.x11Display
        && a.remoteHostName == b.remoteHostName && a.isActive == b.isActive && a.isLocal == b.isLocal
        && a.creationTime == b.creationTime && a.runtimeDir == b.runtimeDir && a.vtnr == b.vtnr
        && a.idleHint == b.idleHint && a.lockedHint == b.lockedHint;
}

bool sameLeader(const LeaderRecord& a, const LeaderRecord& b)
{
    return a.sessionId == b.sessionId && a.uid == b.uid && a.pid == b.pid && a.serviceName == b.serviceName
        && a.cookie == b.cookie && a.pidStartTime == b.pidStartTime;
}

void expectSameSnapshot(const Snapshot& a, const Snapshot& b)
{
    ASSERT_EQ(a.seats.size(), b.seats.size());
    ASSERT_EQ(a.sessions.size(), b.sessions.size());
    ASSERT_EQ(a.leaders.size(), b.leaders.size());
    for (std::size_t i = 0; i < a.seats.size(); ++i)
        EXPECT_TRUE(sameSeat(a.seats[i], b.seats[i])) << "seat " << i;
    for (std::size_t i = 0; i < a.sessions.size(); ++i)
        EXPECT_TRUE(sameSession(a.sessions[i], b.sessions[i])) << "session " << i;
    for (std::size_t i = 0; i < a.leaders.size(); ++i)
        EXPECT_TRUE(sameLeader(a.leaders[i], b.leaders[i])) << "leader " << i;
}

// Every string field set to awkward bytes.
Snapshot awkwardSnapshot()
{
    std::string nasty = "line1\nline2\r'quoted' \"dq\" back\\slash \t tab [x]=y # z";
    std::string bytes;
    for (int c = 0; c < 256; ++c)
        bytes += static_cast<char>(c);
    Snapshot s;
    SeatRecord seat;
    seat.id = "Seat " + nasty;
    seat.kind = 1;
    seat.sessionIds = {"", nasty, bytes};
    seat.devices = {{"dr m", " id with  spaces "}, {"", ""}, {bytes, nasty}, {"a\\sb", "\\"}};
    seat.activeSessionId = nasty;
    s.seats.push_back(seat);
    SessionRecord ses;
    ses.id = bytes;
    ses.uid = 4294967295u;
    ses.seatId = nasty;
    ses.type = " leading";
    ses.sessionClass = "trailing ";
    ses.service = "=";
    ses.state = "#";
    ses.loginSessionId = "[session]";
    ses.displayDevice = "version=2";
    ses.x11DisplayDevice = "\\x4";
    ses.x11Display = "\\";
    ses.remoteHostName = nasty;
    ses.isActive = true;
    ses.isLocal = true;
    ses.creationTime = "2024-01-01T00:00:00Z";
    ses.runtimeDir = "/run/user/4294967295";
    ses.vtnr = 4294967295u;
    ses.idleHint = true;
    ses.lockedHint = true;
    s.sessions.push_back(ses);
    s.leaders.push_back(LeaderRecord{bytes, 4294967295u, 2147483647, nasty, bytes, 18446744073709551615ull});
    return s;
}

TEST(TheRestartState, RoundTripsEveryFieldOfTheSampleSnapshot)
{
    const Snapshot snap = test::twoSeatsThreeSessions();
    auto loaded = parseState(formatState(snap, 4, 3));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->nextSessionSerial, 4u);
    EXPECT_EQ(loaded->nextSeatSerial, 3u);
    expectSameSnapshot(loaded->snapshot, snap);
}

TEST(TheRestartState, RoundTripsArbitraryBytesInEveryString)
{
    const Snapshot snap = awkwardSnapshot();
    const std::string text = formatState(snap, 4294967295u, 0);
    auto loaded = parseState(text);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->nextSessionSerial, 4294967295u);
    EXPECT_EQ(loaded->nextSeatSerial, 0u);
    expectSameSnapshot(loaded->snapshot, snap);
    // Formatting what was loaded gives the same bytes again.
    EXPECT_EQ(formatState(loaded->snapshot, 4294967295u, 0), text);
}

TEST(TheRestartState, RoundTripsAnEmptySnapshot)
{
    auto loaded = parseState(formatState(Snapshot{}, 1, 2));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_TRUE(loaded->snapshot.seats.empty());
    EXPECT_EQ(loaded->nextSeatSerial, 2u);
}

TEST(TheRestartState, StartsWithAVersionLine)
{
    const std::string text = formatState(test::twoSeatsThreeSessions(), 4, 3);
    EXPECT_NE(text.find("\nversion=1\n"), std::string::npos);
    EXPECT_NE(text.find("cookie=host-1374208180.1-123456789\n"), std::string::npos);
    EXPECT_NE(text.find("cookie=secret'cookie\\nwith newline\n"), std::string::npos);
}

TEST(MalformedRestartState, IsRejectedWithALineNumberedError)
{
    const std::string head = "version=1\nnext-session-serial=1\nnext-seat-serial=1\n";
    struct Case {
        std::string text;
        std::string mentions;
    };
    const Case cases[] = {
        {"", "empty"},
        {"# only a comment\n", "empty"},
        {"next-session-serial=1\n", "version"},
        {"version=2\n", "unsupported state version 2"},
        {"version=one\n", "version"},
        {"version=1\n", "next-session-serial"},
        {head + "[seat]\nkind=0\n", "lacks id"},
        {head + "[seat]\nid=Seat1\nid=Seat2\n", "duplicate key id"},
        {head + "[seat]\nid=Seat1\ncolour=blue\n", "line 6: unknown key colour"},
        {head + "[seats]\n", "unknown section"},
        {head + "[session]\nid=S\nuid=-1\n", "malformed value for uid"},
        {head + "[session]\nid=S\nuid=99999999999\n", "malformed value for uid"},
        {head + "[session]\nid=S\nis-active=yes\n", "malformed value for is-active"},
        {head + "[session]\nid=S\ntype=bad\\qescape\n", "bad escape"},
        {head + "[session]\nid=S\ntype=trailing\\\n", "bad escape"},
        {head + "[session]\nid=S\ntype=\\x4\n", "bad escape"},
        {head + "[leader]\nsession=S\npid=12a\n", "malformed value for pid"},
        {head + "[leader]\npid=1\n", "lacks session"},
        {head + "[seat]\nid=S\ndevice=nospace\n", "malformed value for device"},
        {head + "just text\n", "key=value"},
        {head + "=value\n", "key=value"},
        {std::string("version=1\0\n", 11), "version"},
    };
    for (const auto& c : cases) {
        auto r = parseState(c.text);
        ASSERT_FALSE(r.ok()) << "accepted: " << c.text;
        EXPECT_NE(r.error().message.find(c.mentions), std::string::npos)
            << "message '" << r.error().message << "' lacks '" << c.mentions << "'";
        EXPECT_EQ(r.error().code, ErrorCode::InvalidInput);
    }
}

TEST(TruncatedRestartState, NeverCrashesTheParser)
{
    const std::string text = formatState(awkwardSnapshot(), 3, 2);
    for (std::size_t n = 0; n < text.size(); ++n) {
        auto r = parseState(std::string_view(text).substr(0, n));
        (void)r; // any answer is fine; what matters is no crash and no hang (run under ASan)
    }
    SUCCEED();
}

TEST(SavingTheRestartState, WritesAPrivateFileThatLoadsBack)
{
    test::TempDir dir;
    const std::string path = dir.file("run/ConsoleKit/state");
    ASSERT_TRUE(saveState(path, test::twoSeatsThreeSessions(), 4, 3).ok());
    struct stat st { };
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    auto loaded = loadState(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expectSameSnapshot(loaded->snapshot, test::twoSeatsThreeSessions());
}

TEST(LoadingAMissingRestartState, SaysThereIsNothingToRestore)
{
    test::TempDir dir;
    auto r = loadState(dir.file("state"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::UnknownObject);
}

TEST(LoadingARestartStateOthersMayWrite, IsRefused)
{
    test::TempDir dir;
    const std::string path = dir.file("state");
    ASSERT_TRUE(saveState(path, Snapshot{}, 1, 1).ok());
    ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
    auto r = loadState(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
}

TEST(LoadingARestartStateThroughASymlink, IsRefused)
{
    test::TempDir dir;
    ASSERT_TRUE(saveState(dir.file("real"), Snapshot{}, 1, 1).ok());
    ASSERT_EQ(::symlink(dir.file("real").c_str(), dir.file("state").c_str()), 0);
    EXPECT_FALSE(loadState(dir.file("state")).ok());
}

TEST(LoadingAMalformedRestartStateFile, NamesTheFileInTheError)
{
    test::TempDir dir;
    const std::string path = dir.file("state");
    ASSERT_TRUE(saveState(path, Snapshot{}, 1, 1).ok());
    test::writeText(path, "version=1\ngarbage\n");
    auto r = loadState(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
}

} // namespace
} // namespace ck::state
