// Tests for the 0.4.6-compatible database writer: fixture bytes, GKeyFile parity, atomic write.
#include "state/database.h"

#include <glib.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "full_disk.h"
#include "sample_snapshot.h"
#include "temp_dir.h"

namespace ck::state {
namespace {

using test::readText;

// What ConsoleKit 0.4.6's ck_manager_dump() builds with GKeyFile for the same records.
std::string formatWithGKeyFile(const Snapshot& snap)
{
    GKeyFile* kf = g_key_file_new();
    for (const auto& seat : snap.seats) {
        const std::string g = "Seat " + seat.id;
        g_key_file_set_integer(kf, g.c_str(), "kind", seat.kind);
        std::string sessions, devices;
        for (const auto& id : seat.sessionIds)
            sessions += (sessions.empty() ? "" : " ") + id;
        for (const auto& [type, id] : seat.devices)
            devices += (devices.empty() ? "" : " ") + type + ":" + id;
        g_key_file_set_string(kf, g.c_str(), "sessions", sessions.c_str());
        g_key_file_set_string(kf, g.c_str(), "devices", devices.c_str());
        if (!seat.activeSessionId.empty())
            g_key_file_set_string(kf, g.c_str(), "active_session", seat.activeSessionId.c_str());
    }
    for (const auto& s : snap.sessions) {
        const std::string g = "Session " + s.id;
        g_key_file_set_integer(kf, g.c_str(), "uid", static_cast<int>(s.uid));
        g_key_file_set_string(kf, g.c_str(), "seat", s.seatId.c_str());
        auto optional = [&](const char* key, const std::string& v) {
            if (!v.empty())
                g_key_file_set_string(kf, g.c_str(), key, v.c_str());
        };
        optional("type", s.type);
        optional("login_session_id", s.loginSessionId);
        optional("display_device", s.displayDevice);
        optional("x11_display_device", s.x11DisplayDevice);
        optional("x11_display", s.x11Display);
        g_key_file_set_string(kf, g.c_str(), "remote_host_name", s.remoteHostName.c_str());
        g_key_file_set_boolean(kf, g.c_str(), "is_active", s.isActive);
        g_key_file_set_boolean(kf, g.c_str(), "is_local", s.isLocal);
        g_key_file_set_string(kf, g.c_str(), "creation_time", s.creationTime.c_str());
    }
    for (const auto& l : snap.leaders) {
        const std::string g = "SessionLeader " + l.sessionId;
        g_key_file_set_string(kf, g.c_str(), "session", l.sessionId.c_str());
        g_key_file_set_integer(kf, g.c_str(), "uid", static_cast<int>(l.uid));
        g_key_file_set_integer(kf, g.c_str(), "pid", l.pid);
        g_key_file_set_string(kf, g.c_str(), "service_name", l.serviceName.c_str());
    }
    gsize length = 0;
    gchar* data = g_key_file_to_data(kf, &length, nullptr);
    std::string out(data, length);
    g_free(data);
    g_key_file_free(kf);
    return out;
}

TEST(ADatabaseOfTwoSeatsAndThreeSessions, MatchesTheFixtureByteForByte)
{
    EXPECT_EQ(
        formatDatabase(test::twoSeatsThreeSessions()), readText(test::dataFile("database-2seats-3sessions.expected")));
}

TEST(ADatabaseOfTwoSeatsAndThreeSessions, IsWhatGKeyFilePrintsForTheSameRecords)
{
    const Snapshot snap = test::twoSeatsThreeSessions();
    EXPECT_EQ(formatDatabase(snap), formatWithGKeyFile(snap));
}

TEST(ADatabase, NeverContainsASessionCookie)
{
    const std::string db = formatDatabase(test::twoSeatsThreeSessions());
    EXPECT_EQ(db.find("cookie"), std::string::npos);
    EXPECT_EQ(db.find("host-1374208180"), std::string::npos);
    EXPECT_EQ(db.find("secret"), std::string::npos);
}

TEST(ADatabaseOfNothing, IsEmpty)
{
    EXPECT_EQ(formatDatabase(Snapshot{}), "");
}

TEST(ADatabaseSeatWithoutSessionsOrActiveSession, StillListsEmptySessionsAndDevices)
{
    Snapshot snap;
    snap.seats.push_back(SeatRecord{"/org/freedesktop/ConsoleKit/Seat4", 1, {}, {}, ""});
    EXPECT_EQ(formatDatabase(snap), "[Seat /org/freedesktop/ConsoleKit/Seat4]\nkind=1\nsessions=\ndevices=\n");
    EXPECT_EQ(formatDatabase(snap), formatWithGKeyFile(snap));
}

TEST(AKeyFileValue, IsEscapedExactlyAsGKeyFileEscapesIt)
{
    const char* values[] = {
        "",
        " ",
        "   x",
        "\t \tx\t y",
        "a\nb",
        "\n x",
        "\\s",
        "trail  ",
        "a\rb",
        "semi;colon,comma",
        "[g]=#c",
        "héllo wörld",
        " \\ \n ",
        "\x01\x7f",
        "x\\",
        "\t",
        "a b\tc",
        "  \n\t  z",
    };
    for (const char* v : values) {
        GKeyFile* kf = g_key_file_new();
        g_key_file_set_string(kf, "G", "k", v);
        gchar* data = g_key_file_to_data(kf, nullptr, nullptr);
        EXPECT_EQ(std::string(data), "[G]\nk=" + escapeKeyFileValue(v) + "\n") << "value: '" << v << "'";
        // And GLib reads our escaping back to the original string.
        GKeyFile* back = g_key_file_new();
        const std::string ours = "[G]\nk=" + escapeKeyFileValue(v) + "\n";
        ASSERT_TRUE(g_key_file_load_from_data(back, ours.c_str(), ours.size(), G_KEY_FILE_NONE, nullptr));
        gchar* read = g_key_file_get_string(back, "G", "k", nullptr);
        EXPECT_STREQ(read, v);
        g_free(read);
        g_key_file_free(back);
        g_free(data);
        g_key_file_free(kf);
    }
}

TEST(WritingTheDatabase, CreatesTheDirectoryAndAWorldReadableFile)
{
    test::TempDir dir;
    const std::string path = dir.file("run/ConsoleKit/database");
    ASSERT_TRUE(writeDatabase(path, test::twoSeatsThreeSessions()).ok());
    EXPECT_EQ(readText(path), formatDatabase(test::twoSeatsThreeSessions()));
    struct stat st { };
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    ASSERT_EQ(::stat(dir.file("run/ConsoleKit").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755u);
}

TEST(RewritingTheDatabaseWithLessContent, LeavesNoStaleBytesBehind)
{
    test::TempDir dir;
    const std::string path = dir.file("database");
    ASSERT_TRUE(writeDatabase(path, test::twoSeatsThreeSessions()).ok());
    Snapshot small;
    small.seats.push_back(SeatRecord{"/org/freedesktop/ConsoleKit/Seat1", 0, {}, {}, ""});
    ASSERT_TRUE(writeDatabase(path, small).ok());
    EXPECT_EQ(readText(path), formatDatabase(small));
    // No temporary files are left next to it.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(AFailedDatabaseWrite, KeepsTheLastGoodDatabaseAndLeavesNoTemporaryFile)
{
    test::TempDir dir;
    const std::string path = dir.file("database");
    ASSERT_TRUE(writeDatabase(path, test::twoSeatsThreeSessions()).ok());
    const std::string good = readText(path);
    Snapshot bigger = test::twoSeatsThreeSessions();
    bigger.sessions.push_back(bigger.sessions.front());
    bigger.sessions.back().id = "/org/freedesktop/ConsoleKit/Session99";
    {
        test::FullDisk full(good.size()); // the old file fits, the new one does not
        auto r = writeDatabase(path, bigger);
        ASSERT_FALSE(r.ok());
        EXPECT_NE(r.error().message.find(dir.path()), std::string::npos) << r.error().message;
    }
    EXPECT_EQ(readText(path), good) << "the readers lost the database";
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(WritingTheDatabaseBelowARegularFile, FailsWithAReadableError)
{
    test::TempDir dir;
    test::writeText(dir.file("blocker"), "x");
    auto r = writeDatabase(dir.file("blocker/database"), Snapshot{});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("blocker"), std::string::npos);
}

} // namespace
} // namespace ck::state
