// Test harness implementation: every process it starts is reaped; a test binary never leaves a
// dbus-daemon or console-kit-daemon behind.
#include "support/test_bus.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace ck::test {

std::string env(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr ? v : fallback;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds bound)
{
    return bound * std::max(1L, std::strtol(env("CK_TEST_TIMEOUT_SCALE", "1").c_str(), nullptr, 10));
}

void skipUnless(bool condition, const char* why)
{
    if (!condition) {
        std::fprintf(stderr, "SKIP: %s\n", why);
        std::exit(77);
    }
}

TempDir::TempDir()
{
    std::string tmpl = env("TMPDIR", "/tmp") + "/ck-test-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        std::perror("mkdtemp");
        std::exit(1);
    }
    ::chmod(tmpl.c_str(), 0755); // the bus socket must be reachable by uid 65534
    path_ = tmpl;
}

namespace {
// Mount points below `dir` (runtime-dir tmpfs mounts a daemon leaves for its restart), deepest first.
std::vector<std::string> mountsBelow(const std::string& dir)
{
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mountPoint;
        fields >> id >> parent >> devno >> root >> mountPoint;
        if (mountPoint.compare(0, dir.size() + 1, dir + "/") == 0)
            out.push_back(mountPoint);
    }
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return out;
}
} // namespace

TempDir::~TempDir()
{
    for (const auto& m : mountsBelow(path_))
        ::umount2(m.c_str(), MNT_DETACH);
    if (!path_.empty() && env("CK_TEST_KEEP").empty()) {
        const std::string cmd = "rm -rf '" + path_ + "'";
        if (std::system(cmd.c_str()) != 0)
            std::fprintf(stderr, "could not remove %s\n", path_.c_str());
    }
}

namespace {
// The one fork+exec of the harness. Each fd >= 0 replaces stdin/stdout/stderr of the child.
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extraEnv, int stdoutFd,
    int stderrFd, int stdinFd = -1, bool dieWithParent = false)
{
    pid_t pid = ::fork();
    if (pid == 0) {
        // If the test binary dies (a failed assertion may exit()), such a helper goes with it.
        if (dieWithParent)
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (stdinFd >= 0)
            ::dup2(stdinFd, 0);
        if (stdoutFd >= 0)
            ::dup2(stdoutFd, 1);
        if (stderrFd >= 0)
            ::dup2(stderrFd, 2);
        for (const auto& [k, v] : extraEnv)
            ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    return pid;
}

int waitStatus(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

std::vector<std::string> splitWords(const std::string& s)
{
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}
} // namespace

// --- TestBus -----------------------------------------------------------------------------------

TestBus::TestBus()
{
    const std::string conf = env("CK_TEST_BUS_CONF");
    if (conf.empty()) {
        std::fprintf(stderr, "CK_TEST_BUS_CONF is not set\n");
        std::exit(1);
    }
    const std::string socket = dir() + "/bus.sock";
    address_ = "unix:path=" + socket;
    const std::string log = dir() + "/dbus-daemon.log";
    int logFd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    // Both the bus and the daemon go when the test binary dies (a crash must not leave them
    // running, with a VT watcher, after the run).
    pid_ = spawn({"dbus-daemon", "--config-file=" + conf, "--address=" + address_, "--nofork", "--nopidfile"}, {},
        logFd, logFd, -1, true);
    ::close(logFd);
    // The socket file appears a moment before dbus-daemon listens: wait until a connection works.
    for (int i = 0; i < 500; ++i) {
        struct stat st { };
        if (::stat(socket.c_str(), &st) == 0) {
            GDBusConnection* c = g_dbus_connection_new_for_address_sync(address_.c_str(),
                static_cast<GDBusConnectionFlags>(
                    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
                nullptr, nullptr, nullptr);
            if (c != nullptr) {
                g_dbus_connection_close_sync(c, nullptr, nullptr);
                g_object_unref(c);
                return;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "dbus-daemon did not start (see %s)\n", log.c_str());
    std::exit(1);
}

TestBus::~TestBus()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        waitStatus(pid_);
    }
}

// --- Daemon ------------------------------------------------------------------------------------

Daemon::Daemon(const TestBus& bus, DaemonOptions options) : bus_(bus), options_(std::move(options))
{
    ::mkdir(confdir().c_str(), 0755);
    ::mkdir((confdir() + "/seats.d").c_str(), 0755);
    if (options_.staticSeat)
        std::ofstream(confdir() + "/seats.d/00-primary.seat") << options_.seatFileContent;
}

Daemon::~Daemon()
{
    if (pid_ > 0)
        stop(SIGKILL);
}

bool Daemon::start()
{
    std::vector<std::string> argv = splitWords(options_.wrapper);
    argv.push_back(env("CK_DAEMON", "console-kit-daemon"));
    for (const std::string& a :
        {std::string("--no-daemon"), "--rundir=" + rundir(), "--logdir=" + logdir(), "--confdir=" + confdir(),
            "--hooks-libdir=" + root() + "/lib", "--user-rundir=" + root() + "/user", "--vt-watch=" + options_.vtWatch})
        argv.push_back(a);
    // Without VT watching the daemon must not switch the machine's VTs either: no console.
    if (options_.vtWatch == "none")
        argv.push_back("--console=/nonexistent/ck-test-no-console");
    for (const auto& a : options_.extraArgs)
        argv.push_back(a);
    auto e = options_.env;
    e["DBUS_SYSTEM_BUS_ADDRESS"] = bus_.address();
    const std::string errPath = root() + "/daemon.stderr";
    int errFd = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = spawn(argv, e, errFd, errFd, -1, true); // never the test's own stdout: no reader left hanging
    ::close(errFd);

    Client probe(bus_.address());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.wrapper.empty() ? 10 : 90);
    while (std::chrono::steady_clock::now() < deadline) {
        Reply r = probe.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
            g_variant_new("(s)", "org.freedesktop.ConsoleKit"));
        gboolean has = FALSE;
        if (r.ok())
            g_variant_get(r.value, "(b)", &has);
        if (has)
            return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

int Daemon::stop(int signal)
{
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, signal);
    // A daemon that does not end within 30 s (valgrind included) is killed: a test never hangs here.
    for (int i = 0; i < 3000; ++i) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "daemon %d did not exit after signal %d: killing it\n", static_cast<int>(pid_), signal);
    ::kill(pid_, SIGKILL);
    waitStatus(pid_);
    pid_ = -1;
    return -1;
}

std::string Daemon::stderrText() const
{
    std::ifstream in(root() + "/daemon.stderr");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// --- Reply / Client ----------------------------------------------------------------------------

Reply::Reply(Reply&& o) noexcept
    : value(std::exchange(o.value, nullptr)), errorName(std::move(o.errorName)), errorMessage(std::move(o.errorMessage))
{ }

Reply& Reply::operator=(Reply&& o) noexcept
{
    if (this != &o) {
        if (value != nullptr)
            g_variant_unref(value);
        value = std::exchange(o.value, nullptr);
        errorName = std::move(o.errorName);
        errorMessage = std::move(o.errorMessage);
    }
    return *this;
}

Reply::~Reply()
{
    if (value != nullptr)
        g_variant_unref(value);
}

std::string Reply::print() const
{
    if (value == nullptr)
        return "ERROR " + errorName + ": " + errorMessage;
    gchar* s = g_variant_print(value, TRUE);
    std::string out = s;
    g_free(s);
    return out;
}

Client::Client(const std::string& address)
{
    GError* error = nullptr;
    connection_ = g_dbus_connection_new_for_address_sync(address.c_str(),
        static_cast<GDBusConnectionFlags>(
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
        nullptr, nullptr, &error);
    if (connection_ == nullptr) {
        std::fprintf(stderr, "cannot connect to %s: %s\n", address.c_str(), error->message);
        g_error_free(error);
        std::exit(1);
    }
    g_dbus_connection_set_exit_on_close(connection_, FALSE);
}

Client::~Client()
{
    if (subscription_ != 0)
        g_dbus_connection_signal_unsubscribe(connection_, subscription_);
    close();
    g_object_unref(connection_);
}

std::string Client::uniqueName() const
{
    const gchar* n = g_dbus_connection_get_unique_name(connection_);
    return n != nullptr ? n : "";
}

void Client::close()
{
    if (!g_dbus_connection_is_closed(connection_))
        g_dbus_connection_close_sync(connection_, nullptr, nullptr);
}

Reply Client::call(
    const std::string& path, const std::string& iface, const std::string& method, GVariant* params, int timeoutMs)
{
    const bool driver = path == "/org/freedesktop/DBus";
    GError* error = nullptr;
    Reply r;
    r.value = g_dbus_connection_call_sync(connection_, driver ? "org.freedesktop.DBus" : "org.freedesktop.ConsoleKit",
        path.c_str(), iface.c_str(), method.c_str(), params, nullptr, G_DBUS_CALL_FLAGS_NONE, timeoutMs, nullptr,
        &error);
    if (error != nullptr)
        takeError(r, error);
    return r;
}

void takeError(Reply& reply, GError* error)
{
    gchar* remote = g_dbus_error_get_remote_error(error);
    reply.errorName = remote != nullptr ? remote : "(local)";
    g_free(remote);
    g_dbus_error_strip_remote_error(error);
    reply.errorMessage = error->message;
    g_error_free(error);
}

Reply Client::manager(const std::string& method, GVariant* params)
{
    return call(kManagerPath, kManagerIface, method, params);
}

Reply Client::getProperty(const std::string& path, const std::string& iface, const std::string& name)
{
    return call(path, "org.freedesktop.DBus.Properties", "Get", g_variant_new("(ss)", iface.c_str(), name.c_str()));
}

void Client::watchSignals()
{
    subscription_ = g_dbus_connection_signal_subscribe(
        connection_, "org.freedesktop.ConsoleKit", nullptr, nullptr, nullptr, nullptr, G_DBUS_SIGNAL_FLAGS_NONE,
        [](GDBusConnection*, const gchar*, const gchar* path, const gchar* iface, const gchar* name, GVariant* args,
            gpointer data) {
            gchar* s = g_variant_print(args, FALSE);
            static_cast<Client*>(data)->signals.push_back({path, iface, name, s});
            g_free(s);
        },
        this, nullptr);
    // A round trip makes sure the match rule is in place before the test acts.
    call("/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping");
}

bool Client::waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        while (g_main_context_iteration(nullptr, FALSE)) { }
        if (!pred())
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

bool Client::waitForSignal(const std::string& name, std::chrono::milliseconds timeout)
{
    return waitFor(
        [&] {
            for (const auto& s : signals)
                if (s.name == name)
                    return true;
            return false;
        },
        timeout);
}

// --- Child ---------------------------------------------------------------------------------------

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env)
{
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0)
        return;
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        return;
    }
    pid_ = spawn(argv, env, out[1], -1, in[0], true);
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_ = out[0];
}

Child::~Child()
{
    closeStdin();
    if (pid_ > 0) {
        kill(SIGTERM);
    }
    if (out_ >= 0)
        ::close(out_);
}

std::optional<std::string> readLine(int fd, std::string& buffer, std::chrono::milliseconds timeout, bool* closed)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto nl = buffer.find('\n'); nl != std::string::npos) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            return line;
        }
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || fd < 0)
            return std::nullopt;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            continue;
        char buf[4096];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            if (closed != nullptr)
                *closed = true;
            return std::nullopt;
        }
        buffer.append(buf, static_cast<std::size_t>(n));
    }
}

std::optional<std::string> Child::readLine(std::chrono::milliseconds timeout)
{
    return ck::test::readLine(out_, buffered_, timeout);
}

void Child::closeStdin()
{
    if (in_ >= 0) {
        ::close(in_);
        in_ = -1;
    }
}

int Child::wait()
{
    if (pid_ <= 0)
        return -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) { }
    pid_ = -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

int Child::kill(int signal)
{
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, signal);
    return wait();
}

// --- commands ----------------------------------------------------------------------------------

CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extraEnv)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return {};
    const pid_t pid = spawn(argv, extraEnv, fds[1], fds[1]);
    ::close(fds[1]);
    CommandResult r;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        r.output.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    r.status = waitStatus(pid);
    return r;
}

CommandResult gdbusCallAs(uid_t uid, const std::string& address, const std::string& path, const std::string& method,
    const std::vector<std::string>& args)
{
    std::vector<std::string> argv = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid),
        "--clear-groups", "gdbus", "call", "--address", address, "--dest", "org.freedesktop.ConsoleKit",
        "--object-path", path, "--method", method};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv);
}

} // namespace ck::test
