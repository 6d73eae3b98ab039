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
    seat.sessionIds = {bytes}; // what the sessions naming the seat give (version 2 derives it)
    seat.devices = {{"dr m", " id with  spaces "}, {"", ""}, {bytes, nasty}, {"a\\sb", "\\"}};
    seat.activeSessionId = nasty;
    s.seats.push_back(seat);
    SessionRecord ses;
    ses.id = bytes;
    ses.uid = 4294967295u;
    ses.seatId = seat.id;
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
    EXPECT_NE(text.find("\nversion=2\n"), std::string::npos);
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
        {"version=3\n", "unsupported state version 3"},
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
    // No crash and no hang (run under ASan); a prefix that is not a whole state is refused as
    // InvalidInput with a message, never with another kind of error.
    for (std::size_t n = 0; n < text.size(); ++n) {
        auto r = parseState(std::string_view(text).substr(0, n));
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::InvalidInput) << "prefix of " << n << " bytes";
            EXPECT_FALSE(r.error().message.empty()) << "prefix of " << n << " bytes";
        }
    }
    EXPECT_TRUE(parseState(text).ok());
}

// The sample snapshot after these changes: Session2 got idle, Session3 and its seat went,
// Session4 came on Seat1 (which made it active), serials moved on.
StateChange sampleChange(Snapshot& expected)
{
    const std::string p = "/org/freedesktop/ConsoleKit/";
    StateChange c;
    c.nextSessionSerial = 5;
    c.nextSeatSerial = 3;
    SeatRecord seat1 = expected.seats[0];
    seat1.activeSessionId = p + "Session4";
    seat1.sessionIds.clear(); // a change record does not list them
    c.seats.push_back(seat1);
    SessionRecord s2 = expected.sessions[1];
    s2.idleHint = true;
    s2.isActive = false;
    SessionRecord s4 = expected.sessions[0];
    s4.id = p + "Session4";
    s4.isActive = true;
    s4.runtimeDir = "/run/user/0";
    c.sessions = {s2, s4};
    c.leaders.push_back(LeaderRecord{s4.id, 0, 999, ":1.99", "cookie-4", 77});
    c.droppedSeats = {p + "Seat2"};
    c.droppedSessions = {p + "Session3"};

    expected.seats = {expected.seats[0]};
    expected.seats[0].activeSessionId = seat1.activeSessionId;
    expected.seats[0].sessionIds.push_back(s4.id);
    expected.sessions = {expected.sessions[0], s2, s4};
    expected.leaders.push_back(c.leaders.front());
    return c;
}

TEST(ARestartStateWithAChangeRecord, LoadsAsTheSnapshotWithTheChangesApplied)
{
    Snapshot expected = test::twoSeatsThreeSessions();
    const StateChange change = sampleChange(expected);
    auto loaded = parseState(formatState(test::twoSeatsThreeSessions(), 4, 3) + formatStateChange(change));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->nextSessionSerial, 5u);
    EXPECT_EQ(loaded->uncommittedBytes, 0u);
    expectSameSnapshot(loaded->snapshot, expected);
}

TEST(ARestartStateWithAChangeRecord, IgnoresDropsOfUnknownIdsAndKeepsTheOrderOfReplacedRecords)
{
    Snapshot snap = test::twoSeatsThreeSessions();
    StateChange change;
    change.nextSessionSerial = 4;
    change.nextSeatSerial = 3;
    change.sessions = {snap.sessions[0]};
    change.sessions[0].lockedHint = true;
    change.droppedSessions = {"/org/freedesktop/ConsoleKit/Session77"};
    change.droppedSeats = {"/org/freedesktop/ConsoleKit/Seat77"};
    auto loaded = parseState(formatState(snap, 4, 3) + formatStateChange(change));
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    snap.sessions[0].lockedHint = true;
    expectSameSnapshot(loaded->snapshot, snap);
}

TEST(ARestartStateWhoseLastAppendWasCutShort, LoadsWhatWasCommittedBefore)
{
    Snapshot expected = test::twoSeatsThreeSessions();
    const std::string base = formatState(expected, 4, 3);
    const std::string change = formatStateChange(sampleChange(expected));
    for (std::size_t n = 0; n < change.size(); ++n) {
        auto loaded = parseState(base + change.substr(0, n));
        ASSERT_TRUE(loaded.ok()) << "cut after " << n << " bytes: " << loaded.error().message;
        EXPECT_EQ(loaded->uncommittedBytes, n);
        EXPECT_EQ(loaded->nextSessionSerial, 4u);
        expectSameSnapshot(loaded->snapshot, test::twoSeatsThreeSessions());
    }
}

TEST(ARestartStateWithoutACommitLine, IsRejected)
{
    std::string text = formatState(test::twoSeatsThreeSessions(), 4, 3);
    text.resize(text.rfind("[commit]"));
    auto r = parseState(text);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("[commit]"), std::string::npos) << r.error().message;
}

TEST(AVersion1RestartState, StillLoadsWithTheSeatsSessionLists)
{
    const std::string text = "version=1\nnext-session-serial=3\nnext-seat-serial=2\n"
                             "[seat]\nid=Seat1\nkind=0\nsession=Session2\nsession=Session1\nactive-session=\n"
                             "[session]\nid=Session1\nseat=Seat1\n[session]\nid=Session2\nseat=Seat1\n"
                             "[leader]\nsession=Session1\ncookie=c1\n";
    auto loaded = parseState(text);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    ASSERT_EQ(loaded->snapshot.seats.size(), 1u);
    EXPECT_EQ(loaded->snapshot.seats[0].sessionIds, (std::vector<std::string>{"Session2", "Session1"}));
    EXPECT_EQ(loaded->snapshot.sessions.size(), 2u);
    EXPECT_EQ(loaded->snapshot.leaders.size(), 1u);
}

TEST(MalformedVersion2RestartState, IsRejectedWithALineNumberedError)
{
    const std::string head = "version=2\nnext-session-serial=1\nnext-seat-serial=1\n";
    const std::string commit = "[commit]\n";
    struct Case {
        std::string text;
        std::string mentions;
    };
    const Case cases[] = {
        {head + "[seat]\nid=S\nsession=X\n" + commit, "line 6: unknown key session"},
        {head + "[drop-session]\n" + commit, "lacks id"},
        {head + "[drop-seat]\nid=A\nid=B\n" + commit, "duplicate key id"},
        {head + "[serials]\nnext-session-serial=1\n" + commit, "lacks next-seat-serial"},
        {head + commit + "x=1\n" + commit, "takes no keys"},
        {"version=1\nnext-session-serial=1\nnext-seat-serial=1\n[serials]\n", "unknown section"},
    };
    for (const auto& c : cases) {
        auto r = parseState(c.text);
        ASSERT_FALSE(r.ok()) << "accepted: " << c.text;
        EXPECT_NE(r.error().message.find(c.mentions), std::string::npos)
            << "message '" << r.error().message << "' lacks '" << c.mentions << "'";
    }
}

TEST(AStateJournal, AppendsChangesThatLoadBackAndRewritesOnceTheyOutgrowTheSnapshot)
{
    test::TempDir dir;
    const std::string path = dir.file("run/ConsoleKit/state");
    StateJournal journal(path);
    EXPECT_TRUE(journal.wantsRewrite()) << "nothing written yet";
    EXPECT_FALSE(journal.append(StateChange{}).ok()) << "an append needs a snapshot first";
    Snapshot expected = test::twoSeatsThreeSessions();
    ASSERT_TRUE(journal.rewrite(expected, 4, 3).ok());
    const std::size_t snapshotSize = test::readText(path).size();
    EXPECT_FALSE(journal.wantsRewrite());
    const StateChange change = sampleChange(expected);
    ASSERT_TRUE(journal.append(change).ok());
    auto loaded = loadState(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expectSameSnapshot(loaded->snapshot, expected);
    EXPECT_EQ(test::readText(path).size(), snapshotSize + formatStateChange(change).size());

    // The same change again and again (replacing the same records) until a rewrite is due.
    std::size_t appends = 1;
    while (!journal.wantsRewrite()) {
        ASSERT_TRUE(journal.append(change).ok());
        ASSERT_LT(++appends, 10000u);
    }
    EXPECT_GT(test::readText(path).size(), 64u * 1024) << "at least 64 KiB of changes before a rewrite";
    loaded = loadState(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    expectSameSnapshot(loaded->snapshot, expected);
    ASSERT_TRUE(journal.rewrite(loaded->snapshot, 5, 3).ok());
    EXPECT_EQ(test::readText(path), formatState(expected, 5, 3));
    struct stat st { };
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(SavingTheRestartState, WritesAPrivateFileThatLoadsBack)
{
    test::TempDir dir;
    const std::string path = dir.file("run/ConsoleKit/state");
    ASSERT_TRUE(StateJournal(path).rewrite(test::twoSeatsThreeSessions(), 4, 3).ok());
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
    ASSERT_TRUE(StateJournal(path).rewrite(Snapshot{}, 1, 1).ok());
    ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
    auto r = loadState(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
}

TEST(LoadingARestartStateThroughASymlink, IsRefused)
{
    test::TempDir dir;
    ASSERT_TRUE(StateJournal(dir.file("real")).rewrite(Snapshot{}, 1, 1).ok());
    ASSERT_EQ(::symlink(dir.file("real").c_str(), dir.file("state").c_str()), 0);
    EXPECT_FALSE(loadState(dir.file("state")).ok());
}

TEST(LoadingAMalformedRestartStateFile, NamesTheFileInTheError)
{
    test::TempDir dir;
    const std::string path = dir.file("state");
    ASSERT_TRUE(StateJournal(path).rewrite(Snapshot{}, 1, 1).ok());
    test::writeText(path, "version=1\ngarbage\n");
    auto r = loadState(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
}

} // namespace
} // namespace ck::state
