// Support for the daemon-level real-VT tests: the test's own /dev/tty0, an on-the-wire message
// log, asynchronous calls whose reply can be ordered against signals, and a fixture that runs the
// real console-kit-daemon on a private bus in a given --vt-watch mode.
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/message_log.h"
#include "support/test_bus.h"

namespace ck::test {

inline const char* const kSeat1Path = "/org/freedesktop/ConsoleKit/Seat1";
inline const char* const kPropsIface = "org.freedesktop.DBus.Properties";
constexpr uid_t kNobodyUid = 65534;

// --- the test's console ------------------------------------------------------------------------

// The VTs the tests use: the one active at start (it never gets a session unless a test says so),
// and three others (5, 6, 7 unless the original is one of them).
struct TestVts {
    unsigned original = 0;
    unsigned text = 5; // a text session's VT
    unsigned x = 6; // an X session's VT
    unsigned third = 7; // uid 65534's VT, or a spare
};
extern TestVts gVt;

// Opens /dev/tty0 for the test (never /dev/ttyN: opening a VT allocates it); false if it cannot
// or VT_GETSTATE fails. Fills gVt.
bool openTestConsole();
void closeTestConsole();
unsigned kernelVt(); // VT_GETSTATE's v_active, 0 on error
bool requestVt(unsigned vt); // VT_ACTIVATE only: the kernel switches asynchronously
// VT_ACTIVATE, then wait until VT_GETSTATE shows it (a bounded VT_WAITACTIVE).
bool switchTo(unsigned vt, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Waits until VT_GETSTATE shows `vt` without asking for it.
bool kernelReaches(unsigned vt, std::chrono::milliseconds timeout = std::chrono::seconds(5));
void restoreOriginalVt();

// Makes `vt` refuse to be switched away from: it becomes VT_PROCESS mode owned by this process,
// whose release signal is ignored, so a VT_ACTIVATE stays pending until release() (the kernel
// waits for VT_RELDISP). Restores VT_AUTO in the destructor. The VT must be the active one.
class SwitchBlocker {
public:
    explicit SwitchBlocker(unsigned vt);
    ~SwitchBlocker();
    SwitchBlocker(const SwitchBlocker&) = delete;
    SwitchBlocker& operator=(const SwitchBlocker&) = delete;
    bool ok() const { return fd_ >= 0; }
    bool release(); // VT_RELDISP(1): lets the pending switch happen
    bool refuse(); // VT_RELDISP(0): drops the pending switch

private:
    int fd_ = -1;
    unsigned vt_ = 0;
};

// A numeric field of /proc/<pid>/status ("Threads", "VmSize" in kB ...); -1 if absent.
long procStatus(pid_t pid, const char* field);

// --- messages on the wire ------------------------------------------------------------------

// A method call sent without waiting; its serial identifies the reply in a MessageLog.
class AsyncCall {
public:
    AsyncCall(GDBusConnection* connection, const std::string& path, const std::string& iface, const std::string& method,
        GVariant* params = nullptr, int timeoutMs = 10000);
    ~AsyncCall();
    AsyncCall(const AsyncCall&) = delete;
    AsyncCall& operator=(const AsyncCall&) = delete;
    guint32 serial() const { return serial_; }
    bool finish(std::chrono::milliseconds timeout = std::chrono::seconds(10)); // iterates the main context
    bool done() const { return done_; }
    const Reply& reply() const { return reply_; }
    std::chrono::steady_clock::time_point sentAt() const { return sentAt_; }

private:
    static void onReply(GObject* source, GAsyncResult* result, gpointer data);

    struct State;
    std::shared_ptr<State> state_; // outlives us if the reply arrives after destruction
    guint32 serial_ = 0;
    bool done_ = false;
    Reply reply_;
    std::chrono::steady_clock::time_point sentAt_;
};

// Polls Manager.GetSessions until it is empty (after a leader left).
bool waitUntilNoSessions(Client& observer, std::chrono::milliseconds timeout);

// Iterates the default main context for `d`.
void spin(std::chrono::milliseconds d);

// --- the daemon on real VTs -------------------------------------------------------------------

// A parameterised fixture: the real daemon with --vt-watch=<param> on a private bus. `leader_`
// opens the sessions (and stays connected: they are its sessions); `client_` calls and its
// `log_` records what arrives.
class DaemonOnRealVt : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override;
    void TearDown() override;
    virtual std::vector<std::string> extraArgs() { return {}; }
    // Starts bus, daemon and clients (SetUp does it; tests that need the VT set first pass false).
    bool startDaemon();

    struct Opened {
        std::string cookie, path, id; // id: the path's last component ("Session3")
    };
    Opened openSession(GVariant* params); // OpenSessionWithParameters on leader_
    Opened openText(unsigned vt, uid_t user = 0);
    Opened openX(unsigned vt, const std::string& display, const std::string& displayDevice);
    Opened openXOnVt(unsigned vt) { return openX(vt, ":" + std::to_string(vt), "/dev/tty" + std::to_string(vt)); }

    Reply seatCall(const char* method, GVariant* params = nullptr);
    Reply sessionCall(const std::string& path, const char* method, GVariant* params = nullptr);
    std::string activeSession(); // GetActiveSession, "" when NoActiveSession
    bool isActive(const std::string& path);
    std::string sessionState(const std::string& path); // GetSessionState
    bool activeProperty(const std::string& path); // Properties.Get "active"
    // Waits until GetActiveSession returns `path` ("" = none).
    bool waitActive(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(3));

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> leader_;
    std::unique_ptr<Client> client_;
    std::unique_ptr<MessageLog> log_;
    bool started_ = false;
};

// "org.freedesktop.ConsoleKit.Session.Error.Failed" etc.
inline std::string errorName(const char* iface, const char* name)
{
    return std::string("org.freedesktop.ConsoleKit.") + iface + ".Error." + name;
}
GVariant* sessionParams(std::initializer_list<std::pair<const char*, GVariant*>> entries);
std::string modeName(const ::testing::TestParamInfo<std::string>& info);
long long micros(std::chrono::steady_clock::duration d);

} // namespace ck::test
