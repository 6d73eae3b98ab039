// Test harness: a real dbus-daemon on a private socket with the shipped policy, the real
// console-kit-daemon binary on it, and client helpers (including calls as another uid).
#pragma once

#include <gio/gio.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ck::test {

// Paths the build gives the tests (meson passes them through the environment).
std::string env(const char* name, const char* fallback = "");
// A wait or a bound of the tests scaled by CK_TEST_TIMEOUT_SCALE: under `meson test
// --setup=valgrind` the test binary itself runs many times slower.
std::chrono::milliseconds scaled(std::chrono::milliseconds bound);

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

class TestBus {
public:
    TestBus(); // starts dbus-daemon; exits the test binary with 1 if it cannot
    ~TestBus();
    const std::string& address() const { return address_; }
    const std::string& dir() const { return dir_.path(); }

private:
    TempDir dir_;
    std::string address_;
    pid_t pid_ = -1;
};

struct DaemonOptions {
    std::vector<std::string> extraArgs;
    std::string vtWatch = "none";
    bool staticSeat = true;
    std::string seatFileContent = "[Seat Entry]\nVersion=1.0\nName=Primary seat\nHidden=false\nDevices=\n";
    std::map<std::string, std::string> env;
    std::string wrapper; // e.g. "valgrind --error-exitcode=1" (split on spaces)
};

class Daemon {
public:
    explicit Daemon(const TestBus& bus, DaemonOptions options = {});
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    bool start(); // true once the name is owned
    int stop(int signal = SIGTERM); // the exit status (128+sig when killed)
    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    const std::string& root() const { return root_.path(); }
    std::string rundir() const { return root() + "/run"; }
    std::string logdir() const { return root() + "/log"; }
    std::string confdir() const { return root() + "/conf"; }
    std::string stderrText() const;

private:
    const TestBus& bus_;
    DaemonOptions options_;
    TempDir root_;
    pid_t pid_ = -1;
};

// A reply or a D-Bus error.
struct Reply {
    GVariant* value = nullptr; // owned
    std::string errorName;
    std::string errorMessage;
    Reply() = default;
    Reply(Reply&& o) noexcept;
    Reply& operator=(Reply&& o) noexcept;
    ~Reply();
    bool ok() const { return value != nullptr; }
    std::string print() const; // g_variant_print of the value or "ERROR name: message"
};
// Fills errorName (the remote D-Bus error name, "(local)" for a GLib-side error) and
// errorMessage from `error`, and frees it. Every reply path of the test support uses it.
void takeError(Reply& reply, GError* error);

class Client {
public:
    explicit Client(const std::string& address); // a new private connection
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    GDBusConnection* connection() const { return connection_; }
    std::string uniqueName() const;
    Reply call(const std::string& path, const std::string& iface, const std::string& method, GVariant* params = nullptr,
        int timeoutMs = 10000);
    Reply manager(const std::string& method, GVariant* params = nullptr);
    Reply getProperty(const std::string& path, const std::string& iface, const std::string& name);
    void close(); // disconnects (ends the sessions it leads)

    // Signals of org.freedesktop.ConsoleKit, recorded after watchSignals().
    struct Signal {
        std::string path, iface, name;
        std::string args; // g_variant_print
    };
    void watchSignals();
    // Iterates the default main context until pred() holds or the timeout passes.
    bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    bool waitForSignal(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::vector<Signal> signals;

private:
    GDBusConnection* connection_ = nullptr;
    guint subscription_ = 0;
};

// One line (without its '\n') from a pipe: first from `buffer`, then from what `fd` gives before
// `timeout`; what follows the line stays in `buffer`. nullopt on timeout, or on end of file (then
// *closed is set when given).
std::optional<std::string> readLine(
    int fd, std::string& buffer, std::chrono::milliseconds timeout, bool* closed = nullptr);

// A child process with pipes to its stdin and stdout (stderr goes to the test's stderr).
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    // One line of its stdout without the newline; nullopt on EOF or timeout.
    std::optional<std::string> readLine(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void closeStdin();
    int wait(); // exit status (128+signal when killed)
    int kill(int signal);

private:
    pid_t pid_ = -1;
    int in_ = -1;
    int out_ = -1;
    std::string buffered_;
};

struct CommandResult {
    int status = -1;
    std::string output; // stdout and stderr
};
CommandResult runCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
// `gdbus call` as another uid (setpriv): exercises the bus policy and the daemon's own checks.
CommandResult gdbusCallAs(uid_t uid, const std::string& address, const std::string& path, const std::string& method,
    const std::vector<std::string>& args = {});

inline const char* const kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
inline const char* const kManagerIface = "org.freedesktop.ConsoleKit.Manager";
inline const char* const kSeatIface = "org.freedesktop.ConsoleKit.Seat";
inline const char* const kSessionIface = "org.freedesktop.ConsoleKit.Session";

// Exits 77 (meson: SKIP) with a message when the condition does not hold.
void skipUnless(bool condition, const char* why);

} // namespace ck::test
