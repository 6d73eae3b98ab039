// Session: one login session as ConsoleKit knows it — who, where, which display, its hints.
// Plain data plus accessors; every change goes through Manager so that signals stay in one place.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/timestamps.h"

namespace ck::core {

class Seat;

enum class SessionState { Online, Active, Closing };
const char* sessionStateName(SessionState state);

inline constexpr const char* kObjectPrefix = "/org/freedesktop/ConsoleKit/";

// What a session is made of: values collected from the caller's process and the parameters of
// OpenSessionWithParameters.
struct SessionParams {
    uid_t unixUser = 0;
    std::string sessionType; // free text ("x11", "tty", "wayland", …); "" = unspecified
    std::string sessionClass = "user"; // user, greeter, lock-screen, background (not validated)
    std::string sessionService = "unspecified";
    std::string x11Display;
    std::string x11DisplayDevice;
    std::string displayDevice;
    std::string remoteHostName;
    std::string loginSessionId;
    bool isLocal = false;
    unsigned vtnr = 0; // 0 = derive from the devices
};

// The process that opened the session: it owns it, and the session ends when its bus
// connection goes away.
struct Leader {
    uid_t uid = 0;
    pid_t pid = 0;
    std::string busName; // unique name, ":1.42"
    unsigned long long pidStartTime = 0; // /proc/PID/stat field 22: tells a recycled pid apart
};

// VT number of "/dev/ttyN" (1..63), 0 for anything else (pty, serial line, empty).
unsigned vtOfDevice(const std::string& device);

class Session {
public:
    Session(unsigned serial, std::string cookie, SessionParams params, Leader leader, Microseconds created);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    unsigned serial() const noexcept { return serial_; }
    const std::string& path() const noexcept { return path_; }
    std::string id() const { return path_.substr(path_.rfind('/') + 1); }
    const std::string& cookie() const noexcept { return cookie_; }
    const SessionParams& params() const noexcept { return params_; }
    const Leader& leader() const noexcept { return leader_; }
    Seat* seat() const noexcept { return seat_; }
    Microseconds creationTime() const noexcept { return created_; }
    unsigned vtnr() const noexcept { return vtnr_; }
    // The device whose VT makes this session the active one: x11-display-device, else display-device.
    const std::string& consoleDevice() const;

    bool isActive() const noexcept { return active_; }
    SessionState state() const noexcept { return state_; }
    bool idleHint() const noexcept { return idleHint_; }
    Microseconds idleSince() const noexcept { return idleSince_; }
    bool lockedHint() const noexcept { return lockedHint_; }
    const std::string& runtimeDir() const noexcept { return runtimeDir_; }

private:
    friend class Manager;
    friend class Seat;

    unsigned serial_;
    std::string path_;
    std::string cookie_;
    SessionParams params_;
    Leader leader_;
    Microseconds created_;
    unsigned vtnr_ = 0;
    Seat* seat_ = nullptr;
    bool active_ = false;
    SessionState state_ = SessionState::Online;
    bool idleHint_ = false;
    Microseconds idleSince_ = 0;
    bool lockedHint_ = false;
    std::string runtimeDir_;
};

} // namespace ck::core
