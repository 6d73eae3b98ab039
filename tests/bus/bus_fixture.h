// Fixture for bus tests: one private bus and one daemon per test.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <memory>
#include <string>

#include "bus/bus_helpers.h"
#include "support/test_bus.h"

namespace ck::test {

class BusTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        bus_ = std::make_unique<TestBus>();
        daemon_ = std::make_unique<Daemon>(*bus_, options());
        ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
        client_ = std::make_unique<Client>(bus_->address());
    }
    void TearDown() override
    {
        client_.reset();
        if (daemon_ && daemon_->running()) {
            EXPECT_EQ(daemon_->stop(), 0) << daemon_->stderrText();
        }
        if (daemon_)
            releaseRuntimeDirs();
        daemon_.reset();
        bus_.reset();
    }
    // The daemon keeps the users' XDG_RUNTIME_DIRs (tmpfs mounts under <root>/user) when it stops,
    // for a restart; detach them so that the temporary directory can be removed.
    void releaseRuntimeDirs()
    {
        const std::string parent = daemon_->root() + "/user";
        DIR* d = ::opendir(parent.c_str());
        if (d == nullptr)
            return;
        while (dirent* e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name != "." && name != "..")
                ::umount2((parent + "/" + name).c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
        }
        ::closedir(d);
    }
    // The daemon gets no console: with --vt-watch=none it would still open /dev/tty0 and an
    // activation would switch the machine's VT for real. Without one every switch answers
    // NotSupported "No consoles available" and no session is ever active.
    virtual DaemonOptions options() { return withoutConsole({}); }
    static DaemonOptions withoutConsole(DaemonOptions o)
    {
        o.extraArgs.push_back("--console=/nonexistent/ck-bus-tests-no-console");
        return o;
    }

    // Opens a session with parameters as root; returns the session path.
    std::string openWithParameters(Client& c, GVariant* params)
    {
        Reply cookie = c.manager("OpenSessionWithParameters", params);
        EXPECT_TRUE(cookie.ok()) << cookie.print();
        if (!cookie.ok())
            return {};
        const gchar* ck = nullptr;
        g_variant_get(cookie.value, "(&s)", &ck);
        Reply path = c.manager("GetSessionForCookie", g_variant_new("(s)", ck));
        EXPECT_TRUE(path.ok()) << path.print();
        const gchar* p = nullptr;
        g_variant_get(path.value, "(&o)", &p);
        return p;
    }

    struct Opened {
        std::string cookie;
        std::string path;
    };
    // OpenSessionWithParameters on `c`: the cookie and the session path (empty on failure).
    Opened open(Client& c, GVariant* params)
    {
        Opened o;
        Reply cookie = c.manager("OpenSessionWithParameters", params);
        EXPECT_TRUE(cookie.ok()) << cookie.print();
        o.cookie = firstString(cookie);
        if (o.cookie.empty())
            return o;
        o.path = firstString(c.manager("GetSessionForCookie", g_variant_new("(s)", o.cookie.c_str())));
        EXPECT_FALSE(o.path.empty());
        return o;
    }
    // A local text session of root on `tty` (the console seat when tty is a VT).
    Opened openTextSession(Client& c, const char* tty = "/dev/tty5")
    {
        return open(c,
            sessionParameters({{"unix-user", g_variant_new_int32(0)}, {"session-type", g_variant_new_string("tty")},
                {"display-device", g_variant_new_string(tty)}, {"x11-display", g_variant_new_string("")},
                {"x11-display-device", g_variant_new_string("")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    }
    // A local X11 session of root on the VT of `vtDevice` (the console seat). Unlike a text session
    // it has no tty idle monitor in the daemon, so its idle hint changes only by SetIdleHint.
    Opened openGraphicalSession(Client& c, const char* vtDevice = "/dev/tty7", const char* display = ":0")
    {
        return open(c,
            sessionParameters({{"unix-user", g_variant_new_int32(0)}, {"session-type", g_variant_new_string("x11")},
                {"x11-display", g_variant_new_string(display)}, {"x11-display-device", g_variant_new_string(vtDevice)},
                {"display-device", g_variant_new_string("")}, {"is-local", g_variant_new_boolean(TRUE)}}));
    }
    // A remote (ssh-like) session of root: it gets a dynamic seat of its own.
    Opened openRemoteSession(Client& c, const char* host = "remote.example.org")
    {
        return open(c,
            sessionParameters({{"unix-user", g_variant_new_int32(0)}, {"remote-host-name", g_variant_new_string(host)},
                {"display-device", g_variant_new_string("/dev/pts/7")}, {"x11-display", g_variant_new_string("")},
                {"is-local", g_variant_new_boolean(FALSE)}}));
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

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> client_;
};

} // namespace ck::test
