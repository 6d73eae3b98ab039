// LogindView: the model as logind describes it — the rules of systemd-logind 252 that both the
// login1 D-Bus adaptor and the sd-login files (/run/systemd/{sessions,users,seats}) must agree on.
//
// Decisions (issue 14):
// - A session's login1 id is its ConsoleKit id ("Session3"): letters and digits, starting with a
//   letter, so it passes sd-login's session_id_valid() and its bus label is the id itself. Both
//   dialects name a session the same way, and the id comes back with the session after a restart.
// - Only static seats are login1 seats. A session on a ConsoleKit dynamic seat (remote, pty, no VT)
//   is seatless for logind, and a seatless session counts as active (logind's session_is_active).
// - Users are derived, not stored: a uid with at least one session.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ck::core {

class Manager;
class Seat;
class Session;

namespace logind {

// The seat logind would name: the session's static seat, or nullptr (seatless).
Seat* seatOf(const Session& session);
bool isSeat(const Seat& seat); // static seats only
bool isActive(const Session& session);
// "closing", "active" or "online".
const char* sessionState(const Session& session);
// logind's Type: "x11", "wayland", "mir", "tty", "web" or "unspecified". ConsoleKit's free-text
// session-type is taken when it is one of those; otherwise an X display makes it "x11", a VT or a
// tty device makes it "tty".
std::string sessionType(const Session& session);
// logind's Class: "user", "greeter", "lock-screen" or "background" ("user" for anything else).
std::string sessionClass(const Session& session);
// The user's name from the passwd database; the decimal uid when it has none.
std::string userName(uid_t uid);

struct User {
    uid_t uid = 0;
    std::vector<Session*> sessions; // by serial
    Session* display = nullptr; // elect_display: graphical > tty > web > unspecified, user/greeter class only
    std::string state; // "active", "online" or "closing"
};
// Users with sessions, by uid.
std::vector<uid_t> users(const Manager& manager);
// The user as logind would show it; `sessions` empty when the uid has none (state "offline").
User user(const Manager& manager, uid_t uid);

} // namespace logind
} // namespace ck::core
