// Tests for the restart-state file: lossless round trip, strict parsing, safe file handling.
#include "state/persist.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

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
        && a.idleHint == b.idleHint && a.lockedHint == b.lockedHint && a.idleSince == b.idleSince;
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

TEST(AnUnreadableRestartState, IsRejectedWithAReadableError)
{
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

// Each bad record between two good ones: it is skipped with a line-numbered message, the good ones
// load (one bad record must not cost every user their sessions).
void expectSkippedBetweenGoodRecords(
    const std::string& head, const std::string& bad, const std::string& mentions, const std::string& tail = "")
{
    const std::string good1 = "[session]\nid=Good1\nuid=1000\n";
    const std::string good2 = "[session]\nid=Good2\nuid=1001\n";
    auto r = parseState(head + good1 + bad + good2 + tail);
    ASSERT_TRUE(r.ok()) << "rejected whole for: " << bad << r.error().message;
    std::vector<std::string> ids;
    for (const auto& session : r->snapshot.sessions)
        ids.push_back(session.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"Good1", "Good2"})) << bad;
    ASSERT_EQ(r->problems.size(), 1u) << bad;
    EXPECT_EQ(r->skippedRecords, 1u) << bad;
    EXPECT_NE(r->problems[0].find(mentions), std::string::npos)
        << "message '" << r->problems[0] << "' lacks '" << mentions << "'";
    EXPECT_NE(r->problems[0].find("state line "), std::string::npos) << r->problems[0];
}

TEST(AMalformedRecordOfTheRestartState, IsSkippedAndTheOthersLoad)
{
    const std::string head = "version=1\nnext-session-serial=1\nnext-seat-serial=1\n";
    struct Case {
        std::string text;
        std::string mentions;
    };
    const Case cases[] = {
        {"[seat]\nkind=0\n", "no id"},
        {"[seat]\nid=Seat1\nid=Seat2\n", "duplicate key id"},
        {"[seat]\nid=Seat1\ncolour=blue\n", "line 9: unknown key colour"},
        {"[seats]\n", "unknown section"},
        {"[session]\nid=S\nuid=-1\n", "malformed value for uid"},
        {"[session]\nid=S\nuid=99999999999\n", "malformed value for uid"},
        {"[session]\nid=S\nis-active=yes\n", "malformed value for is-active"},
        {"[session]\nid=S\ntype=bad\\qescape\n", "bad escape"},
        {"[session]\nid=S\ntype=trailing\\\n", "bad escape"},
        {"[session]\nid=S\ntype=\\x4\n", "bad escape"},
        {"[session]\nid=S\nidle-since=soon\n", "malformed value for idle-since"},
        {"[leader]\nsession=S\npid=12a\n", "malformed value for pid"},
        {"[leader]\npid=1\n", "no session"},
        {"[seat]\nid=S\ndevice=nospace\n", "malformed value for device"},
        {"[session]\nid=S\njust text\n", "key=value"},
        {"[session]\nid=S\n=value\n", "key=value"},
        {"[session]\nid=S\ntype=" + std::string(kMaxStateRecordBytes + 1, 'x') + "\n", "longer than"},
        {"[seat]\nid=S\n" +
                [] {
                    std::string many;
                    for (std::size_t i = 0; i < kMaxStateRecordBytes / 16; ++i)
                        many += "device=drm card" + std::to_string(i % 10) + "\n";
                    return many;
                }(),
            "larger than"},
    };
    for (const auto& c : cases)
        expectSkippedBetweenGoodRecords(head, c.text, c.mentions);
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

TEST(AMalformedRecordOfAVersion2RestartState, IsSkippedAndTheOthersLoad)
{
    const std::string head = "version=2\nnext-session-serial=1\nnext-seat-serial=1\n";
    const std::string commit = "[commit]\n";
    expectSkippedBetweenGoodRecords(head, "[seat]\nid=S\nsession=X\n", "line 9: unknown key session", commit);
    expectSkippedBetweenGoodRecords(head, "[drop-session]\n", "no id", commit);
    expectSkippedBetweenGoodRecords(head, "[drop-seat]\nid=A\nid=B\n", "duplicate key id", commit);
    expectSkippedBetweenGoodRecords(head, "[serials]\nnext-session-serial=1\n", "no next-seat-serial", commit);
    expectSkippedBetweenGoodRecords(head, commit + "x=1\n", "takes no keys", commit);
    expectSkippedBetweenGoodRecords(
        "version=1\nnext-session-serial=1\nnext-seat-serial=1\n", "[serials]\n", "unknown section");
}

TEST(AStateJournal, RewritesOnceASnapshotWhoseSessionsClosedIsMostlyGarbage)
{
    // One huge session (as a flood could make), closed: a drop record is tiny, but the file is
    // now almost all dead bytes, and the next write must compact it.
    test::TempDir dir;
    const std::string path = dir.file("state");
    StateJournal journal(path);
    Snapshot snap = test::twoSeatsThreeSessions();
    SessionRecord huge = snap.sessions[0];
    huge.id = "/org/freedesktop/ConsoleKit/Session9";
    huge.x11Display = std::string(512 * 1024, 'x');
    snap.sessions.push_back(huge);
    ASSERT_TRUE(journal.rewrite(snap, 10, 3).ok());
    EXPECT_FALSE(journal.wantsRewrite());
    StateChange drop;
    drop.nextSessionSerial = 10;
    drop.nextSeatSerial = 3;
    drop.droppedSessions = {huge.id};
    ASSERT_TRUE(journal.append(drop).ok());
    EXPECT_TRUE(journal.wantsRewrite()) << journal.fileBytes() << " bytes in the file, " << journal.liveBytes()
                                        << " live";
    ASSERT_TRUE(journal.rewrite(test::twoSeatsThreeSessions(), 10, 3).ok());
    EXPECT_LT(test::readText(path).size(), 8u * 1024);
}

TEST(AStateJournal, RewritesWhenTheAppendedChangesPassAnAbsoluteBound)
{
    // Live records big enough that "garbage > live" alone would let the file grow to twice them.
    test::TempDir dir;
    StateJournal journal(dir.file("state"));
    Snapshot snap = test::twoSeatsThreeSessions();
    for (int i = 0; i < 20; ++i) {
        SessionRecord s = snap.sessions[0];
        s.id = "/org/freedesktop/ConsoleKit/Session" + std::to_string(100 + i);
        s.x11Display = std::string(512 * 1024, 'x');
        snap.sessions.push_back(s);
    }
    ASSERT_TRUE(journal.rewrite(snap, 200, 3).ok());
    const std::size_t snapshotBytes = journal.fileBytes();
    StateChange change;
    change.nextSessionSerial = 200;
    change.nextSeatSerial = 3;
    SessionRecord grown = snap.sessions.back();
    grown.idleHint = true;
    change.sessions = {grown};
    std::size_t appends = 0;
    while (!journal.wantsRewrite()) {
        ASSERT_TRUE(journal.append(change).ok());
        ASSERT_LT(++appends, 100u);
    }
    EXPECT_GT(journal.fileBytes() - snapshotBytes, StateJournal::kMaxAppendedBytes);
    EXPECT_LE(journal.fileBytes() - journal.liveBytes(), journal.liveBytes()) << "the relative bound came first";
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

TEST(LoadingAnUnreadableRestartStateFile, NamesTheFileInTheError)
{
    test::TempDir dir;
    const std::string path = dir.file("state");
    ASSERT_TRUE(StateJournal(path).rewrite(Snapshot{}, 1, 1).ok());
    test::writeText(path, "# comment\nversion=9\n");
    auto r = loadState(path);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(path), std::string::npos);
    EXPECT_NE(r.error().message.find("line 2"), std::string::npos);
}

TEST(LoadingARestartStateFileLargerThan64MiB, KeepsEveryRecordThatFits)
{
    // The old reader refused the whole file past 64 MiB: everybody's sessions were lost.
    test::TempDir dir;
    const std::string path = dir.file("state");
    Snapshot snap = test::twoSeatsThreeSessions();
    ASSERT_TRUE(StateJournal(path).rewrite(snap, 4, 3).ok());
    {
        std::ofstream out(path, std::ios::app | std::ios::binary);
        const std::string filler(1024 * 1024 - 1, 'x');
        for (int i = 0; i < 70; ++i) // 70 oversized records of 1 MiB each, one committed change
            out << "\n[session]\nid=/org/freedesktop/ConsoleKit/Session" << 100 + i << "\nx11-display=" << filler
                << "\n";
        out << "\n[commit]\n";
    }
    auto r = loadState(path);
    ASSERT_TRUE(r.ok()) << r.error().message;
    expectSameSnapshot(r->snapshot, snap);
    EXPECT_EQ(r->skippedRecords, 70u);
    EXPECT_EQ(r->problems.size(), kMaxStateProblems + 1) << "a bounded number of messages, then a count";
}

TEST(LoadingTheRestartStateFromAFile, FindsTheSameAsParsingItsText)
{
    test::TempDir dir;
    const std::string path = dir.file("state");
    Snapshot expected = test::twoSeatsThreeSessions();
    // A last change cut short just before the newline of its [commit].
    const std::string text
        = formatState(expected, 4, 3) + formatStateChange(sampleChange(expected)) + "[session]\nid=X\n[commit]";
    test::writeText(path, text);
    ::chmod(path.c_str(), 0600);
    auto fromFile = loadState(path);
    auto fromText = parseState(text);
    ASSERT_TRUE(fromFile.ok()) << fromFile.error().message;
    ASSERT_TRUE(fromText.ok()) << fromText.error().message;
    expectSameSnapshot(fromFile->snapshot, expected);
    expectSameSnapshot(fromText->snapshot, expected);
    EXPECT_EQ(fromFile->uncommittedBytes, fromText->uncommittedBytes);
    EXPECT_EQ(fromFile->uncommittedBytes, std::string("[session]\nid=X\n[commit]").size());
}

} // namespace
} // namespace ck::state
