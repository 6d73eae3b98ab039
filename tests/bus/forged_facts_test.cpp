// Facts an unprivileged user must not be able to forge (issues 17.2, 17.3, 18.2): the X server
// behind a display (a planted /tmp/.X<N>-lock, a listener of one's own with "vt1" in its
// arguments), strings that are not UTF-8 or far too long, a pid that now belongs to another
// process, and locality vouched for by another user's session. Each attack runs as uid 65534.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "bus/bus_fixture.h"
#include "bus/hostile_support.h"

namespace ck::test {
namespace {

class AnUnprivilegedUser : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.extraArgs.push_back("--x11-socket-dir=" + sockets_.path());
        o.extraArgs.push_back("--proc-root=" + proc_.path());
        o.env["G_DEBUG"] = "fatal-criticals"; // a GLib-CRITICAL kills the daemon: the test sees it
        return o;
    }
    void TearDown() override
    {
        if (!lockFile_.empty())
            ::unlink(lockFile_.c_str());
        BusTest::TearDown();
    }
    // The session a reply line's cookie names ("" if the call failed).
    std::string sessionOf(const std::string& replyLine)
    {
        const std::string cookie = Peer::cookieOf(replyLine);
        if (cookie.empty())
            return {};
        return firstString(client_->manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str())));
    }
    std::string stringOf(const std::string& path, const char* method) { return firstString(session(path, method)); }
    bool isLocal(const std::string& path)
    {
        Reply r = session(path, "IsLocal");
        gboolean local = FALSE;
        if (r.ok())
            g_variant_get(r.value, "(b)", &local);
        return local != FALSE;
    }
    std::string seatOf(const std::string& path)
    {
        Reply r = session(path, "GetSeatId");
        const gchar* seat = "";
        if (r.ok())
            g_variant_get(r.value, "(&o)", &seat);
        return seat;
    }
    // As uid 65534, like any local user could: writes /tmp/.X<display>-lock naming `pid`.
    void plantLockFile(unsigned display, pid_t pid)
    {
        lockFile_ = "/tmp/.X" + std::to_string(display) + "-lock";
        char text[16];
        std::snprintf(text, sizeof text, "%10d\n", static_cast<int>(pid));
        CommandResult r = runCommand({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
            std::string("printf '") + text + "' > " + lockFile_});
        ASSERT_EQ(r.status, 0) << r.output;
    }

    TempDir sockets_; // root-owned, like /tmp/.X11-unix
    FakeProc proc_; // the real /proc unless a test maps a pid elsewhere
    std::string lockFile_;
};

TEST_F(AnUnprivilegedUser, GetsNoVtNoLocalityAndNoConsoleSeatFromAPlantedXLockFile)
{
    if (shareAnAuditSession().empty())
        GTEST_SKIP() << "cannot set an audit login session here";
    const Opened root = openTextSession(*client_, "/dev/tty5"); // local, vouches for its login session
    ASSERT_FALSE(root.path.empty());
    // A process of the attacker's with "vt1" among its arguments stands in for "the X server".
    Child decoy({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "read x", "vt1"});
    ASSERT_TRUE(decoy.started());
    proc_.map(decoy.pid(), decoy.pid());
    const unsigned display = privateDisplayNumber();
    plantLockFile(display, decoy.pid());

    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", ":" + std::to_string(display)}});
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(stringOf(path, "GetX11Display"), ":" + std::to_string(display));
    EXPECT_EQ(stringOf(path, "GetX11DisplayDevice"), "");
    EXPECT_FALSE(isLocal(path)) << "root's session vouched for another user";
    EXPECT_NE(seatOf(path), kSeat1);
}

TEST_F(AnUnprivilegedUser, GetsNoVtFromAnXServerOfItsOwnWithAVtArgument)
{
    const unsigned display = privateDisplayNumber();
    FakeXServer fake(true, sockets_.path() + "/X" + std::to_string(display), kNobody, {"vt1"});
    ASSERT_TRUE(fake.ready());
    proc_.map(fake.pid(), fake.pid());
    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", ":" + std::to_string(display)}});
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(stringOf(path, "GetX11DisplayDevice").find("/dev/tty"), std::string::npos);
    EXPECT_NE(seatOf(path), kSeat1);
}

TEST_F(AnUnprivilegedUser, SeesTheVtOfRootsXServerFoundByItsSocket)
{
    const unsigned display = privateDisplayNumber();
    FakeXServer xorg(false, sockets_.path() + "/X" + std::to_string(display), 0, {"-nolisten", "tcp", "vt7"});
    ASSERT_TRUE(xorg.ready());
    proc_.map(xorg.pid(), xorg.pid());
    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", ":" + std::to_string(display) + ".0"}});
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(stringOf(path, "GetX11DisplayDevice"), "/dev/tty7");
}

TEST_F(AnUnprivilegedUser, CannotCrashTheDaemonWithADisplayThatIsNotUtf8)
{
    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", "\xff\xfe:0"}});
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(stringOf(path, "GetX11Display"), "");
    EXPECT_TRUE(isReply(client_->getProperty(path, kSessionIface, "x11-display"), "(v)", "(<''>,)"));
    EXPECT_TRUE(client_->manager("ListSessions").ok());
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(AnUnprivilegedUser, CannotStoreAHugeDisplayName)
{
    Peer nobody(bus_->address(), kNobody, {{"DISPLAY", std::string(100 * 1024, 'x') + ":0"}});
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    const std::string stored = stringOf(path, "GetX11Display");
    EXPECT_TRUE(stored.empty()) << "stored a display name of " << stored.size() << " bytes";
}

TEST_F(AnUnprivilegedUser, IsNotMadeLocalByASessionOfAnotherUser)
{
    if (shareAnAuditSession().empty())
        GTEST_SKIP() << "cannot set an audit login session here";
    ASSERT_FALSE(openTextSession(*client_, "/dev/tty5").path.empty());
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    const std::string path = sessionOf(nobody.manager("OpenSession"));
    ASSERT_FALSE(path.empty());
    EXPECT_FALSE(isLocal(path));
}

TEST_F(AnUnprivilegedUser, CannotOpenASessionWithTheFactsOfAProcessThatReusedItsPid)
{
    // A root process (a local login, say) now stands behind the attacker's pid.
    ProcessWithEnvironment login(std::map<std::string, std::string>{{"DISPLAY", ":0"}});
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), login.pid());
    const std::string reply = nobody.manager("OpenSession");
    EXPECT_EQ(reply.find("ERROR " + kManagerError + "InsufficientPermission"), 0u) << reply;
    EXPECT_NE(reply.find("does not belong to the caller"), std::string::npos) << reply;
}

TEST_F(AnUnprivilegedUser, DoesNotGetRootsSessionAsItsCurrentSessionThroughAReusedPid)
{
    const Opened root = openTextSession(*client_, "/dev/tty5");
    ASSERT_FALSE(root.path.empty());
    ProcessWithEnvironment login(std::map<std::string, std::string>{{"XDG_SESSION_COOKIE", root.cookie}});
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), login.pid());
    const std::string reply = nobody.manager("GetCurrentSession");
    EXPECT_EQ(reply.find("ERROR "), 0u) << "answered with root's session: " << reply;
    EXPECT_EQ(reply.find(root.path), std::string::npos) << reply;
}

TEST_F(AnUnprivilegedUser, CannotLendItsConnectionToAProcessStartedLater)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    proc_.map(nobody.pid(), nobody.pid());
    // The first call makes the daemon see the connection.
    EXPECT_EQ(nobody.manager("GetCurrentSession").find("ERROR "), 0u);
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // past a clock tick of starttime
    Child later({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "echo ready; read x"});
    ASSERT_EQ(later.readLine(), "ready"); // runs as 65534 by now
    proc_.map(nobody.pid(), later.pid());
    const std::string reply = nobody.manager("OpenSession");
    EXPECT_EQ(reply.find("ERROR " + kManagerError + "InsufficientPermission"), 0u) << reply;
    EXPECT_NE(reply.find("started after the caller connected"), std::string::npos) << reply;
}

} // namespace
} // namespace ck::test
