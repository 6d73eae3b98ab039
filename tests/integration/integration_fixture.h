// Fixture of the integration tests: a private bus, the real daemon and a root client per test,
// plus the paths of the tool binaries under test.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <memory>
#include <string>
#include <utility>

#include "integration/tool_process.h"
#include "support/daemon_fixture.h"
#include "support/session_openers.h"
#include "support/test_bus.h"
#include "support/test_main.h"

namespace ck::test {

// The real daemon (root only) on a private dbus-daemon; checked by main() before any test runs.
inline const bool kIntegrationPrerequisites = declarePrerequisites({runAsRoot(), program("dbus-daemon")});

class IntegrationTest : public DaemonTest {
protected:
    // A tool run on this test's bus.
    ToolSpec tool(std::vector<std::string> argv) const
    {
        ToolSpec spec;
        spec.argv = std::move(argv);
        spec.env["DBUS_SYSTEM_BUS_ADDRESS"] = bus_->address();
        spec.env["XDG_SESSION_COOKIE"] = std::nullopt;
        spec.env["LC_ALL"] = "C";
        return spec;
    }

    // OpenSessionWithParameters on `c` (which then leads the session); returns the session path.
    std::string openSession(Client& c, std::initializer_list<std::pair<const char*, GVariant*>> parameters)
    {
        return openSessionOn(c, sessionParameters(parameters)).path;
    }

    std::string sessionForCookie(const std::string& cookie)
    {
        Reply path = client_->manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str()));
        return path.ok() ? stringOf(path) : std::string();
    }

    // The first child of a reply as text ("" for an error), for s and o replies.
    static std::string stringOf(const Reply& r) { return firstString(r); }

    std::string sessionString(const std::string& path, const char* method)
    {
        return stringOf(client_->call(path, kSessionIface, method));
    }

    std::vector<std::string> sessions()
    {
        std::vector<std::string> out;
        Reply r = client_->manager("GetSessions");
        if (!r.ok())
            return out;
        GVariantIter* iter = nullptr;
        const gchar* p = nullptr;
        g_variant_get(r.value, "(ao)", &iter);
        while (g_variant_iter_next(iter, "&o", &p))
            out.emplace_back(p);
        g_variant_iter_free(iter);
        return out;
    }

    // Polls GetSessions (a session ends asynchronously after its leader's connection closes).
    bool waitForSessionCount(std::size_t count)
    {
        return client_->waitFor([&] { return sessions().size() == count; });
    }
};

} // namespace ck::test
