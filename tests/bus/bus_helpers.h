// Helpers of the bus tests beyond the shared harness: a second client process (ck-bus-peer),
// a process with a chosen environment, an in-order log of every message a connection receives,
// OpenSessionWithParameters argument building and reply assertions.
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "support/session_openers.h" // sessionParameters, firstString
#include "support/message_log.h"
#include "support/test_bus.h"

namespace ck::test {

inline const char* const kSeat1 = "/org/freedesktop/ConsoleKit/Seat1";
inline const char* const kSessionPrefix = "/org/freedesktop/ConsoleKit/Session";
inline const char* const kUnknownSession = "/org/freedesktop/ConsoleKit/Session999";
inline const char* const kUnknownSeat = "/org/freedesktop/ConsoleKit/Seat999";
inline const char* const kPropertiesIface = "org.freedesktop.DBus.Properties";
constexpr uid_t kNobody = 65534;

// Error names the daemon uses (ConsoleKit2's registered names, DESIGN §2).
inline const std::string kManagerError = "org.freedesktop.ConsoleKit.Manager.Error.";
inline const std::string kSeatError = "org.freedesktop.ConsoleKit.Seat.Error.";
inline const std::string kSessionError = "org.freedesktop.ConsoleKit.Session.Error.";
inline const std::string kUnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
inline const std::string kInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
inline const std::string kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";

// The reply has exactly this GVariant type and prints (with type annotations) as expected.
::testing::AssertionResult isReply(const Reply& reply, const char* type, const std::string& printed);
// The reply is the named D-Bus error and its message contains `messagePart`.
::testing::AssertionResult isError(const Reply& reply, const std::string& name, const std::string& messagePart);

// ck-bus-peer in a child process (see bus_peer.cpp): a client with its own pid, optionally as
// another uid (setpriv), a clean environment plus `env`, and no controlling terminal.
class Peer {
public:
    Peer(const std::string& address, uid_t uid = 0, const std::map<std::string, std::string>& extraEnv = {});
    ~Peer();
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    bool ready() const { return !uniqueName_.empty(); }
    const std::string& uniqueName() const { return uniqueName_; }
    pid_t pid() const { return pid_; }
    // One call; the reply line ("(...)" or "ERROR name: message").
    std::string call(const std::string& path, const std::string& ifaceDotMethod, const std::string& args = "()");
    std::string manager(const std::string& method, const std::string& args = "()");
    // The cookie of a successful OpenSession reply line "('cookie',)", else "".
    static std::string cookieOf(const std::string& replyLine);
    int quit(); // closes its stdin (it disconnects) and returns its exit status

private:
    std::string readLine();

    pid_t pid_ = -1;
    int in_ = -1; // its stdin
    int out_ = -1; // its stdout
    std::string buffer_;
    std::string uniqueName_;
};

// /bin/sleep with exactly the given environment; killed and reaped on destruction. The
// constructor returns after the exec, so /proc/PID/environ already shows `env`.
class ProcessWithEnvironment {
public:
    explicit ProcessWithEnvironment(const std::map<std::string, std::string>& environment);
    ~ProcessWithEnvironment();
    ProcessWithEnvironment(const ProcessWithEnvironment&) = delete;
    ProcessWithEnvironment& operator=(const ProcessWithEnvironment&) = delete;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

// The interface names a node's introspection XML declares, and its child nodes.
struct Introspection {
    std::vector<std::string> interfaces;
    std::vector<std::string> nodes;
    GDBusNodeInfo* info = nullptr; // owned
    explicit Introspection(const Reply& reply);
    ~Introspection();
    Introspection(const Introspection&) = delete;
    Introspection& operator=(const Introspection&) = delete;
};

} // namespace ck::test
