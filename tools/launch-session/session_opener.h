// Opens a ConsoleKit session for ck-launch-session through libck-connector (the one client of
// OpenSession in the tree) and keeps it open: the daemon ends a session when the bus connection
// of the process that opened it closes, so this object is the session.
#pragma once

#include <optional>
#include <string>

#include "util/result.h"

struct _CkConnector;

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

    OpenedSession(OpenedSession&& other) noexcept;
    OpenedSession& operator=(OpenedSession&& other) noexcept;
    OpenedSession(const OpenedSession&) = delete;
    OpenedSession& operator=(const OpenedSession&) = delete;
    ~OpenedSession();

    const std::string& cookie() const { return cookie_; }
    // The session's XDG_RUNTIME_DIR; an error when the daemon made none (it need not).
    Result<std::string> runtimeDir() const;

private:
    OpenedSession(_CkConnector* connector, std::string cookie);

    _CkConnector* connector_ = nullptr; // one reference, dropped by the destructor
    std::string cookie_;
};

} // namespace ck::launch
