// Manager: the one owner of seats and sessions, and the rules between them — seat assignment,
// the active session of the console seat, idle hints, who may close or activate what.
// Knows nothing of D-Bus: adaptors call its typed methods and subscribe to its typed signals.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/seat.h"
#include "core/session.h"
#include "util/result.h"
#include "util/timestamps.h"
#include "util/typed_signal.h"

namespace ck::core {

// Session properties that clients observe (names as on the bus).
enum class SessionProperty { Active, IdleHint, LockedHint, State, RuntimeDir };

// Caps on what callers can make the daemon hold (issue 16.3/18.4). Restored sessions are not
// refused: they were admitted before the restart.
struct SessionLimits {
    std::size_t total = 8192; // logind's SessionsMax
    std::size_t perUser = 256; // sessions whose unix-user is one uid
};

class Manager {
public:
    Manager();
    ~Manager();
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;

    // --- seats -------------------------------------------------------------------------------
    // The first static seat becomes the console seat (Seat1, name "seat0").
    Seat& addStaticSeat(std::vector<Device> devices);
    Seat* consoleSeat() const noexcept { return console_; }
    std::vector<Seat*> seats() const; // by serial
    // Accepts "/org/freedesktop/ConsoleKit/Seat1", "Seat1" and the seat name ("seat0").
    Seat* findSeat(std::string_view idOrPath) const;

    // --- sessions ----------------------------------------------------------------------------
    // Busy when a SessionLimits cap is reached.
    Result<Session*> openSession(SessionParams params, Leader leader);
    void setLimits(SessionLimits limits) { limits_ = limits; }
    const SessionLimits& limits() const noexcept { return limits_; }
    // Only the leader (same uid and pid) may close.
    Result<void> closeSession(std::string_view cookie, uid_t callerUid, pid_t callerPid);
    // The leader's bus connection went away: its sessions end. Returns how many ended.
    std::size_t leaderVanished(std::string_view busName);
    void removeSession(Session& session);

    std::vector<Session*> sessions() const; // by serial
    std::size_t sessionCount() const noexcept { return sessions_.size(); }
    Session* findSessionByCookie(std::string_view cookie) const;
    // Accepts "/org/freedesktop/ConsoleKit/Session3" and "Session3".
    Session* findSession(std::string_view idOrPath) const;
    std::vector<Session*> sessionsOfUser(uid_t uid) const;
    bool hasLeader(std::string_view busName) const;
    // 0.4.6's rule for OpenSession: a new session of `uid` is local when a local session of the
    // same uid with the same audit login-session-id vouches for it. Another user's session never
    // does (the audit id is inherited across setuid, and a reused pid carries someone else's).
    bool localityVouchedFor(std::string_view loginSessionId, uid_t uid) const;

    // --- restore after a restart --------------------------------------------------------------
    struct Restored {
        unsigned serial = 0;
        std::string cookie;
        SessionParams params;
        Leader leader;
        Microseconds created = 0;
        std::string seatPath; // where it was; a dynamic seat is recreated with its serial
        bool idleHint = false;
        Microseconds idleSince = 0;
        bool lockedHint = false;
        std::string runtimeDir;
    };
    Result<Session*> restoreSession(Restored r);
    unsigned nextSessionSerial() const noexcept { return nextSessionSerial_; }
    unsigned nextSeatSerial() const noexcept { return nextSeatSerial_; }
    void setNextSerials(unsigned session, unsigned seat);

    // --- VTs and activation ----------------------------------------------------------------------
    // The kernel's active VT changed (or was read at start-up): re-evaluate the console seat.
    void setActiveVt(unsigned vt);
    unsigned activeVt() const noexcept { return activeVt_; }
    // The VT that activating this session switches to; errors for dynamic seats, no VT, already active.
    Result<unsigned> activationTarget(const Session& session) const;
    // Root, or a caller with a session of its own on that seat.
    bool mayActivateOn(uid_t callerUid, const Seat& seat) const;

    // --- hints -------------------------------------------------------------------------------
    void setIdleHint(Session& session, bool idle);
    void setLockedHint(Session& session, bool locked);
    void lock(Session& session); // LockedHint = true and the Lock signal
    void unlock(Session& session);
    void setRuntimeDir(Session& session, std::string dir);
    bool systemIdleHint() const noexcept { return systemIdle_; }
    Microseconds systemIdleSince() const noexcept { return systemIdleSince_; }
    // An idle block inhibitor forces the system idle hint to false.
    void setIdleInhibited(bool inhibited);

    // Distinct users with sessions (for the "-multiple-users" power actions).
    std::size_t distinctUsers(const std::function<bool(uid_t)>& counts) const;

    // --- signals ------------------------------------------------------------------------------
    Signal<Seat&> seatAdded;
    Signal<Seat&> seatRemoved; // still alive while emitted
    Signal<Session&> sessionAdded; // after seat assignment
    Signal<Session&> sessionRemoved; // unlinked, still alive while emitted
    Signal<Seat&, Session*, Session*> activeSessionChanged; // seat, old, new
    Signal<Session&, SessionProperty> sessionChanged;
    Signal<Session&, bool> idleHintChanged;
    Signal<bool> systemIdleHintChanged;
    Signal<Session&> lockRequested;
    Signal<Session&> unlockRequested;

private:
    Seat& createSeat(unsigned serial, SeatKind kind, std::vector<Device> devices, std::string name);
    void destroySeat(Seat& seat);
    unsigned allocateSessionSerial();
    unsigned allocateSeatSerial();
    std::string newCookie() const;
    bool belongsOnConsole(const Session& s) const;
    void attach(Session& s, Seat* preferred);
    // `departed`: the active session that was just removed (already unlinked and deactivated).
    void updateActive(Seat& seat, Session* departed = nullptr);
    void setActive(Session& s, bool active);
    void recomputeSystemIdle();

    std::map<unsigned, std::unique_ptr<Seat>> seats_;
    std::map<unsigned, std::unique_ptr<Session>> sessions_;
    std::unordered_map<std::string, Session*> byCookie_;
    // Sessions by their leader's unique bus name: a NameOwnerChanged costs one look-up, not a scan.
    std::unordered_multimap<std::string, Session*> byLeader_;
    Seat* console_ = nullptr;
    unsigned nextSessionSerial_ = 1;
    unsigned nextSeatSerial_ = 1;
    unsigned activeVt_ = 0;
    bool systemIdle_ = true;
    Microseconds systemIdleSince_ = 0;
    bool idleInhibited_ = false;
    SessionLimits limits_;
};

} // namespace ck::core
