// Fixture for bus tests: one private bus and one daemon per test (support/daemon_fixture.h),
// without a console, plus the bus tests' own calls and session openers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "bus/bus_helpers.h"
#include "support/daemon_fixture.h"
#include "support/test_bus.h"
#include "support/test_main.h"

namespace ck::test {

// Checked by main() before any test runs.
// Every bus test runs the real daemon (root only) on a private dbus-daemon; some call as uid 65534.
inline const bool kBusPrerequisites = declarePrerequisites({runAsRoot(), program("dbus-daemon"), program("setpriv")});

class BusTest : public DaemonTest {
protected:
    // The daemon gets no console: with --vt-watch=none it would still open /dev/tty0 and an
    // activation would switch the machine's VT for real. Without one every switch answers
    // NotSupported "No consoles available" and no session is ever active.
    DaemonOptions options() override { return withoutConsole({}); }
    static DaemonOptions withoutConsole(DaemonOptions o)
    {
        o.extraArgs.push_back("--console=/nonexistent/ck-bus-tests-no-console");
        return o;
    }

    // Opens a session with parameters as root; returns the session path.
    std::string openWithParameters(Client& c, GVariant* params) { return openSessionOn(c, params).path; }

    using Opened = OpenedSession;
    // OpenSessionWithParameters on `c`: the cookie and the session path (empty on failure).
    Opened open(Client& c, GVariant* params) { return openSessionOn(c, params); }
    // A local text session of root on `tty` (the console seat when tty is a VT).
    Opened openTextSession(Client& c, const char* tty = "/dev/tty5") { return open(c, textSessionParameters(tty)); }
    // A local X11 session of root on the VT of `vtDevice` (the console seat). Unlike a text session
    // it has no tty idle monitor in the daemon, so its idle hint changes only by SetIdleHint.
    Opened openGraphicalSession(Client& c, const char* vtDevice = "/dev/tty7", const char* display = ":0")
    {
        return open(c, x11SessionParameters(display, vtDevice));
    }
    // A remote (ssh-like) session of root: it gets a dynamic seat of its own.
    Opened openRemoteSession(Client& c, const char* host = "remote.example.org")
    {
        return open(c, remoteSessionParameters(host));
    }

    Reply session(const std::string& path, const char* method, GVariant* params = nullptr)
    {
        return client_->call(path, kSessionIface, method, params);
    }
    Reply seat(const std::string& path, const char* method, GVariant* params = nullptr)
    {
        return client_->call(path, kSeatIface, method, params);
    }
    Reply properties(const std::string& path, const char* method, GVariant* params)
    {
        return client_->call(path, kPropertiesIface, method, params);
    }
    // The daemon still runs and answers.
    ::testing::AssertionResult daemonAnswers()
    {
        if (!daemon_->running())
            return ::testing::AssertionFailure() << "the daemon is gone: " << daemon_->stderrText();
        Reply r = client_->manager("GetSeats");
        if (!r.ok())
            return ::testing::AssertionFailure() << "GetSeats failed: " << r.print();
        return ::testing::AssertionSuccess();
    }
};

} // namespace ck::test
