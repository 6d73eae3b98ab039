// Opens a ConsoleKit session for ck-launch-session and keeps it open: the daemon ends a session
// when the bus connection of the process that opened it closes, so this object is the session.
#pragma once

#include <gio/gio.h>

#include <optional>
#include <string>
#include <utility> // bus/glib_ptr.h uses std::exchange without including it

#include "bus/glib_ptr.h"
#include "util/result.h"

namespace ck::launch {

struct SessionRequest {
    // session-service of the new session (OpenSessionWithParameters); nullopt: plain OpenSession.
    std::optional<std::string> service;
};

class OpenedSession {
public:
    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured) on a private connection and
    // opens the session. The error says why; the caller carries on without a session.
    static Result<OpenedSession> open(const SessionRequest& request);

    OpenedSession(OpenedSession&&) noexcept = default;
    OpenedSession& operator=(OpenedSession&&) noexcept = default;
    ~OpenedSession();

    const std::string& cookie() const { return cookie_; }
    // Manager.GetSessionForCookie: the session's object path.
    Result<std::string> path() const;
    // Session.GetXDGRuntimeDir; an error when the daemon made none (it need not).
    Result<std::string> runtimeDir(const std::string& sessionPath) const;

private:
    OpenedSession(bus::ObjectPtr<GDBusConnection> connection, std::string cookie);

    bus::ObjectPtr<GDBusConnection> connection_;
    std::string cookie_;
};

} // namespace ck::launch
