// Bus load for the memory scenarios: many asynchronous calls in flight on ONE connection (as a
// busy display manager would send them), sessions opened and closed in bulk, waiting for counts.
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "support/test_bus.h"
#include "util/result.h"

namespace ck::memtest {

struct CallSpec {
    std::string path;
    std::string iface;
    std::string method;
    GVariant* params = nullptr; // floating or owned; the call consumes it
};

// dbus-daemon lets a connection have at most 128 calls awaiting a reply (max_replies_per_connection,
// the system bus default our test bus keeps); more are answered with LimitsExceeded.
inline constexpr std::size_t kMaxInFlight = 100;

// Sends make(0) … make(count-1) to org.freedesktop.ConsoleKit on `connection` with up to `window`
// calls in flight, iterating the thread-default main context until every reply is in. Replies are
// returned in call order. A call still unanswered after `timeout` overall is reported as an error.
std::vector<test::Reply> callMany(GDBusConnection* connection, std::size_t count,
    const std::function<CallSpec(std::size_t)>& make, std::size_t window = kMaxInFlight,
    std::chrono::milliseconds timeout = std::chrono::seconds(300));

// The first error among replies as "N of M calls failed, first: <name: message>"; empty if none.
std::string summarizeErrors(const std::vector<test::Reply>& replies);

// OpenSessionWithParameters (as root, like pam_ck_connector) for a text login on /dev/tty<vt>:
// local, so the session joins the static seat and becomes active when its VT is in front.
GVariant* textLoginParameters(unsigned uid, unsigned vt);

// Opens `count` text-login sessions, all calls in flight together (up to kMaxInFlight): session i
// belongs to uid firstUid + i % 50 and sits on VT vtOf(i). Returns the cookies in call order.
Result<std::vector<std::string>> openSessions(GDBusConnection* connection, std::size_t count, unsigned firstUid = 1000);
unsigned vtOf(std::size_t index); // i % 63 + 1: sessions 0..62 cover VTs 1..63

// CloseSession for each cookie (the caller must be the process that opened them).
Result<void> closeSessions(GDBusConnection* connection, const std::vector<std::string>& cookies);

Result<std::size_t> sessionCount(GDBusConnection* connection);
// Polls GetSessions until it has `count` entries.
bool waitForSessionCount(
    GDBusConnection* connection, std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(180));

} // namespace ck::memtest
