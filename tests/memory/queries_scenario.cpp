// Memory scenario "queries": 10 000 read-only calls of every kind against 100 open sessions, 16 in
// flight on one connection; answering must not leak.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "memory/bus_load.h"
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

constexpr std::size_t kSessions = 100;
// Calls in flight: what a few busy desktop clients together would have outstanding.
constexpr std::size_t kWindow = 16;
constexpr const char* kSeat = "/org/freedesktop/ConsoleKit/Seat1";

// A process that carries a session's cookie in its environment, for GetSessionForUnixProcess.
class CookieCarrier {
public:
    explicit CookieCarrier(const std::string& cookie)
    {
        const std::string entry = "XDG_SESSION_COOKIE=" + cookie;
        pid_ = ::fork();
        if (pid_ == 0) {
            char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("600"), nullptr};
            char* envp[] = {const_cast<char*>(entry.c_str()), const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
            ::execve("/bin/sleep", argv, envp);
            ::_exit(127);
        }
        // Until the exec, /proc/<pid>/environ is still ours (without the cookie).
        const std::string environ = "/proc/" + std::to_string(pid_) + "/environ";
        for (int i = 0; i < 500; ++i) {
            std::ifstream in(environ);
            std::stringstream ss;
            ss << in.rdbuf();
            if (ss.str().find(entry) != std::string::npos)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    ~CookieCarrier()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    CookieCarrier(const CookieCarrier&) = delete;
    CookieCarrier& operator=(const CookieCarrier&) = delete;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

class ADaemonAnsweringQueries : public MemoryScenario {
protected:
    ADaemonAnsweringQueries() : MemoryScenario("queries") { }

    // Query i of a mix of every read-only call a desktop makes.
    CallSpec query(std::size_t i) const
    {
        const std::string& path = paths_[i % paths_.size()];
        const std::string& cookie = cookies_[i % cookies_.size()];
        switch (i % 12) {
        case 0:
            return {test::kManagerPath, test::kManagerIface, "GetSessions", nullptr};
        case 1:
            return {test::kManagerPath, test::kManagerIface, "GetSeats", nullptr};
        case 2:
            return {test::kManagerPath, test::kManagerIface, "GetSystemIdleHint", nullptr};
        case 3:
            return {
                test::kManagerPath, test::kManagerIface, "GetSessionForCookie", g_variant_new("(s)", cookie.c_str())};
        case 4:
            return {test::kManagerPath, test::kManagerIface, "GetSessionsForUnixUser",
                g_variant_new("(u)", 1000u + static_cast<unsigned>(i % 50))};
        case 5:
            return {test::kManagerPath, test::kManagerIface, "GetSessionForUnixProcess",
                g_variant_new("(u)", static_cast<guint32>(carrierPid_))};
        case 6:
            return {kSeat, test::kSeatIface, "GetSessions", nullptr};
        case 7:
            return {path, test::kSessionIface, "GetUnixUser", nullptr};
        case 8:
            return {path, test::kSessionIface, "IsActive", nullptr};
        case 9:
            return {path, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", test::kSessionIface)};
        case 10:
            return {path, "org.freedesktop.DBus.Introspectable", "Introspect", nullptr};
        default:
            return {test::kManagerPath, test::kManagerIface, "GetSystemIdleSinceHint", nullptr};
        }
    }

    std::vector<std::string> cookies_;
    std::vector<std::string> paths_;
    pid_t carrierPid_ = 0;
};

TEST_F(ADaemonAnsweringQueries, DoesNotGrowWhileAnsweringTenThousandOfThem)
{
    const long queries = budget("queries");
    startDaemon(defaultModeOptions(), std::chrono::milliseconds(1000));
    checkpoint("idle");
    test::Client leader(bus_->address());
    auto cookies = openSessions(leader.connection(), kSessions);
    ASSERT_TRUE(cookies) << cookies.error().message;
    cookies_ = *cookies;
    for (const auto& c : cookies_) {
        test::Reply r = client_->manager("GetSessionForCookie", g_variant_new("(s)", c.c_str()));
        ASSERT_TRUE(r.ok()) << r.print();
        const gchar* p = nullptr;
        g_variant_get(r.value, "(&o)", &p);
        paths_.emplace_back(p);
    }
    CookieCarrier carrier(cookies_[0]);
    carrierPid_ = carrier.pid();
    const auto before = checkpoint(std::to_string(kSessions) + " sessions");

    const auto run = [this](std::size_t count) {
        const auto t0 = std::chrono::steady_clock::now();
        auto replies = callMany(
            client_->connection(), count, [this](std::size_t i) { return query(i); }, kWindow);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("%zu queries in %.2fs (%.0f/s)\n", count, s, static_cast<double>(count) / s);
        return summarizeErrors(replies);
    };
    // Two halves: a leak grows with the count, so the second half must add nothing either.
    const std::size_t half = static_cast<std::size_t>(queries) / 2;
    EXPECT_EQ(run(half), "");
    idleFor(std::chrono::milliseconds(200));
    const auto warm = checkpoint(std::to_string(half) + " queries");
    EXPECT_EQ(run(half), "");
    idleFor(std::chrono::milliseconds(200));
    const auto done = checkpoint(std::to_string(2 * half) + " queries");

    leader.close();
    ASSERT_TRUE(waitForSessionCount(client_->connection(), 0));
    checkpoint("sessions closed");

    EXPECT_LE(done.vmRSS - before.vmRSS, budget("queries_rss_growth_max_kib"))
        << "VmRSS " << kib(before.vmRSS) << " before the queries, " << kib(done.vmRSS) << " after " << 2 * half;
    EXPECT_LE(done.vmRSS - warm.vmRSS, budget("queries_rss_growth_max_kib") / 2)
        << "VmRSS " << kib(warm.vmRSS) << " after " << half << " queries, " << kib(done.vmRSS) << " after " << 2 * half;
    EXPECT_LE(done.vmSize - warm.vmSize, budget("queries_vmsize_growth_max_kib"))
        << "the second " << half << " queries grew VmSize from " << kib(warm.vmSize) << " to " << kib(done.vmSize);
    EXPECT_EQ(done.threads, before.threads);
    expectThreadsAtMost(budget("threads_max"), 0, "queries");
}

} // namespace
} // namespace ck::memtest
