// Fuzz target: the environment handed to run-session.d / run-seat.d hooks (sessionHookEnv(),
// seatHookEnv()). The input is a session record's client-chosen strings, NUL-separated (no
// string from the bus or /proc holds a NUL). Every item must be one NAME=VALUE with a CK_ name
// and the value unchanged: a hook must not see a variable the client did not set.
#include <glib.h>

#include <set>

#include "fuzz_target.h"
#include "state/hooks.h"

namespace {

void check(const std::vector<std::string>& env)
{
    std::set<std::string> names;
    for (const auto& item : env) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || !item.starts_with("CK_"))
            ck::fuzz::violated("an item that is not CK_NAME=VALUE", item);
        const std::string name = item.substr(0, eq);
        if (name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
            ck::fuzz::violated("a variable name a client chose", name);
        if (!names.insert(name).second)
            ck::fuzz::violated("a variable set twice", name);
        if (item.find('\0') != std::string::npos)
            ck::fuzz::violated("an item with a NUL (execve would cut it)", item);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using ck::state::SessionRecord;
    const auto fields = ck::fuzz::splitFields(ck::fuzz::asText(data, size), '\0');
    auto field = [&](std::size_t i) { return i < fields.size() ? fields[i] : std::string(); };
    SessionRecord s;
    s.id = "/org/freedesktop/ConsoleKit/Session1";
    s.seatId = "/org/freedesktop/ConsoleKit/Seat1";
    s.service = field(0);
    s.type = field(1);
    s.displayDevice = field(2);
    s.x11DisplayDevice = field(3);
    s.x11Display = field(4);
    s.remoteHostName = field(5);
    s.uid = static_cast<uid_t>(g_str_hash(field(6).c_str()));
    s.isActive = field(7) == "1";
    s.isLocal = field(8) == "1";

    const auto sessionEnv = ck::state::sessionHookEnv(s);
    check(sessionEnv);
    // The client's strings arrive unchanged: CK_SESSION_X11_DISPLAY is always set.
    bool sawDisplay = false;
    for (const auto& item : sessionEnv)
        if (item == "CK_SESSION_X11_DISPLAY=" + s.x11Display)
            sawDisplay = true;
    if (!sawDisplay)
        ck::fuzz::violated("CK_SESSION_X11_DISPLAY lost or altered");
    SessionRecord other = s;
    other.id = "/org/freedesktop/ConsoleKit/Session2";
    check(ck::state::seatHookEnv("/org/freedesktop/ConsoleKit/Seat1", &s, &other));
    check(ck::state::seatHookEnv("/org/freedesktop/ConsoleKit/Seat1", nullptr, &s));
    return 0;
}
