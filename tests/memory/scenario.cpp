// MemoryScenario implementation.
#include "memory/scenario.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "memory/bus_load.h"
#include "memory/console_switcher.h"

namespace ck::memtest {

MemoryScenario::MemoryScenario(std::string scenario) : scenario_(std::move(scenario)) { }

void MemoryScenario::SetUp()
{
    test::skipUnless(::geteuid() == 0, "the daemon must run as root");
    checkRequirements();
    // In production the daemon's rundir is /run, a tmpfs, where its fsync()s cost nothing; on a
    // disk they would dominate every OpenSession and make the scenarios slow, not the daemon big.
    if (std::getenv("TMPDIR") == nullptr && ::access("/dev/shm", W_OK) == 0)
        ::setenv("TMPDIR", "/dev/shm", 1);
    // Measure the daemon as the shipped service files run it: G_SLICE=always-malloc (GLib < 2.76
    // keeps freed slices in per-thread magazines without it) and glibc without its tcache. G_DEBUG=gc-friendly is for
    // valgrind, not for budgets (the valgrind scenario sets it for its daemon itself).
    ::setenv("G_SLICE", "always-malloc", 1);
    ::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1); // as the service files (malloc_policy.h)
    ::unsetenv("G_DEBUG");
    // meson sets MALLOC_PERTURB_ for every test: glibc would then write every block it hands out
    // or takes back, touching pages the daemon itself never would (VmRSS would not be the daemon's).
    ::unsetenv("MALLOC_PERTURB_");
    auto b = Budgets::load(defaultBudgetsPath());
    ASSERT_TRUE(b) << b.error().message;
    budgets_ = std::move(b).value();
    trace_ = std::make_unique<MemoryTrace>(scenario_, std::chrono::milliseconds(50));
    bus_ = std::make_unique<test::TestBus>();
}

void MemoryScenario::TearDown()
{
    client_.reset();
    if (daemon_ && daemon_->running()) {
        EXPECT_EQ(stopDaemon(), 0) << daemon_->stderrText();
    }
    if (trace_) {
        auto r = trace_->writeArtifacts(artifactDir());
        EXPECT_TRUE(r) << r.error().message;
    }
    trace_.reset();
    daemon_.reset();
    bus_.reset();
}

void MemoryScenario::startDaemon(test::DaemonOptions options, std::chrono::milliseconds settle)
{
    client_.reset();
    if (daemon_ && daemon_->running()) {
        EXPECT_EQ(stopDaemon(), 0) << daemon_->stderrText();
    }
    // CK_DAEMON_WRAPPER (e.g. "valgrind --tool=massif ...") runs the daemon under a tool; see
    // tools/valgrind/profile.sh. Budgets do not hold under such a tool.
    if (options.wrapper.empty())
        options.wrapper = test::env("CK_DAEMON_WRAPPER");
    // A binary linked moments ago has page-cache pages not yet written back: smaps counts those
    // as the daemon's Private_Dirty (about 860 KiB of its text) until writeback. Write it back.
    if (const int fd = ::open(test::env("CK_DAEMON", "console-kit-daemon").c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    daemon_ = std::make_unique<test::Daemon>(*bus_, std::move(options));
    ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
    trace_->follow(daemon_->pid());
    client_ = std::make_unique<test::Client>(bus_->address());
    idleFor(settle);
}

int MemoryScenario::stopDaemon()
{
    trace_->follow(0);
    return daemon_->stop();
}

long MemoryScenario::budget(const std::string& key)
{
    auto v = budgets_.get(key);
    EXPECT_TRUE(v) << v.error().message;
    return v ? *v : 0;
}

procfs::StatusMemory MemoryScenario::checkpoint(const std::string& name)
{
    auto st = trace_->checkpoint(name);
    EXPECT_TRUE(st) << st.error().message;
    return st ? *st : procfs::StatusMemory{};
}

Sample MemoryScenario::footprint(const std::string& name)
{
    auto s = trace_->checkpointSample(name);
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : Sample{};
}

void MemoryScenario::idleFor(std::chrono::milliseconds d)
{
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
        while (g_main_context_iteration(nullptr, FALSE)) { }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void MemoryScenario::expectThreadsAtMost(long max, double since, const std::string& what)
{
    for (const auto& s : trace_->samples()) {
        if (s.seconds < since || s.status.threads <= max)
            continue;
        ADD_FAILURE() << what << ": " << s.status.threads << " threads at t=" << s.seconds << "s"
                      << (s.checkpoint.empty() ? "" : " (" + s.checkpoint + ")") << ", budget " << max;
        return;
    }
}

MemoryScenario::VtVisit MemoryScenario::visitAllVts(
    ConsoleSwitcher& console, test::Client& leader, const std::string& label)
{
    VtVisit visit;
    constexpr unsigned kVts = 63;
    auto cookies = openSessions(leader.connection(), kVts);
    EXPECT_TRUE(cookies) << cookies.error().message;
    if (!cookies)
        return {};
    std::map<unsigned, std::string> pathOfVt;
    for (std::size_t i = 0; i < cookies->size(); ++i) {
        test::Reply r = client_->manager("GetSessionForCookie", g_variant_new("(s)", (*cookies)[i].c_str()));
        EXPECT_TRUE(r.ok()) << r.print();
        const gchar* path = "";
        if (r.ok())
            g_variant_get(r.value, "(&o)", &path);
        pathOfVt[vtOf(i)] = path;
    }
    visit.opened = checkpoint(label + "63 sessions");

    const auto activeSessionIs = [&](const std::string& path) {
        return client_->waitFor(
            [&] {
                test::Reply r
                    = client_->call("/org/freedesktop/ConsoleKit/Seat1", test::kSeatIface, "GetActiveSession");
                return r.ok() && r.print() == "(objectpath '" + path + "',)";
            },
            std::chrono::seconds(5));
    };
    for (unsigned vt = 1; vt <= kVts; ++vt) {
        auto r = console.switchTo(vt);
        EXPECT_TRUE(r) << r.error().message;
        if (!r)
            break;
        // The daemon must have followed: its active session is the one on this VT.
        EXPECT_TRUE(activeSessionIs(pathOfVt[vt])) << "the daemon did not follow the switch to VT " << vt;
        if (vt % 16 == 0 || vt == kVts)
            checkpoint(label + "VT " + std::to_string(vt));
    }
    auto back = console.restore();
    EXPECT_TRUE(back) << back.error().message;
    EXPECT_TRUE(activeSessionIs(pathOfVt[console.original()]));
    visit.visited = checkpoint(label + "back on VT " + std::to_string(console.original()));
    visit.cookies = std::move(cookies).value();
    return visit;
}

test::DaemonOptions defaultModeOptions()
{
    test::DaemonOptions o;
    o.vtWatch = "auto";
    return o;
}

void skipUnlessVtConsole()
{
    auto c = ConsoleSwitcher::open();
    if (!c) {
        std::fprintf(stderr, "SKIP: this scenario switches VTs: %s\n", c.error().message.c_str());
        std::exit(77);
    }
}

std::string kib(long value)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%ld KiB (%.1f MiB)", value, static_cast<double>(value) / 1024.0);
    return buf;
}

} // namespace ck::memtest
