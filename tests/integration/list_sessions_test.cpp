// ck-list-sessions against the real daemon on a private bus: block contents and order, formats,
// --all, --version, and a clear failure without a daemon; plus the formatter's own rules.
#include <pwd.h>

// GCC 12 with -fsanitize=address warns maybe-uninitialized inside libstdc++'s <regex> (a false
// positive of the instrumented build, tools/ck-dev's build-asan).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>

#include "ck-config.h"
#include "integration/integration_fixture.h"
#include "list-sessions/session_format.h"

namespace ck::test {
namespace {

std::string baseName(const std::string& path)
{
    return path.substr(path.rfind('/') + 1);
}

// The passwd real name, for uids whose GECOS has no '&' (checked).
std::string gecosName(uid_t uid)
{
    const passwd* pw = ::getpwuid(uid);
    if (pw == nullptr || pw->pw_gecos == nullptr)
        return {};
    std::string gecos = pw->pw_gecos;
    EXPECT_EQ(gecos.find('&'), std::string::npos) << gecos;
    return gecos.substr(0, gecos.find(','));
}

const std::regex kIsoTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z)");

class CkListSessions : public IntegrationTest {
protected:
    ToolResult list(std::vector<std::string> args = {}, uid_t uid = 0)
    {
        args.insert(args.begin(), toolPath("CK_LIST_SESSIONS"));
        ToolSpec spec = tool(std::move(args));
        spec.uid = uid;
        return runTool(spec);
    }

    // The root X11 session of the task: unix-user 0, x11 on :0 from /dev/tty7, local.
    std::string openRootX11Session()
    {
        return openSession(*client_,
            {{"unix-user", g_variant_new_int32(0)}, {"session-type", g_variant_new_string("x11")},
                {"display-device", g_variant_new_string("/dev/tty7")}, {"x11-display", g_variant_new_string(":0")},
                {"is-local", g_variant_new_boolean(TRUE)}});
    }

    // A remote text session of nobody; it gets a dynamic seat of its own.
    std::string openRemoteSession(Client& leader)
    {
        return openSession(leader,
            {{"unix-user", g_variant_new_int32(65534)}, {"session-type", g_variant_new_string("tty")},
                {"remote-host-name", g_variant_new_string("example.org")}, {"is-local", g_variant_new_boolean(FALSE)}});
    }

    std::string seatOf(const std::string& session) { return sessionString(session, "GetSeatId"); }

    // What the daemon says about the values the tool does not decide and the test does not set:
    // seat placement and activity are the daemon's policy, the audit login session id comes from
    // the test process, the runtime dir from the daemon's configuration.
    std::string boolOf(const std::string& session, const char* method)
    {
        Reply r = client_->call(session, kSessionIface, method);
        gboolean b = FALSE;
        if (r.ok())
            g_variant_get(r.value, "(b)", &b);
        return b ? "TRUE" : "FALSE";
    }
    std::string runtimeDirOf(const std::string& session) { return sessionString(session, "GetXDGRuntimeDir"); }

    // Lines of the ck2 block of the root X11 session; on-since is checked separately.
    std::vector<std::string> rootX11Block(const std::string& session)
    {
        return {
            baseName(session) + ":",
            "\tunix-user = '0'",
            "\trealname = '" + gecosName(0) + "'",
            "\tseat = '" + baseName(seatOf(session)) + "'",
            "\tsession-type = 'x11'",
            "\tsession-class = 'user'",
            "\tsession-state = '" + sessionString(session, "GetSessionState") + "'",
            "\tsession-service = 'unspecified'",
            "\tactive = " + boolOf(session, "IsActive"),
            "\tx11-display = ':0'",
            "\tx11-display-device = ''",
            "\tdisplay-device = '/dev/tty7'",
            "\tremote-host-name = ''",
            "\tis-local = TRUE",
            "\ton-since = '" + sessionString(session, "GetCreationTime") + "'",
            "\tlogin-session-id = '" + sessionString(session, "GetLoginSessionId") + "'",
            "\tXDG_RUNTIME_DIR = '" + runtimeDirOf(session) + "'",
            "\tVTNr = '7'",
        };
    }
};

class CkListSessionsWithoutDaemon : public CkListSessions {
protected:
    bool withDaemon() const override { return false; }
};

void expectIsoOnSince(const std::vector<std::string>& block)
{
    bool seen = false;
    for (const auto& line : block) {
        if (!line.starts_with("\ton-since = '"))
            continue;
        seen = true;
        const std::string value = line.substr(13, line.size() - 14);
        EXPECT_TRUE(std::regex_match(value, kIsoTime)) << line;
    }
    EXPECT_TRUE(seen);
}

TEST_F(CkListSessions, PrintsNothingAndSucceedsWhenThereAreNoSessions)
{
    ToolResult r = list();
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "");
}

TEST_F(CkListSessions, PrintsEveryFieldOfARootX11SessionInTheConsoleKit2Block)
{
    const std::string session = openRootX11Session();
    ASSERT_FALSE(session.empty());
    ToolResult r = list();
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const auto block = lines(r.out);
    EXPECT_EQ(block, rootX11Block(session)) << r.out;
    expectIsoOnSince(block);
}

TEST_F(CkListSessions, PrintsARemoteSessionOnItsDynamicSeat)
{
    const std::string session = openRemoteSession(*client_);
    ASSERT_FALSE(session.empty());
    const std::string seat = seatOf(session);
    Reply canActivate = client_->call(seat, kSeatIface, "CanActivateSessions");
    ASSERT_EQ(canActivate.print(), "(false,)") << "the remote session should be on a dynamic seat";

    ToolResult r = list();
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const std::vector<std::string> expected = {
        baseName(session) + ":", "\tunix-user = '65534'", "\trealname = '" + gecosName(65534) + "'",
        "\tseat = '" + baseName(seat) + "'", "\tsession-type = 'tty'", "\tsession-class = 'user'",
        "\tsession-state = 'online'", "\tsession-service = 'unspecified'", "\tactive = FALSE", "\tx11-display = ''",
        "\tx11-display-device = ''", "\tdisplay-device = ''", "\tremote-host-name = 'example.org'",
        "\tis-local = FALSE", "\ton-since = '" + sessionString(session, "GetCreationTime") + "'",
        "\tlogin-session-id = '" + sessionString(session, "GetLoginSessionId") + "'",
        "\tXDG_RUNTIME_DIR = '" + runtimeDirOf(session) + "'",
        // No VTNr line: the session has no VT.
    };
    EXPECT_EQ(lines(r.out), expected) << r.out;
    EXPECT_NE(seat, "/org/freedesktop/ConsoleKit/Seat1");
}

TEST_F(CkListSessions, PrintsTheClassicBlockWithFormatClassic)
{
    const std::string session = openRootX11Session();
    ASSERT_FALSE(session.empty());
    ToolResult r = list({"--format=classic"});
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<std::string> expected = {
        baseName(session) + ":",
        "\tunix-user = '0'",
        "\trealname = '" + gecosName(0) + "'",
        "\tseat = '" + baseName(seatOf(session)) + "'",
        "\tsession-type = 'x11'",
        "\tactive = " + boolOf(session, "IsActive"),
        "\tx11-display = ':0'",
        "\tx11-display-device = ''",
        "\tdisplay-device = '/dev/tty7'",
        "\tremote-host-name = ''",
        "\tis-local = TRUE",
        "\ton-since = '" + sessionString(session, "GetCreationTime") + "'",
        "\tlogin-session-id = '" + sessionString(session, "GetLoginSessionId") + "'",
    };
    const auto block = lines(r.out);
    EXPECT_EQ(block, expected) << r.out;
    expectIsoOnSince(block);
}

TEST_F(CkListSessions, ListsSessionsInSeatOrderThenSessionOrder)
{
    Client remoteLeader(bus_->address());
    const std::string root = openRootX11Session();
    const std::string remote = openRemoteSession(remoteLeader);
    ASSERT_FALSE(root.empty());
    ASSERT_FALSE(remote.empty());

    // The daemon's order: GetSeats, then each seat's GetSessions.
    std::vector<std::string> expectedHeaders;
    Reply seats = client_->manager("GetSeats");
    ASSERT_TRUE(seats.ok());
    GVariantIter* iter = nullptr;
    const gchar* seat = nullptr;
    g_variant_get(seats.value, "(ao)", &iter);
    while (g_variant_iter_next(iter, "&o", &seat)) {
        Reply sessionsOfSeat = client_->call(seat, kSeatIface, "GetSessions");
        GVariantIter* inner = nullptr;
        const gchar* s = nullptr;
        g_variant_get(sessionsOfSeat.value, "(ao)", &inner);
        while (g_variant_iter_next(inner, "&o", &s))
            expectedHeaders.push_back(baseName(s) + ":");
        g_variant_iter_free(inner);
    }
    g_variant_iter_free(iter);
    ASSERT_EQ(expectedHeaders.size(), 2u);

    ToolResult r = list();
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<std::string> headers;
    for (const auto& line : lines(r.out))
        if (!line.starts_with("\t"))
            headers.push_back(line);
    EXPECT_EQ(headers, expectedHeaders) << r.out;
}

TEST_F(CkListSessions, ListsSeatsWithoutSessionsWithAll)
{
    ToolResult r = list({"--all"});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "Seat1: no sessions (name = 'seat0', can-activate-sessions = TRUE)\n");
    EXPECT_EQ(r.err, "");
}

TEST_F(CkListSessions, ListsEmptySeatsBesideSessionBlocksWithAllOnly)
{
    const std::string session = openRemoteSession(*client_);
    ASSERT_FALSE(session.empty());

    ToolResult all = list({"-a"});
    ASSERT_EQ(all.status, 0) << all.err;
    const auto allLines = lines(all.out);
    ASSERT_FALSE(allLines.empty());
    EXPECT_EQ(allLines[0], "Seat1: no sessions (name = 'seat0', can-activate-sessions = TRUE)");
    EXPECT_EQ(allLines[1], baseName(session) + ":");

    ToolResult plain = list();
    ASSERT_EQ(plain.status, 0) << plain.err;
    EXPECT_EQ(plain.out.find("no sessions"), std::string::npos) << plain.out;
    EXPECT_EQ(lines(plain.out)[0], baseName(session) + ":");
}

TEST_F(CkListSessions, PrintsTheIdleSinceHintOfAnIdleSession)
{
    const std::string session = openRootX11Session();
    ASSERT_FALSE(session.empty());
    Reply set = client_->call(session, kSessionIface, "SetIdleHint", g_variant_new("(b)", TRUE));
    ASSERT_TRUE(set.ok()) << set.print();
    const std::string since = sessionString(session, "GetIdleSinceHint");
    ASSERT_TRUE(std::regex_match(since, kIsoTime)) << since;

    ToolResult r = list();
    ASSERT_EQ(r.status, 0) << r.err;
    const auto block = lines(r.out);
    ASSERT_FALSE(block.empty());
    EXPECT_EQ(block.back(), "\tidle-since-hint = '" + since + "'");
    ToolResult classic = list({"--format=classic"});
    EXPECT_EQ(lines(classic.out).back(), "\tidle-since-hint = '" + since + "'");
}

TEST_F(CkListSessions, PrintsTheSameForAnUnprivilegedUser)
{
    if (!executableBy(65534, toolPath("CK_LIST_SESSIONS")))
        GTEST_SKIP() << "the build tree is not reachable for uid 65534";
    const std::string session = openRootX11Session();
    ASSERT_FALSE(session.empty());
    ToolResult asRoot = list({"--all"});
    ToolResult asNobody = list({"--all"}, 65534);
    EXPECT_EQ(asNobody.status, 0) << asNobody.err;
    EXPECT_EQ(asNobody.err, "");
    EXPECT_EQ(asNobody.out, asRoot.out);
}

TEST_F(CkListSessionsWithoutDaemon, PrintsItsVersionAndSucceeds)
{
    ToolResult r = list({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, std::string("ck-list-sessions ") + CK_VERSION + "\n");
    ToolResult shortOption = list({"-V"});
    EXPECT_EQ(shortOption.status, 0);
    EXPECT_EQ(shortOption.out, r.out);
}

TEST_F(CkListSessionsWithoutDaemon, DocumentsItsOptionsInHelp)
{
    ToolResult r = list({"--help"});
    EXPECT_EQ(r.status, 0);
    for (const char* option : {"--version", "--all", "--format"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option << " missing in\n" << r.out;
}

TEST_F(CkListSessionsWithoutDaemon, RejectsAnUnknownFormatOrOption)
{
    ToolResult format = list({"--format=xml"});
    EXPECT_EQ(format.status, 1);
    EXPECT_NE(format.err.find("unknown format 'xml'"), std::string::npos) << format.err;
    EXPECT_EQ(format.out, "");
    ToolResult option = list({"--frobnicate"});
    EXPECT_EQ(option.status, 1);
    EXPECT_NE(option.err.find("--frobnicate"), std::string::npos) << option.err;
}

TEST_F(CkListSessionsWithoutDaemon, FailsWithAClearMessageAsConsoleKitIsNotRunning)
{
    ToolResult r = list();
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("ck-list-sessions: ConsoleKit is not running"), std::string::npos) << r.err;
}

TEST_F(CkListSessionsWithoutDaemon, FailsWithAClearMessageWhenThereIsNoBus)
{
    ToolSpec spec = tool({toolPath("CK_LIST_SESSIONS")});
    spec.env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + bus_->dir() + "/no-such-socket";
    ToolResult r = runTool(spec);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("ck-list-sessions: cannot connect to the system bus"), std::string::npos) << r.err;
}

// --- the formatter, without a daemon ------------------------------------------------------------

TEST(ARealNameFromGecos, TakesTheFirstFieldAndExpandsTheAmpersandToTheCapitalisedLogin)
{
    EXPECT_EQ(listsessions::realNameFromGecos("& Admin,Room 1,555-1234,", "jdoe"), "Jdoe Admin");
    EXPECT_EQ(listsessions::realNameFromGecos("Ada Lovelace", "ada"), "Ada Lovelace");
    EXPECT_EQ(listsessions::realNameFromGecos("&&", "x"), "XX");
    EXPECT_EQ(listsessions::realNameFromGecos(",Room 2", "bob"), "");
    EXPECT_EQ(listsessions::realNameFromGecos("", "bob"), "");
}

TEST(ARealNameForUid, IsEmptyForAUidWithoutPasswdEntry)
{
    ASSERT_EQ(::getpwuid(4000123), nullptr);
    EXPECT_EQ(listsessions::realNameForUid(4000123), "");
}

TEST(ASessionBlock, PrintsValuesTheDaemonDidNotGiveAsEmptyStrings)
{
    listsessions::SessionInfo s;
    s.path = "/org/freedesktop/ConsoleKit/Session9";
    const std::string block
        = listsessions::formatSession(s, "/org/freedesktop/ConsoleKit/Seat1", listsessions::Format::Ck2);
    EXPECT_EQ(block,
        "Session9:\n"
        "\tunix-user = ''\n"
        "\trealname = ''\n"
        "\tseat = 'Seat1'\n"
        "\tsession-type = ''\n"
        "\tsession-class = ''\n"
        "\tsession-state = ''\n"
        "\tsession-service = ''\n"
        "\tactive = ''\n"
        "\tx11-display = ''\n"
        "\tx11-display-device = ''\n"
        "\tdisplay-device = ''\n"
        "\tremote-host-name = ''\n"
        "\tis-local = ''\n"
        "\ton-since = ''\n"
        "\tlogin-session-id = ''\n"
        "\tXDG_RUNTIME_DIR = ''\n");
    EXPECT_EQ(block.find("(null)"), std::string::npos);
}

TEST(ASessionBlock, EscapesControlCharactersSoAValueCannotForgeALine)
{
    listsessions::SessionInfo s;
    s.path = "/org/freedesktop/ConsoleKit/Session2";
    s.fields["remote-host-name"] = "evil\n\tunix-user = '0'\x1b";
    const std::string block
        = listsessions::formatSession(s, "/org/freedesktop/ConsoleKit/Seat2", listsessions::Format::Classic);
    EXPECT_NE(block.find("\tremote-host-name = 'evil\\n\\tunix-user = '0'\\x1b'\n"), std::string::npos) << block;
    EXPECT_EQ(lines(block).size(), 13u);
}

TEST(AFormatName, IsCk2OrClassic)
{
    EXPECT_EQ(listsessions::parseFormat("ck2"), listsessions::Format::Ck2);
    EXPECT_EQ(listsessions::parseFormat("classic"), listsessions::Format::Classic);
    EXPECT_FALSE(listsessions::parseFormat("CK2").has_value());
}

} // namespace
} // namespace ck::test
