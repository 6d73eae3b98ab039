// Fixture of the integration tests: a private bus, the real daemon and a root client per test,
// plus the paths of the tool binaries under test.
#pragma once

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
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
#include "support/test_bus.h"

namespace ck::test {

class IntegrationTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        skipUnless(::getuid() == 0, "the daemon runs as root only");
        bus_ = std::make_unique<TestBus>();
        ASSERT_TRUE(busAcceptsConnections()) << "the test bus does not accept connections";
        daemon_ = std::make_unique<Daemon>(*bus_);
        if (withDaemon()) {
            ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
        }
        client_ = std::make_unique<Client>(bus_->address());
    }
    void TearDown() override
    {
        client_.reset();
        if (daemon_ && daemon_->running()) {
            EXPECT_EQ(daemon_->stop(), 0) << daemon_->stderrText();
        }
        if (daemon_)
            unmountBelow(daemon_->root());
        daemon_.reset();
        bus_.reset();
    }

    // false: the bus without ConsoleKit on it.
    virtual bool withDaemon() const { return true; }

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
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        for (const auto& [name, value] : parameters)
            g_variant_builder_add(&b, "(sv)", name, value);
        Reply cookie = c.manager("OpenSessionWithParameters", g_variant_new("(a(sv))", &b));
        EXPECT_TRUE(cookie.ok()) << cookie.print();
        if (!cookie.ok())
            return {};
        return sessionForCookie(stringOf(cookie));
    }

    std::string sessionForCookie(const std::string& cookie)
    {
        Reply path = client_->manager("GetSessionForCookie", g_variant_new("(s)", cookie.c_str()));
        return path.ok() ? stringOf(path) : std::string();
    }

    // The first child of a reply as text ("" for an error), for s and o replies.
    static std::string stringOf(const Reply& r)
    {
        if (!r.ok())
            return {};
        GVariant* child = g_variant_get_child_value(r.value, 0);
        std::string s = g_variant_is_of_type(child, G_VARIANT_TYPE_STRING)
                || g_variant_is_of_type(child, G_VARIANT_TYPE_OBJECT_PATH)
            ? g_variant_get_string(child, nullptr)
            : "";
        g_variant_unref(child);
        return s;
    }

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

    // TestBus returns once the socket file exists, which dbus-daemon creates (bind) a moment
    // before it listens; a connection in that moment is refused.
    bool busAcceptsConnections() const
    {
        const std::string path = bus_->dir() + "/bus.sock";
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        for (int i = 0; i < 500; ++i) {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
            if (ok)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    // The daemon mounts a tmpfs on each user's runtime dir and leaves it when it stops (a
    // restarted daemon takes the sessions back); the test's temporary tree is ours to tidy.
    static void unmountBelow(const std::string& root)
    {
        std::ifstream mounts("/proc/self/mounts");
        for (std::string line; std::getline(mounts, line);) {
            std::istringstream fields(line);
            std::string device, target;
            fields >> device >> target;
            if (target.starts_with(root + "/"))
                ::umount2(target.c_str(), MNT_DETACH);
        }
    }

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> client_;
};

} // namespace ck::test
