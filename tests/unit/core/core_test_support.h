// Shared helpers for the core tests: session parameter builders and a log of Manager signals.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/manager.h"

namespace ck::core::test {

// A local text login on a console device ("/dev/tty2") or a pty ("/dev/pts/0").
SessionParams textSession(uid_t user, const std::string& device);
// A local X session as LightDM opens it: x11-display ":0", x11-display-device "/dev/tty7".
SessionParams x11Session(uid_t user, const std::string& display, const std::string& device);
// An ssh-style login: remote-host-name set, a pty, not local.
SessionParams remoteSession(uid_t user, const std::string& host);

// A leader with a fresh pid and bus name unless given.
Leader leaderOf(uid_t uid, pid_t pid = 0, std::string busName = {});

// Records every Manager signal as one readable line, e.g. "ActiveSessionChanged Seat1 Session1 -> Session2".
class SignalLog {
public:
    explicit SignalLog(Manager& manager);
    std::vector<std::string> events;
    void clear() { events.clear(); }
    std::size_t count(const std::string& event) const;

private:
    std::vector<Connection> connections_;
};

const char* propertyName(SessionProperty property);

// A Manager plus helpers that fail the test (by throwing from Result::value) when opening fails.
class CoreTest {
protected:
    Session& open(SessionParams params, Leader leader);
    Session& open(SessionParams params)
    {
        Leader leader = leaderOf(params.unixUser);
        return open(std::move(params), std::move(leader));
    }
    Seat& console() { return *manager.consoleSeat(); }

    Manager manager;
};

// CoreTest with the console seat (Seat1, "seat0") already added, so that fixture members may open
// sessions in their initializers.
class ConsoleTest : public CoreTest {
protected:
    ConsoleTest() { manager.addStaticSeat({}); }
};

} // namespace ck::core::test
