// libck-connector against the real daemon on a private bus: every function, every parameter type,
// bad input (which must give a DBusError, never an abort), a forked child, and a daemon that is
// gone or silent (the 10 s deadline, measured).
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "connector/connector_fixture.h"
#include <ck-connector.h>

namespace ck::test {
namespace {

using Clock = std::chrono::steady_clock;

// A DBusError that frees itself.
struct Error {
    DBusError e;
    Error() { dbus_error_init(&e); }
    ~Error() { dbus_error_free(&e); }
    Error(const Error&) = delete;
    Error& operator=(const Error&) = delete;
    DBusError* operator&() { return &e; }
    bool set() const { return dbus_error_is_set(&e); }
    std::string name() const { return e.name != nullptr ? e.name : ""; }
    std::string message() const { return e.message != nullptr ? e.message : ""; }
};

// A connector that unrefs itself.
struct Connector {
    CkConnector* c = ck_connector_new();
    ~Connector()
    {
        if (c != nullptr)
            ck_connector_unref(c);
    }
    Connector() = default;
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;
    operator CkConnector*() const { return c; }
};

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

class TheConnector : public ConnectorTest {
protected:
    std::string pathOf(CkConnector* c)
    {
        const char* cookie = ck_connector_get_cookie(c);
        return cookie != nullptr ? sessionForCookie(cookie) : std::string();
    }
};

TEST_F(TheConnector, OpensASessionWithOpenSessionAndClosesIt)
{
    Connector c;
    Error error;
    ASSERT_TRUE(ck_connector_open_session(c, &error)) << error.message();
    ASSERT_NE(ck_connector_get_cookie(c), nullptr);
    const std::string path = pathOf(c);
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "unix-user"), "uint32 0");
    EXPECT_EQ(sessions().size(), 1u);

    ASSERT_TRUE(ck_connector_close_session(c, &error)) << error.message();
    EXPECT_EQ(ck_connector_get_cookie(c), nullptr);
    EXPECT_TRUE(waitForSessionCount(0));
}

TEST_F(TheConnector, SendsEveryParameterWithItsWireType)
{
    Connector c;
    Error error;
    const char* dd = "/dev/tty3";
    const char* xdd = "/dev/tty7";
    const char* xd = ":20";
    const char* rh = "example.org";
    const char* type = "x11";
    const char* service = "gdm-password";
    const char* klass = "greeter";
    const char* lsid = "42";
    dbus_bool_t local = FALSE;
    int user = 730;
    unsigned vtnr = 7;
    ASSERT_TRUE(ck_connector_open_session_with_parameters(c, &error, "unix-user", &user, "display-device", &dd,
        "x11-display-device", &xdd, "x11-display", &xd, "remote-host-name", &rh, "session-type", &type,
        "session-service", &service, "session-class", &klass, "login-session-id", &lsid, "is-local", &local, "vtnr",
        &vtnr, nullptr))
        << error.message();
    const std::string path = pathOf(c);
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "unix-user"), "uint32 730");
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty3'");
    EXPECT_EQ(property(path, "x11-display-device"), "'/dev/tty7'");
    EXPECT_EQ(property(path, "x11-display"), "':20'");
    EXPECT_EQ(property(path, "remote-host-name"), "'example.org'");
    EXPECT_EQ(property(path, "session-type"), "'x11'");
    EXPECT_EQ(property(path, "session-service"), "'gdm-password'");
    EXPECT_EQ(property(path, "session-class"), "'greeter'");
    EXPECT_EQ(property(path, "is-local"), "false");
    EXPECT_EQ(property(path, "VTNr"), "uint32 7");
    EXPECT_EQ(stringOf(client_->call(path, kSessionIface, "GetLoginSessionId")), "42");
}

TEST_F(TheConnector, TakesTheOldUserAliasAndATrueIsLocal)
{
    Connector c;
    Error error;
    int user = 731;
    dbus_bool_t local = TRUE;
    ASSERT_TRUE(ck_connector_open_session_with_parameters(c, &error, "user", &user, "is-local", &local, nullptr))
        << error.message();
    const std::string path = pathOf(c);
    EXPECT_EQ(property(path, "unix-user"), "uint32 731");
    EXPECT_EQ(property(path, "is-local"), "true");
}

TEST_F(TheConnector, OpensASessionForAUserWithAndWithoutAnX11Display)
{
    Connector withDisplay;
    Error error;
    ASSERT_TRUE(ck_connector_open_session_for_user(withDisplay, 730, "/dev/tty5", ":3", &error)) << error.message();
    std::string path = pathOf(withDisplay);
    EXPECT_EQ(property(path, "unix-user"), "uint32 730");
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty5'");
    EXPECT_EQ(property(path, "x11-display"), "':3'");

    // ConsoleKit documented a NULL x11_display and then aborted in libdbus on it.
    Connector textOnly;
    ASSERT_TRUE(ck_connector_open_session_for_user(textOnly, 732, "/dev/tty6", nullptr, &error)) << error.message();
    path = pathOf(textOnly);
    EXPECT_EQ(property(path, "display-device"), "'/dev/tty6'");
    EXPECT_EQ(property(path, "x11-display"), "''");
}

TEST_F(TheConnector, LeavesOutAParameterWhoseStringIsNull)
{
    Connector c;
    Error error;
    const char* none = nullptr;
    const char* dd = "/dev/tty4";
    ASSERT_TRUE(
        ck_connector_open_session_with_parameters(c, &error, "remote-host-name", &none, "display-device", &dd, nullptr))
        << error.message();
    EXPECT_EQ(property(pathOf(c), "remote-host-name"), "''");
    EXPECT_EQ(property(pathOf(c), "display-device"), "'/dev/tty4'");
}

TEST_F(TheConnector, ReadsTheRuntimeDirTheDaemonMade)
{
    Connector c;
    Error error;
    int user = 0;
    ASSERT_TRUE(ck_connector_open_session_with_parameters(c, &error, "unix-user", &user, nullptr));
    Reply daemonsDir = client_->call(pathOf(c), kSessionIface, "GetXDGRuntimeDir");
    const char* dir = ck_connector_get_runtime_dir(c, &error);
    if (daemonsDir.ok()) {
        ASSERT_NE(dir, nullptr) << error.message();
        EXPECT_EQ(std::string(dir), stringOf(daemonsDir));
        EXPECT_EQ(ck_connector_get_runtime_dir(c, &error), dir) << "the answer is kept";
    } else {
        EXPECT_EQ(dir, nullptr);
        EXPECT_TRUE(contains(error.message(), "Unable to get runtime dir for session")) << error.message();
    }
}

TEST_F(TheConnector, EndsTheSessionWhenItsLastReferenceGoes)
{
    CkConnector* c = ck_connector_new();
    Error error;
    ASSERT_TRUE(ck_connector_open_session(c, &error));
    EXPECT_EQ(ck_connector_ref(c), c);
    ck_connector_unref(c);
    EXPECT_EQ(sessions().size(), 1u) << "one reference is left";
    ck_connector_unref(c);
    EXPECT_TRUE(waitForSessionCount(0));
}

TEST_F(TheConnector, RefusesASecondOpenAndKeepsTheFirstSession)
{
    Connector c;
    Error error;
    ASSERT_TRUE(ck_connector_open_session(c, &error));
    const std::string first = ck_connector_get_cookie(c);
    Error second;
    EXPECT_FALSE(ck_connector_open_session(c, &second));
    EXPECT_TRUE(contains(second.message(), "already has a session open")) << second.message();
    EXPECT_EQ(ck_connector_get_cookie(c), first);
    EXPECT_EQ(sessions().size(), 1u);
    // After a close the same connector opens again.
    ASSERT_TRUE(ck_connector_close_session(c, &error)) << error.message();
    ASSERT_TRUE(ck_connector_open_session(c, &error)) << error.message();
    EXPECT_NE(ck_connector_get_cookie(c), first);
}

TEST_F(TheConnector, ReportsCallsWithoutASession)
{
    Connector c;
    Error close;
    EXPECT_FALSE(ck_connector_close_session(c, &close));
    EXPECT_EQ(close.name(), "org.freedesktop.CkConnector.Error");
    EXPECT_EQ(close.message(), "Unable to close session: no session open");
    Error dir;
    EXPECT_EQ(ck_connector_get_runtime_dir(c, &dir), nullptr);
    EXPECT_TRUE(dir.set());
    EXPECT_EQ(ck_connector_get_cookie(c), nullptr);
}

TEST_F(TheConnector, AnswersBadArgumentsWithAnErrorInsteadOfAborting)
{
    Connector c;
    {
        Error e;
        EXPECT_FALSE(ck_connector_open_session(nullptr, &e));
        EXPECT_TRUE(contains(e.message(), "ckc is NULL")) << e.message();
        EXPECT_EQ(ck_connector_get_cookie(nullptr), nullptr);
        EXPECT_EQ(ck_connector_ref(nullptr), nullptr);
        ck_connector_unref(nullptr);
    }
    {
        Error e;
        EXPECT_FALSE(ck_connector_open_session_for_user(c, 0, nullptr, nullptr, &e));
        EXPECT_TRUE(contains(e.message(), "tty is NULL")) << e.message();
    }
    {
        Error e;
        const char* bad = "host-\xff\xfe";
        EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &e, "remote-host-name", &bad, nullptr));
        EXPECT_EQ(e.name(), "org.freedesktop.CkConnector.Error");
        EXPECT_TRUE(contains(e.message(), "remote-host-name is not valid UTF-8")) << e.message();
    }
    {
        Error e;
        EXPECT_FALSE(ck_connector_open_session_for_user(c, 0, "/dev/tty1\xc3", nullptr, &e));
        EXPECT_TRUE(contains(e.message(), "not valid UTF-8")) << e.message();
    }
    {
        Error e;
        int v = 1;
        EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &e, "no-such-thing", &v, nullptr));
        EXPECT_EQ(e.message(), "Unknown parameter: no-such-thing");
        Error notUtf8;
        EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &notUtf8, "bad\xff", &v, nullptr));
        EXPECT_EQ(notUtf8.message(), "Unknown parameter: (not UTF-8)");
    }
    {
        Error e;
        EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &e, "display-device", nullptr, nullptr));
        EXPECT_TRUE(contains(e.message(), "no value for display-device")) << e.message();
    }
    {
        // A C bool (one byte) passed where a dbus_bool_t (four) is read: libdbus would abort.
        Error e;
        dbus_bool_t notABool = 0x0101;
        EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &e, "is-local", &notABool, nullptr));
        EXPECT_TRUE(contains(e.message(), "is-local must be a dbus_bool_t of 0 or 1")) << e.message();
    }
    {
        // An error that is already set is left alone (libdbus aborts on setting it twice).
        Error e;
        dbus_set_error_const(&e, "x.Already", "already");
        EXPECT_FALSE(ck_connector_open_session(c, &e));
        EXPECT_EQ(e.name(), "x.Already");
        EXPECT_EQ(ck_connector_get_runtime_dir(c, &e), nullptr);
        EXPECT_FALSE(ck_connector_close_session(c, &e));
        EXPECT_EQ(e.name(), "x.Already");
    }
    // A NULL DBusError* is allowed.
    EXPECT_FALSE(ck_connector_close_session(c, nullptr));
    EXPECT_TRUE(ck_connector_open_session(c, nullptr));
    EXPECT_EQ(sessions().size(), 1u) << "none of the bad calls opened anything";
}

TEST_F(TheConnector, PassesOnTheDaemonsRefusalWithItsName)
{
    // A string longer than the daemon takes: the daemon's InvalidInput comes back.
    Connector c;
    Error error;
    std::string longName(5000, 'a');
    const char* value = longName.c_str();
    EXPECT_FALSE(ck_connector_open_session_with_parameters(c, &error, "session-type", &value, nullptr));
    EXPECT_EQ(error.name(), "org.freedesktop.CkConnector.Error");
    EXPECT_TRUE(contains(error.message(), "Unable to open session: ")) << error.message();
    EXPECT_TRUE(contains(error.message(), "longer than")) << error.message();
    EXPECT_TRUE(contains(error.message(), "org.freedesktop.ConsoleKit.")) << error.message();
    // A failed open does not block the next one on the same connector.
    Error again;
    EXPECT_TRUE(ck_connector_open_session(c, &again)) << again.message();
}

TEST_F(TheConnector, LetsAForkedChildReadTheSessionButNotCloseIt)
{
    Connector c;
    Error error;
    ASSERT_TRUE(ck_connector_open_session(c, &error));
    const std::string cookie = ck_connector_get_cookie(c);
    const char* parentDir = ck_connector_get_runtime_dir(c, &error);
    const std::string dir = parentDir != nullptr ? parentDir : "";
    dbus_error_free(&error);

    // The child reports through a pipe which check failed ("ok" when none): its exit status is
    // valgrind's under `meson test --setup=valgrind` (the GDBus thread of the test's own client
    // does not exist in the child, and its memory shows as lost there).
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(report[0]);
        const auto finish = [&](const char* result) {
            [[maybe_unused]] ssize_t n = ::write(report[1], result, std::strlen(result));
            ::_exit(0);
        };
        DBusError e;
        dbus_error_init(&e);
        if (ck_connector_get_cookie(c) == nullptr || cookie != ck_connector_get_cookie(c))
            finish("cookie");
        const char* childDir = ck_connector_get_runtime_dir(c, &e);
        if ((childDir != nullptr ? std::string(childDir) : std::string()) != dir)
            finish("runtime-dir");
        dbus_error_free(&e);
        if (ck_connector_close_session(c, &e))
            finish("closed");
        if (e.message == nullptr || std::strstr(e.message, "belongs to process") == nullptr)
            finish("no-error");
        dbus_error_free(&e);
        ck_connector_unref(c); // closes the child's copy of the socket only
        finish("ok");
    }
    ::close(report[1]);
    char result[32] = {};
    [[maybe_unused]] ssize_t n = ::read(report[0], result, sizeof result - 1);
    ::close(report[0]);
    ASSERT_EQ(::waitpid(pid, nullptr, 0), pid);
    EXPECT_STREQ(result, "ok");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(sessions().size(), 1u);
    EXPECT_FALSE(sessionForCookie(cookie).empty());
    ASSERT_TRUE(ck_connector_close_session(c, &error)) << error.message();
    EXPECT_TRUE(waitForSessionCount(0));
}

class TheConnectorWithoutDaemon : public TheConnector {
protected:
    bool withDaemon() const override { return false; }
};

TEST_F(TheConnectorWithoutDaemon, FailsAtOnceWhenConsoleKitIsNotOnTheBus)
{
    Connector c;
    Error error;
    const auto start = Clock::now();
    EXPECT_FALSE(ck_connector_open_session(c, &error));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(error.name(), "org.freedesktop.CkConnector.Error");
    EXPECT_TRUE(contains(error.message(), "Unable to open session: ")) << error.message();
    EXPECT_TRUE(contains(error.message(), "org.freedesktop.DBus.Error.ServiceUnknown")) << error.message();
}

TEST_F(TheConnectorWithoutDaemon, FailsAtOnceWhenThereIsNoBus)
{
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + bus_->dir() + "/no-such-socket").c_str(), 1);
    Connector c;
    Error error;
    const auto start = Clock::now();
    EXPECT_FALSE(ck_connector_open_session(c, &error));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_TRUE(contains(error.message(), "Unable to open session: ")) << error.message();
}

// Seconds a failed open took; the DBusError in *error.
double timedOpen(CkConnector* c, DBusError* error)
{
    const auto start = Clock::now();
    EXPECT_FALSE(ck_connector_open_session(c, error));
    return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST_F(TheConnector, GivesUpOnAStoppedDaemonAfterTenSeconds)
{
    ASSERT_EQ(::kill(daemon_->pid(), SIGSTOP), 0);
    Connector c;
    Error error;
    const double took = timedOpen(c, &error);
    ::kill(daemon_->pid(), SIGCONT);
    std::fprintf(stderr, "open against a stopped daemon failed after %.2f s\n", took);
    EXPECT_GE(took, 9.9);
    EXPECT_LE(took, 11.0);
    EXPECT_TRUE(contains(error.message(), "ConsoleKit did not answer within 10 s")) << error.message();
    EXPECT_TRUE(contains(error.message(), "org.freedesktop.DBus.Error.NoReply")) << error.message();
}

// The pid of the test bus's dbus-daemon (found by its --address argument), -1 if none.
pid_t busDaemonPid(const std::string& address)
{
    const std::string wanted = "--address=" + address;
    DIR* proc = ::opendir("/proc");
    pid_t found = -1;
    while (dirent* e = proc != nullptr ? ::readdir(proc) : nullptr) {
        std::ifstream cmdline(std::string("/proc/") + e->d_name + "/cmdline");
        std::string arg;
        while (std::getline(cmdline, arg, '\0'))
            if (arg == wanted)
                found = static_cast<pid_t>(std::atoi(e->d_name));
    }
    if (proc != nullptr)
        ::closedir(proc);
    return found;
}

TEST_F(TheConnectorWithoutDaemon, GivesUpOnAStoppedBusAfterTenSeconds)
{
    // The bus itself hangs: connecting and Hello share the deadline (libdbus's
    // dbus_bus_get_private would wait 25 s for Hello).
    const pid_t bus = busDaemonPid(bus_->address());
    ASSERT_GT(bus, 0);
    ASSERT_EQ(::kill(bus, SIGSTOP), 0);
    Connector c;
    Error error;
    const double took = timedOpen(c, &error);
    ::kill(bus, SIGCONT);
    std::fprintf(stderr, "open against a stopped bus failed after %.2f s\n", took);
    EXPECT_GE(took, 9.9);
    EXPECT_LE(took, 11.0);
    EXPECT_TRUE(contains(error.message(), "Unable to open session: ")) << error.message();
}

TEST_F(TheConnectorWithoutDaemon, GivesUpOnANameOwnerThatNeverAnswersAfterTenSeconds)
{
    // A libdbus connection that owns the name and never reads its socket.
    DBusError e;
    dbus_error_init(&e);
    DBusConnection* silent = dbus_connection_open_private(bus_->address().c_str(), &e);
    ASSERT_NE(silent, nullptr) << e.message;
    ASSERT_TRUE(dbus_bus_register(silent, &e)) << e.message;
    ASSERT_EQ(dbus_bus_request_name(silent, "org.freedesktop.ConsoleKit", DBUS_NAME_FLAG_DO_NOT_QUEUE, &e),
        DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER);
    Connector c;
    Error error;
    const double took = timedOpen(c, &error);
    std::fprintf(stderr, "open against a silent name owner failed after %.2f s\n", took);
    EXPECT_GE(took, 9.9);
    EXPECT_LE(took, 11.0);
    EXPECT_TRUE(contains(error.message(), "did not answer")) << error.message();
    dbus_connection_close(silent);
    dbus_connection_unref(silent);
}

} // namespace
} // namespace ck::test
