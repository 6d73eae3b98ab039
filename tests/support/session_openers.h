// Opening sessions from a test: the OpenSessionWithParameters arguments, the call and the
// GetSessionForCookie look-up, and the typical sessions (text on a VT, X11, remote).
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <initializer_list>
#include <string>
#include <utility>

#include "support/test_bus.h"

namespace ck::test {

// The argument tuple "(a(sv))" of OpenSessionWithParameters (floating).
GVariant* sessionParameters(std::initializer_list<std::pair<const char*, GVariant*>> entries);
// The first child of a successful reply as a string, for s and o replies ("" otherwise).
std::string firstString(const Reply& reply);

struct OpenedSession {
    std::string cookie;
    std::string path; // "" when the call failed
    std::string id; // the path's last component ("Session3")
    std::string error; // the failed reply, printed
    bool ok() const { return !path.empty(); }
};
// OpenSessionWithParameters through `c` (which then leads the session), then GetSessionForCookie.
OpenedSession openSessionWith(Client& c, GVariant* params);

// The parameters of the usual local and remote sessions of `user`.
GVariant* textSessionParameters(const std::string& tty, uid_t user = 0);
GVariant* x11SessionParameters(
    const std::string& display, const std::string& vtDevice, const std::string& displayDevice = "", uid_t user = 0);
GVariant* remoteSessionParameters(const std::string& host, uid_t user = 0);

} // namespace ck::test
