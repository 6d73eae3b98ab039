// Session device control on a real VT: the real daemon on a private bus, a controlled session on a
// spare VT (kSpareVt), its VT in graphics mode and VT_PROCESS, switches away and back completing
// through the daemon's release/acquire handling, and the VT back in text mode, its keyboard mode
// and VT_AUTO when the controller is killed, when the daemon stops, and — after a SIGKILL of the
// daemon — when the next daemon starts. Root and /dev/tty0 needed (else exit 77); run under
// `flock /tmp/ck-vt.lock`.
//
// Whatever happens (a failed assertion, a crash, a kill of this binary) the spare VT's modes and
// the originally active VT are restored: by the test's own teardown, and by a guard process forked
// first, which restores them when this process's end closes its pipe.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <gio/gunixfdlist.h>

#include "bus/bus_helpers.h"
#include "unit/device/fake_sysfs.h"
#include "support/test_bus.h"

namespace ck::test {
namespace {

constexpr unsigned kSpareVt = 23; // never has a getty here; opening it allocates it
const char* const kSessionIface = "org.freedesktop.ConsoleKit.Session";

struct SavedVt {
    unsigned original = 0; // the VT active at start
    int kdMode = KD_TEXT;
    int kbMode = K_UNICODE;
    uid_t uid = 0;
    gid_t gid = 0;
    mode_t mode = 0620;
};
SavedVt gSaved;
int gConsole = -1; // /dev/tty0

std::string spareNode()
{
    return "/dev/tty" + std::to_string(kSpareVt);
}

unsigned activeVt()
{
    vt_stat st{};
    return ::ioctl(gConsole, VT_GETSTATE, &st) == 0 ? st.v_active : 0;
}

bool reaches(unsigned vt, std::chrono::milliseconds timeout)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (activeVt() == vt)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return activeVt() == vt;
}

bool switchTo(unsigned vt, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000))
{
    if (::ioctl(gConsole, VT_ACTIVATE, static_cast<unsigned long>(vt)) < 0)
        return false;
    return reaches(vt, timeout);
}

struct VtModes {
    int kd = -1, kb = -1, vtMode = -1, relsig = 0;
    uid_t uid = 0;
};
VtModes modesOf(unsigned vt)
{
    VtModes m;
    const std::string node = "/dev/tty" + std::to_string(vt);
    int fd = ::open(node.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return m;
    int v = 0;
    if (::ioctl(fd, KDGETMODE, &v) == 0)
        m.kd = v;
    if (::ioctl(fd, KDGKBMODE, &v) == 0)
        m.kb = v;
    vt_mode vm{};
    if (::ioctl(fd, VT_GETMODE, &vm) == 0) {
        m.vtMode = vm.mode;
        m.relsig = vm.relsig;
    }
    struct stat st { };
    if (::fstat(fd, &st) == 0)
        m.uid = st.st_uid;
    ::close(fd);
    return m;
}

// Puts the spare VT back and the original VT in front; safe to run more than once, and from the
// guard after this process died with the VT in any state. Async-signal-unsafe calls are avoided.
void restoreEverything(int console)
{
    int fd = ::open(spareNode().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        (void)::ioctl(fd, VT_RELDISP, 1); // a switch pending on a VT_PROCESS VT
        vt_mode vm{};
        vm.mode = VT_AUTO;
        (void)::ioctl(fd, VT_SETMODE, &vm);
        (void)::ioctl(fd, KDSETMODE, gSaved.kdMode);
        (void)::ioctl(fd, KDSKBMODE, gSaved.kbMode);
        (void)::fchown(fd, gSaved.uid, gSaved.gid);
        (void)::fchmod(fd, gSaved.mode);
        ::close(fd);
    }
    vt_stat st{};
    if (::ioctl(console, VT_GETSTATE, &st) == 0 && st.v_active != gSaved.original) {
        (void)::ioctl(console, VT_ACTIVATE, static_cast<unsigned long>(gSaved.original));
        for (int i = 0; i < 400; ++i) { // bounded: 2 s
            if (::ioctl(console, VT_GETSTATE, &st) == 0 && st.v_active == gSaved.original)
                break;
            ::usleep(5000);
        }
    }
}

// The guard: a child that restores when our end of the pipe closes (we exited or were killed).
void forkGuard()
{
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        return;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[1]);
        char c;
        while (::read(p[0], &c, 1) != 0) { }
        restoreEverything(gConsole);
        ::_exit(0);
    }
    ::close(p[0]);
    // p[1] stays open for our lifetime, on purpose (O_CLOEXEC: the daemon does not inherit it).
}

class ARealControlledVt : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(switchTo(kSpareVt)) << "cannot switch to VT " << kSpareVt;
        bus_ = std::make_unique<TestBus>();
        startDaemon();
    }
    void TearDown() override
    {
        client_.reset();
        if (daemon_ && daemon_->running())
            daemon_->stop(SIGKILL); // a live VT_PROCESS owner would keep getting signals
        daemon_.reset();
        restoreEverything(gConsole);
        bus_.reset();
    }
    void startDaemon(std::vector<std::string> extra = {})
    {
        DaemonOptions o;
        o.vtWatch = "auto";
        o.extraArgs = std::move(extra);
        daemon_ = std::make_unique<Daemon>(*bus_, o);
        ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
        client_ = std::make_unique<Client>(bus_->address());
    }
    // A root Wayland-like session on the spare VT, opened by client_ (its leader).
    std::string openSession()
    {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(0));
        g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("wayland"));
        g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(spareNode().c_str()));
        g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
        Reply cookie = client_->manager("OpenSessionWithParameters", g_variant_new("(a(sv))", &b));
        if (!cookie.ok())
            return {};
        const gchar* ck = nullptr;
        g_variant_get(cookie.value, "(&s)", &ck);
        Reply path = client_->manager("GetSessionForCookie", g_variant_new("(s)", ck));
        if (!path.ok())
            return {};
        const gchar* p = nullptr;
        g_variant_get(path.value, "(&o)", &p);
        return p;
    }
    bool isActive(const std::string& path)
    {
        Reply r = client_->call(path, kSessionIface, "IsActive");
        gboolean b = FALSE;
        if (r.ok())
            g_variant_get(r.value, "(b)", &b);
        return b != FALSE;
    }
    // ck-bus-peer as the controller: a process of its own that a test can kill.
    std::unique_ptr<Peer> controller(const std::string& path)
    {
        auto peer = std::make_unique<Peer>(bus_->address());
        if (!peer->ready())
            return nullptr;
        const std::string reply = peer->call(path, std::string(kSessionIface) + ".TakeControl", "(false,)");
        EXPECT_EQ(reply, "()");
        return reply == "()" ? std::move(peer) : nullptr;
    }
    static bool controlledModes(const VtModes& m)
    {
        return m.kd == KD_GRAPHICS && m.kb == K_OFF && m.vtMode == VT_PROCESS && m.relsig == SIGRTMIN + 1;
    }
    static bool restoredModes(const VtModes& m)
    {
        return m.kd == KD_TEXT && m.kb == gSaved.kbMode && m.vtMode == VT_AUTO && m.uid == 0;
    }

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> client_;
};

TEST_F(ARealControlledVt, IsInGraphicsModeWithVtProcessAndSwitchesAwayAndBack)
{
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->waitFor([&] { return isActive(path); }));
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    EXPECT_TRUE(controlledModes(modesOf(kSpareVt)));
    // The kernel holds a switch away from a VT_PROCESS VT until its owner (the daemon) answers.
    ASSERT_TRUE(switchTo(gSaved.original)) << "the switch away did not complete";
    ASSERT_TRUE(client_->waitFor([&] { return !isActive(path); }));
    ASSERT_TRUE(switchTo(kSpareVt)) << "the switch back did not complete";
    ASSERT_TRUE(client_->waitFor([&] { return isActive(path); }));
    EXPECT_TRUE(controlledModes(modesOf(kSpareVt)));
    ASSERT_TRUE(client_->call(path, kSessionIface, "ReleaseControl").ok());
    EXPECT_TRUE(restoredModes(modesOf(kSpareVt)));
}

TEST_F(ARealControlledVt, GetsVtProcessEvenWhenTheVtWasAlreadyInGraphicsMode)
{
    {
        int fd = ::open(spareNode().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::ioctl(fd, KDSETMODE, KD_GRAPHICS), 0); // as a crashed compositor leaves it
        ::close(fd);
    }
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    EXPECT_EQ(modesOf(kSpareVt).vtMode, VT_PROCESS);
    EXPECT_TRUE(switchTo(gSaved.original)); // KD_GRAPHICS + VT_AUTO would ignore it
}

TEST_F(ARealControlledVt, IsRestoredWhenTheControllerIsKilled)
{
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    auto peer = controller(path);
    ASSERT_TRUE(peer) << daemon_->stderrText();
    EXPECT_TRUE(controlledModes(modesOf(kSpareVt)));
    ASSERT_EQ(::kill(peer->pid(), SIGKILL), 0);
    ASSERT_TRUE(client_->waitFor([&] { return restoredModes(modesOf(kSpareVt)); }));
    EXPECT_TRUE(switchTo(gSaved.original));
}

TEST_F(ARealControlledVt, IsRestoredWhenTheDaemonStops)
{
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    ASSERT_TRUE(controlledModes(modesOf(kSpareVt)));
    EXPECT_EQ(daemon_->stop(SIGTERM), 0);
    EXPECT_TRUE(restoredModes(modesOf(kSpareVt)));
}

TEST_F(ARealControlledVt, IsRestoredByTheNextDaemonAfterAKill)
{
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    ASSERT_TRUE(controlledModes(modesOf(kSpareVt)));
    const std::string rundir = daemon_->rundir();
    client_.reset();
    daemon_->stop(SIGKILL);
    EXPECT_TRUE(controlledModes(modesOf(kSpareVt))); // nobody restored it
    auto first = std::move(daemon_); // keeps its directory for the second daemon
    startDaemon({"--rundir=" + rundir});
    EXPECT_TRUE(restoredModes(modesOf(kSpareVt)));
    EXPECT_TRUE(switchTo(gSaved.original));
}

// The KWin sequence with a (stand-in) card: master held while active, PauseDevice(force) before
// the session is reported inactive, ResumeDevice after it is reported active again, and the same
// open file description (DRM state kept) throughout.
class ARealControlledVtWithACard : public ARealControlledVt {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(switchTo(kSpareVt)) << "cannot switch to VT " << kSpareVt;
        bus_ = std::make_unique<TestBus>();
        startDaemon({"--sysfs-root=" + tree_.root(), "--drm-master=ofd-lock"});
    }
    // What a fresh open of the card sees: F_WRLCK while some description is "master".
    short lockSeenBy(int fd)
    {
        struct flock l { };
        l.l_type = F_WRLCK;
        EXPECT_EQ(::fcntl(fd, F_OFD_GETLK, &l), 0);
        return l.l_type;
    }
    device::test::FakeSysfs tree_;
};

TEST_F(ARealControlledVtWithACard, PausesBeforeInactiveAndResumesAfterActiveAcrossASwitch)
{
    ASSERT_TRUE(tree_.nodesMade());
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->waitFor([&] { return isActive(path); }));
    MessageLog log(client_->connection());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    GUnixFDList* fds = nullptr;
    GVariant* v = g_dbus_connection_call_with_unix_fd_list_sync(client_->connection(), "org.freedesktop.ConsoleKit",
        path.c_str(), kSessionIface, "TakeDevice", g_variant_new("(uu)", 1u, 3u), G_VARIANT_TYPE("(hb)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &fds, nullptr, nullptr);
    ASSERT_NE(v, nullptr);
    gint32 index = -1;
    gboolean inactive = TRUE;
    g_variant_get(v, "(hb)", &index, &inactive);
    g_variant_unref(v);
    const int card = g_unix_fd_list_get(fds, index, nullptr);
    g_object_unref(fds);
    ASSERT_GE(card, 0);
    EXPECT_FALSE(inactive);
    const int probe = ::open((tree_.root() + "/dev/dri/card0").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(probe, 0);
    EXPECT_EQ(lockSeenBy(probe), F_WRLCK); // master
    EXPECT_EQ(lockSeenBy(card), F_UNLCK); // held through the client's own description

    log.clear();
    ASSERT_TRUE(switchTo(gSaved.original));
    ASSERT_TRUE(log.waitFor([&] { return !log.signals("ActiveChanged").empty(); }));
    const int pause = log.indexOf([](const MessageLog::Entry& e) { return e.member == "PauseDevice"; });
    const int inactiveAt = log.indexOf([](const MessageLog::Entry& e) { return e.member == "ActiveChanged"; });
    ASSERT_GE(pause, 0);
    EXPECT_EQ(log.entries()[static_cast<std::size_t>(pause)].body, "(uint32 1, uint32 3, 'force')");
    EXPECT_EQ(log.entries()[static_cast<std::size_t>(inactiveAt)].body, "(false,)");
    EXPECT_LT(pause, inactiveAt);
    EXPECT_EQ(lockSeenBy(probe), F_UNLCK); // master dropped

    log.clear();
    ASSERT_TRUE(switchTo(kSpareVt));
    ASSERT_TRUE(log.waitForSignals("ResumeDevice"));
    const int activeAt = log.indexOf([](const MessageLog::Entry& e) { return e.member == "ActiveChanged"; });
    const int resume = log.indexOf([](const MessageLog::Entry& e) { return e.member == "ResumeDevice"; });
    ASSERT_GE(activeAt, 0);
    EXPECT_EQ(log.entries()[static_cast<std::size_t>(activeAt)].body, "(true,)");
    EXPECT_LT(activeAt, resume);
    EXPECT_EQ(lockSeenBy(probe), F_WRLCK); // master again,
    EXPECT_EQ(lockSeenBy(card), F_UNLCK); // on the very description the client holds
    ::close(probe);
    ::close(card);
}

TEST_F(ARealControlledVtWithACard, IsToldItsDevicesAreGoneByTheNextDaemonAfterAKill)
{
    ASSERT_TRUE(tree_.nodesMade());
    const std::string path = openSession();
    ASSERT_FALSE(path.empty());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    ASSERT_TRUE(client_->call(path, kSessionIface, "TakeDevice", g_variant_new("(uu)", 1u, 3u)).ok());
    std::unique_ptr<Client> controller = std::move(client_); // stays on the bus across the restart
    MessageLog log(controller->connection());
    const std::string rundir = daemon_->rundir();
    daemon_->stop(SIGKILL);
    auto first = std::move(daemon_); // keeps its directory for the second daemon
    startDaemon({"--rundir=" + rundir, "--sysfs-root=" + tree_.root(), "--drm-master=ofd-lock"});
    if (!log.waitForSignals("PauseDevice")) {
        for (const auto& e : log.entries())
            ADD_FAILURE() << "got " << e.member << " " << e.body << " on " << e.path;
        FAIL() << "no PauseDevice: " << controller->uniqueName() << "\n" << daemon_->stderrText();
    }
    auto gone = log.signals("PauseDevice");
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].path, path);
    EXPECT_EQ(gone[0].body, "(uint32 1, uint32 3, 'gone')");
    EXPECT_TRUE(restoredModes(modesOf(kSpareVt)));
}

} // namespace
} // namespace ck::test

int main(int argc, char** argv)
{
    using namespace ck::test;
    ::testing::InitGoogleTest(&argc, argv);
    if (::geteuid() != 0) {
        std::fprintf(stderr, "device-vt-test: not root, skipping\n");
        return 77;
    }
    gConsole = ::open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    vt_stat st{};
    if (gConsole < 0 || ::ioctl(gConsole, VT_GETSTATE, &st) != 0) {
        std::fprintf(stderr, "device-vt-test: /dev/tty0 is not a usable VT console, skipping\n");
        return 77;
    }
    gSaved.original = st.v_active;
    int fd = ::open(spareNode().c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        std::fprintf(stderr, "device-vt-test: cannot open %s, skipping\n", spareNode().c_str());
        return 77;
    }
    ::ioctl(fd, KDGETMODE, &gSaved.kdMode);
    ::ioctl(fd, KDGKBMODE, &gSaved.kbMode);
    struct stat sst { };
    if (::fstat(fd, &sst) == 0) {
        gSaved.uid = sst.st_uid;
        gSaved.gid = sst.st_gid;
        gSaved.mode = sst.st_mode & 07777;
    }
    ::close(fd);
    forkGuard();
    const int rc = RUN_ALL_TESTS();
    restoreEverything(gConsole);
    return rc;
}
