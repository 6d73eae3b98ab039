// LogindView: logind 252's derived facts (active, state, type, class, users, display session).
#include "core/logind_view.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/manager.h"
#include "core/seat.h"
#include "core/session.h"

namespace ck::core::logind {

bool isSeat(const Seat& seat)
{
    return seat.kind() == SeatKind::Static;
}

Seat* seatOf(const Session& session)
{
    Seat* seat = session.seat();
    return seat != nullptr && isSeat(*seat) ? seat : nullptr;
}

bool isActive(const Session& session)
{
    return seatOf(session) == nullptr || session.isActive();
}

const char* sessionState(const Session& session)
{
    if (session.state() == SessionState::Closing)
        return "closing";
    return isActive(session) ? "active" : "online";
}

std::string sessionType(const Session& session)
{
    static constexpr std::array<const char*, 5> kTypes = {"x11", "wayland", "mir", "tty", "web"};
    const SessionParams& p = session.params();
    for (const char* t : kTypes)
        if (p.sessionType == t)
            return t;
    if (!p.x11Display.empty())
        return "x11";
    if (session.vtnr() != 0 || p.displayDevice.rfind("/dev/tty", 0) == 0 || p.displayDevice.rfind("/dev/pts/", 0) == 0)
        return "tty";
    return "unspecified";
}

std::string sessionClass(const Session& session)
{
    static constexpr std::array<const char*, 4> kClasses = {"user", "greeter", "lock-screen", "background"};
    for (const char* c : kClasses)
        if (session.params().sessionClass == c)
            return c;
    return "user";
}

std::string userName(uid_t uid)
{
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::string buffer(size > 0 ? static_cast<std::size_t>(size) : 16384, '\0');
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        return found->pw_name;
    return std::to_string(uid);
}

std::vector<uid_t> users(const Manager& manager)
{
    std::set<uid_t> uids;
    for (Session* s : manager.sessions())
        uids.insert(s->params().unixUser);
    return {uids.begin(), uids.end()};
}

namespace {
// elect_display_filter + elect_display_compare of logind 252: higher is better.
int displayRank(const Session& s)
{
    const std::string type = sessionType(s);
    if (type == "x11" || type == "wayland" || type == "mir")
        return 4;
    if (type == "tty")
        return 3;
    if (type == "web")
        return 2;
    return 1;
}
} // namespace

User user(const Manager& manager, uid_t uid)
{
    User u;
    u.uid = uid;
    u.sessions = manager.sessionsOfUser(uid);
    bool anyActive = false;
    bool anyOnline = false;
    for (Session* s : u.sessions) {
        if (s->state() == SessionState::Closing)
            continue;
        anyOnline = true;
        anyActive = anyActive || isActive(*s);
        const std::string cls = sessionClass(*s);
        if (cls != "user" && cls != "greeter")
            continue;
        if (u.display == nullptr || displayRank(*s) > displayRank(*u.display))
            u.display = s;
    }
    u.state = u.sessions.empty() ? "offline" : anyActive ? "active" : anyOnline ? "online" : "closing";
    return u;
}

} // namespace ck::core::logind
