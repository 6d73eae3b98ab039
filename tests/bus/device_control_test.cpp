// Session device control on the bus: the real daemon on a private bus with a fake sysfs tree
// (--sysfs-root) that presents mknod'ed /dev/null (1:3) as a DRM card and /dev/zero (1:5) as an
// evdev node, and the OFD-lock stand-in for DRM master (--drm-master=ofd-lock). Without a
// console no session is ever active here, so devices are handed out paused; the VT half is in
// tests/vt.
#include <dirent.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "bus/bus_fixture.h"
#include "unit/device/fake_sysfs.h"

namespace ck::test {
namespace {

// The fd a reply passed: closed with the test.
class UniqueFd {
public:
    UniqueFd() = default;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }
    void reset(int fd = -1)
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }
    int get() const { return fd_; }
    bool isValid() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

class ASessionWithDevices : public BusTest {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "the fake device nodes need mknod (root)";
        tree_ = std::make_unique<device::test::FakeSysfs>();
        tree_->setUdevSeat("c1:7", "seat1"); // hidraw0 belongs to another seat
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        session_ = openGraphicalSession(*client_, "/dev/tty5");
        ASSERT_FALSE(session_.path.empty());
    }
    DaemonOptions options() override
    {
        DaemonOptions o = withoutConsole({});
        o.extraArgs.push_back("--sysfs-root=" + tree_->root());
        o.extraArgs.push_back("--drm-master=ofd-lock");
        return o;
    }
    // TakeDevice with its fd: the reply, and the fd (-1 on error).
    Reply takeDevice(Client& c, unsigned major, unsigned minor, UniqueFd& fd)
    {
        GUnixFDList* outFds = nullptr;
        GError* error = nullptr;
        GVariant* v = g_dbus_connection_call_with_unix_fd_list_sync(c.connection(), "org.freedesktop.ConsoleKit",
            session_.path.c_str(), kSessionIface, "TakeDevice", g_variant_new("(uu)", major, minor),
            G_VARIANT_TYPE("(hb)"), G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &outFds, nullptr, &error);
        Reply r;
        if (v == nullptr) {
            gchar* remote = g_dbus_error_get_remote_error(error);
            r.errorName = remote != nullptr ? remote : "";
            g_free(remote);
            g_dbus_error_strip_remote_error(error);
            r.errorMessage = error->message;
            g_error_free(error);
            return r;
        }
        r.value = v;
        gint32 index = -1;
        gboolean inactive = FALSE;
        g_variant_get(v, "(hb)", &index, &inactive);
        if (outFds != nullptr) {
            fd.reset(g_unix_fd_list_get(outFds, index, nullptr));
            g_object_unref(outFds);
        }
        return r;
    }
    Reply call(Client& c, const char* method, GVariant* args = nullptr)
    {
        return c.call(session_.path, kSessionIface, method, args);
    }
    // How many fds of the daemon point at the fake card node.
    int daemonFdsOn(const std::string& node)
    {
        const std::string dir = "/proc/" + std::to_string(daemon_->pid()) + "/fd";
        DIR* d = ::opendir(dir.c_str());
        if (d == nullptr)
            return -1;
        int n = 0;
        while (dirent* e = ::readdir(d)) {
            char target[4096];
            const ssize_t len = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
            if (len > 0 && std::string(target, static_cast<std::size_t>(len)) == node)
                ++n;
        }
        ::closedir(d);
        return n;
    }
    std::string card() const { return tree_->root() + "/dev/dri/card0"; }
    // The daemon's own copy only. The duplicate a reply or signal passed lingers in the daemon
    // until GDBus has written the message and freed its fd list: wait for it to go.
    bool daemonHoldsOneOpenOfTheCard()
    {
        return client_->waitFor([&] { return daemonFdsOn(card()) == 1; });
    }

    std::unique_ptr<device::test::FakeSysfs> tree_;
    Opened session_;
};

TEST_F(ASessionWithDevices, CanBeControlledWhenItHasAVt)
{
    EXPECT_TRUE(isReply(call(*client_, "CanControlSession"), "(b)", "(true,)"));
    Opened remote = openRemoteSession(*client_);
    EXPECT_TRUE(isReply(client_->call(remote.path, kSessionIface, "CanControlSession"), "(b)", "(false,)"));
}

TEST_F(ASessionWithDevices, HandsTheControllerADuplicateOfTheDaemonsOwnOpenOfTheCard)
{
    ASSERT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd fd;
    Reply r = takeDevice(*client_, 1, 3, fd);
    ASSERT_TRUE(r.ok()) << r.print();
    EXPECT_TRUE(isReply(r, "(hb)", "(handle 0, true)")); // the session is not active: paused
    ASSERT_TRUE(fd.isValid());
    struct stat st { };
    ASSERT_EQ(::fstat(fd.get(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    const int flags = ::fcntl(fd.get(), F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT_TRUE(flags & O_NONBLOCK); // the daemon's open, passed on
    EXPECT_TRUE(daemonHoldsOneOpenOfTheCard()); // and the daemon kept its own copy
    // Paused: the daemon dropped "master", so a client lock on its description is possible and
    // is seen from a fresh open — the description is shared with the daemon's copy.
    struct flock l { };
    l.l_type = F_WRLCK;
    ASSERT_EQ(::fcntl(fd.get(), F_OFD_SETLK, &l), 0);
    ASSERT_TRUE(call(*client_, "ReleaseDevice", g_variant_new("(uu)", 1u, 3u)).ok());
    EXPECT_EQ(daemonFdsOn(card()), 0);
}

TEST_F(ASessionWithDevices, RefusesEveryWrongTakeDeviceWithANamedError)
{
    UniqueFd fd;
    EXPECT_TRUE(isError(takeDevice(*client_, 1, 3, fd), kSessionError + "Failed", "Only the session controller"));
    ASSERT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    EXPECT_TRUE(isError(takeDevice(*client_, 4096, 0, fd), kSessionError + "InvalidInput", "out of range"));
    EXPECT_TRUE(isError(takeDevice(*client_, 1, 9, fd), kSessionError + "NotSupported", "Failed to create device"));
    EXPECT_TRUE(isError(takeDevice(*client_, 1, 7, fd), kSessionError + "InsufficientPermission", "seat1"));
    ASSERT_TRUE(takeDevice(*client_, 1, 5, fd).ok());
    EXPECT_TRUE(
        isError(takeDevice(*client_, 1, 5, fd), kSessionError + "General", "Device has already been requested"));
    EXPECT_TRUE(isError(call(*client_, "ReleaseDevice", g_variant_new("(uu)", 1u, 3u)), kSessionError + "Failed",
        "Device doesn't exist"));
    EXPECT_TRUE(isError(call(*client_, "PauseDeviceComplete", g_variant_new("(uu)", 1u, 3u)), kSessionError + "Failed",
        "Device doesn't exist"));
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(ASessionWithDevices, RefusesASecondControllerUnlessRootForces)
{
    ASSERT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    EXPECT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok()); // same sender: no-op
    Client other(bus_->address());
    EXPECT_TRUE(isError(call(other, "TakeControl", g_variant_new("(b)", FALSE)), kSessionError + "Failed",
        "Session controller already present"));
    EXPECT_TRUE(isError(call(other, "ReleaseControl"), kSessionError + "Failed", "Only the session controller"));
}

TEST_F(ASessionWithDevices, RefusesControlToAUserWhoDoesNotOwnTheSession)
{
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    const std::string line = nobody.call(session_.path, "org.freedesktop.ConsoleKit.Session.TakeControl", "(false,)");
    EXPECT_NE(line.find(kSessionError + "InsufficientPermission"), std::string::npos) << line;
}

TEST_F(ASessionWithDevices, LetsItsNonRootOwnerTakeControl)
{
    Opened own = open(*client_,
        sessionParameters({{"unix-user", g_variant_new_int32(static_cast<gint32>(kNobody))},
            {"session-type", g_variant_new_string("wayland")}, {"display-device", g_variant_new_string("/dev/tty6")},
            {"is-local", g_variant_new_boolean(TRUE)}}));
    ASSERT_FALSE(own.path.empty());
    Peer nobody(bus_->address(), kNobody);
    ASSERT_TRUE(nobody.ready());
    EXPECT_EQ(nobody.call(own.path, "org.freedesktop.ConsoleKit.Session.TakeControl", "(false,)"), "()");
    const std::string forced = nobody.call(session_.path, "org.freedesktop.ConsoleKit.Session.TakeControl", "(true,)");
    EXPECT_NE(forced.find(kSessionError + "InsufficientPermission"), std::string::npos) << forced;
}

TEST_F(ASessionWithDevices, TellsOnlyTheOldControllerThatRootTookItsDevicesAway)
{
    Client first(bus_->address());
    MessageLog firstLog(first.connection());
    Client bystander(bus_->address());
    MessageLog bystanderLog(bystander.connection());
    ASSERT_TRUE(call(first, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd fd;
    ASSERT_TRUE(takeDevice(first, 1, 3, fd).ok());
    ASSERT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", TRUE)).ok());
    ASSERT_TRUE(firstLog.waitForSignals("PauseDevice"));
    auto paused = firstLog.signals("PauseDevice");
    ASSERT_EQ(paused.size(), 1u);
    EXPECT_EQ(paused[0].body, "(uint32 1, uint32 3, 'gone')");
    EXPECT_EQ(paused[0].path, session_.path);
    EXPECT_EQ(daemonFdsOn(card()), 0);
    // A broad listener hears nothing: PauseDevice is unicast.
    ASSERT_TRUE(call(bystander, "CanControlSession").ok());
    EXPECT_TRUE(bystanderLog.signals("PauseDevice").empty());
    EXPECT_TRUE(isError(call(first, "TakeDevice", g_variant_new("(uu)", 1u, 5u)), kSessionError + "Failed",
        "Only the session controller"));
}

TEST_F(ASessionWithDevices, EndsControlAndClosesTheDevicesWhenTheControllerLeavesTheBus)
{
    auto controller = std::make_unique<Client>(bus_->address());
    ASSERT_TRUE(call(*controller, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd fd;
    ASSERT_TRUE(takeDevice(*controller, 1, 3, fd).ok());
    EXPECT_TRUE(daemonHoldsOneOpenOfTheCard());
    controller->close();
    controller.reset();
    ASSERT_TRUE(client_->waitFor([&] { return daemonFdsOn(card()) == 0; }));
    // The session is free again: another controller needs no force.
    EXPECT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok());
}

TEST_F(ASessionWithDevices, ClosesTheDevicesOnReleaseControl)
{
    ASSERT_TRUE(call(*client_, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd fd;
    ASSERT_TRUE(takeDevice(*client_, 1, 3, fd).ok());
    ASSERT_TRUE(call(*client_, "ReleaseControl").ok());
    EXPECT_EQ(daemonFdsOn(card()), 0);
    EXPECT_TRUE(isError(call(*client_, "ReleaseControl"), kSessionError + "Failed", "Only the session controller"));
}

TEST_F(ASessionWithDevices, ClosesTheDevicesWhenTheSessionCloses)
{
    Client leader(bus_->address());
    Opened own = openGraphicalSession(leader, "/dev/tty8", ":1");
    ASSERT_FALSE(own.path.empty());
    ASSERT_TRUE(leader.call(own.path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    GUnixFDList* outFds = nullptr;
    GVariant* v = g_dbus_connection_call_with_unix_fd_list_sync(leader.connection(), "org.freedesktop.ConsoleKit",
        own.path.c_str(), kSessionIface, "TakeDevice", g_variant_new("(uu)", 1u, 3u), G_VARIANT_TYPE("(hb)"),
        G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &outFds, nullptr, nullptr);
    ASSERT_NE(v, nullptr);
    g_variant_unref(v);
    g_object_unref(outFds);
    EXPECT_TRUE(daemonHoldsOneOpenOfTheCard());
    Reply closed = leader.manager("CloseSession", g_variant_new("(s)", own.cookie.c_str()));
    ASSERT_TRUE(closed.ok()) << closed.print();
    EXPECT_EQ(daemonFdsOn(card()), 0);
}

// Issue 13.6: a daemon that was killed took its device fds with it. The next one, on the same
// rundir, tells each controller still on the bus that its devices are gone (PauseDevice "gone",
// unicast, for every device it had taken) and lets it take control again; a controller that left
// meanwhile hears nothing.
TEST_F(ASessionWithDevices, TellsAControllerThatOutlivedADaemonKillThatItsDevicesAreGone)
{
    Client controller(bus_->address());
    MessageLog log(controller.connection());
    auto leaver = std::make_unique<Client>(bus_->address());
    Opened other = openGraphicalSession(*client_, "/dev/tty8", ":1");
    ASSERT_FALSE(other.path.empty());
    ASSERT_TRUE(leaver->call(other.path, kSessionIface, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    Client bystander(bus_->address());
    MessageLog bystanderLog(bystander.connection());
    ASSERT_TRUE(call(controller, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd cardFd, eventFd;
    ASSERT_TRUE(takeDevice(controller, 1, 3, cardFd).ok());
    ASSERT_TRUE(takeDevice(controller, 1, 5, eventFd).ok()); // killed right after this reply

    const std::string rundir = daemon_->rundir();
    daemon_->stop(SIGKILL);
    const std::string leaverName = leaver->uniqueName();
    leaver->close(); // gone before the next daemon starts
    leaver.reset();
    auto first = std::move(daemon_); // keeps its directory for the second daemon
    DaemonOptions o = options();
    o.extraArgs.push_back("--rundir=" + rundir);
    daemon_ = std::make_unique<Daemon>(*bus_, o);
    ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();

    ASSERT_TRUE(log.waitForSignals("PauseDevice", 2)) << daemon_->stderrText();
    auto gone = log.signals("PauseDevice");
    ASSERT_EQ(gone.size(), 2u);
    EXPECT_EQ(gone[0].path, session_.path);
    EXPECT_EQ(gone[1].path, session_.path);
    std::vector<std::string> bodies{gone[0].body, gone[1].body};
    std::sort(bodies.begin(), bodies.end());
    EXPECT_EQ(bodies, (std::vector<std::string>{"(uint32 1, uint32 3, 'gone')", "(uint32 1, uint32 5, 'gone')"}));
    ASSERT_TRUE(call(bystander, "CanControlSession").ok());
    EXPECT_TRUE(bystanderLog.signals("PauseDevice").empty()); // unicast
    EXPECT_EQ(daemon_->stderrText().find("telling " + leaverName + " "), std::string::npos);
    // Control is not carried over: the same controller takes it (and its devices) again.
    EXPECT_TRUE(call(controller, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd again;
    EXPECT_TRUE(takeDevice(controller, 1, 3, again).ok());
    EXPECT_TRUE(daemonHoldsOneOpenOfTheCard());
    // Told once: a third daemon has nothing left to tell.
    ASSERT_TRUE(call(controller, "ReleaseControl").ok());
    log.clear();
    daemon_->stop(SIGKILL);
    auto second = std::move(daemon_);
    daemon_ = std::make_unique<Daemon>(*bus_, o);
    ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
    ASSERT_TRUE(call(controller, "CanControlSession").ok());
    EXPECT_TRUE(log.signals("PauseDevice").empty()) << daemon_->stderrText();
}

// Unique names are only unique on one bus: a record left on another bus (the system bus was
// restarted too) names strangers, and nobody is told anything.
TEST_F(ASessionWithDevices, TellsNobodyWhenTheRecordComesFromAnotherBus)
{
    Client controller(bus_->address());
    MessageLog log(controller.connection());
    ASSERT_TRUE(call(controller, "TakeControl", g_variant_new("(b)", FALSE)).ok());
    UniqueFd cardFd;
    ASSERT_TRUE(takeDevice(controller, 1, 3, cardFd).ok());
    const std::string rundir = daemon_->rundir();
    daemon_->stop(SIGKILL);
    std::string record;
    {
        std::ifstream in(rundir + "/controllers");
        std::getline(in, record); // "bus <id>"
        ASSERT_EQ(record.rfind("bus ", 0), 0u) << record;
        std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ASSERT_NE(rest.find(controller.uniqueName() + " 1:3"), std::string::npos) << rest;
        record = "bus 0123456789abcdef0123456789abcdef\n" + rest;
    }
    std::ofstream(rundir + "/controllers", std::ios::trunc) << record;
    auto first = std::move(daemon_);
    DaemonOptions o = options();
    o.extraArgs.push_back("--rundir=" + rundir);
    daemon_ = std::make_unique<Daemon>(*bus_, o);
    ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
    ASSERT_TRUE(call(controller, "CanControlSession").ok()); // answered after anything sent at start
    EXPECT_TRUE(log.signals("PauseDevice").empty()) << daemon_->stderrText();
}

} // namespace
} // namespace ck::test
