// ck-soak: hours of use compressed into minutes. Many clients open and close sessions, disconnect
// at random, take and drop inhibitors, switch VTs, send hostile calls, and the daemon is restarted
// (SIGTERM and SIGKILL by turns) in between. Every interval it prints the sessions open, the
// daemon's RSS, Private_Dirty, fds and threads, and checks that the database lists exactly the
// live sessions; at the end, with every client gone, nothing may be left: no session, no fd, no
// thread, and Private_Dirty back within budget of the idle value after the last start.
//   ck-soak [--seconds=N] [--interval=N] [--restarts=N] [--clients=N] [--seed=N] [--no-vt]
// Not a timed test: it is a tool (tests/memory runs a one-minute version as 'soak-smoke').
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/test_bus.h"

namespace ck::soak {
namespace {

using Clock = std::chrono::steady_clock;
using test::Client;
using test::Reply;

struct Config {
    int seconds = 300;
    int interval = 0; // 0: seconds / 10
    int restarts = 4;
    std::size_t clients = 24;
    unsigned seed = 1;
    bool vt = true;
};

// Budgets of the end check: what the daemon may keep after every client is gone, against the idle
// value measured right after its last start (issue 12's after-cycle budget for Private_Dirty).
constexpr long kPrivateDirtyGrowthMaxKib = 1024;

// --- the daemon's footprint ----------------------------------------------------------------------

struct Footprint {
    long rssKib = -1;
    long privateDirtyKib = -1;
    long fds = -1;
    long threads = -1;
};

long fieldKib(const std::string& path, const std::string& key)
{
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() && line[key.size()] == ':')
            return std::strtol(line.c_str() + key.size() + 1, nullptr, 10);
    return -1;
}

Footprint footprint(pid_t pid)
{
    const std::string proc = "/proc/" + std::to_string(pid);
    Footprint f;
    f.rssKib = fieldKib(proc + "/smaps_rollup", "Rss");
    f.privateDirtyKib = fieldKib(proc + "/smaps_rollup", "Private_Dirty");
    f.threads = fieldKib(proc + "/status", "Threads");
    if (DIR* d = ::opendir((proc + "/fd").c_str())) {
        f.fds = 0;
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.')
                ++f.fds;
        ::closedir(d);
    }
    return f;
}

// --- VT switches (only with root and a real /dev/tty0) -------------------------------------------

// Switches between the VT that was in front and one spare VT; always switches back and frees the
// spare VT, also on SIGINT/SIGTERM.
class VtSwitcher {
public:
    bool open()
    {
        fd_ = ::open("/dev/tty0", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd_ < 0)
            return false;
        vt_stat st{};
        int spare = -1;
        if (::ioctl(fd_, VT_GETSTATE, &st) != 0 || ::ioctl(fd_, VT_OPENQRY, &spare) != 0 || spare <= 0) {
            ::close(fd_);
            fd_ = -1;
            return false;
        }
        original_ = st.v_active;
        spare_ = static_cast<unsigned>(spare);
        gFd = fd_;
        gOriginal = original_;
        ::signal(SIGINT, restoreAndExit);
        ::signal(SIGTERM, restoreAndExit);
        return true;
    }
    ~VtSwitcher()
    {
        if (fd_ < 0)
            return;
        activate(original_);
        ::ioctl(fd_, VT_DISALLOCATE, spare_);
        ::close(fd_);
        gFd = -1;
    }
    bool enabled() const { return fd_ >= 0; }
    unsigned original() const { return original_; }
    unsigned spare() const { return spare_; }
    void toggle() { activate(current_ == original_ ? spare_ : original_); }
    unsigned active() const
    {
        vt_stat st{};
        return ::ioctl(fd_, VT_GETSTATE, &st) == 0 ? st.v_active : 0;
    }

private:
    void activate(unsigned vt)
    {
        if (::ioctl(fd_, VT_ACTIVATE, vt) == 0)
            ::ioctl(fd_, VT_WAITACTIVE, vt);
        current_ = vt;
    }
    static void restoreAndExit(int sig)
    {
        if (gFd >= 0)
            ::ioctl(gFd, VT_ACTIVATE, gOriginal);
        ::_exit(128 + sig);
    }

    static inline int gFd = -1;
    static inline unsigned gOriginal = 1;
    int fd_ = -1;
    unsigned original_ = 1;
    unsigned spare_ = 0;
    unsigned current_ = 1;
};

// --- the clients -------------------------------------------------------------------------------

struct Stats {
    std::size_t calls = 0;
    std::size_t opened = 0, closed = 0, disconnects = 0, inhibitors = 0, hostile = 0, switches = 0, queries = 0;
    std::size_t refused = 0; // named refusals of opens (caps, rate limits): expected under load
    std::size_t failures = 0; // no reply, a timeout, an unnamed error, a wrong answer
    std::vector<std::string> firstFailures;
    void fail(const std::string& what)
    {
        ++failures;
        if (firstFailures.size() < 10)
            firstFailures.push_back(what);
    }
};

// A refusal that names its reason. No reply, a timeout or a GDBus-made-up name is a failure.
bool namedError(const Reply& r)
{
    return !r.ok() && !r.errorName.empty() && r.errorName != "org.freedesktop.DBus.Error.NoReply"
        && r.errorName != "org.freedesktop.DBus.Error.Timeout" && r.errorName != "org.freedesktop.DBus.Error.TimedOut"
        && r.errorName.find("UnmappedError") == std::string::npos && !r.errorMessage.empty();
}

struct SoakClient {
    std::unique_ptr<Client> bus;
    std::vector<std::string> cookies;
};

class Soak {
public:
    Soak(const Config& config, const test::TestBus& bus, test::Daemon& daemon)
        : config_(config), bus_(bus), daemon_(daemon), rng_(config.seed)
    { }

    int run();

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    SoakClient& someClient() { return clients_[pick(clients_.size())]; }
    Reply call(Client& c, const std::string& method, GVariant* params, int timeoutMs = 5000)
    {
        ++stats_.calls;
        return c.call(test::kManagerPath, test::kManagerIface, method, params, timeoutMs);
    }

    void openSession();
    void closeSession();
    void disconnect();
    void takeInhibitor();
    void dropInhibitor();
    void hostileCall();
    void query();
    void step();
    void restart(int signal);
    std::size_t liveSessions() const;
    bool databaseMatches(std::string& why);
    void report(double at);
    bool finish();

    Config config_;
    const test::TestBus& bus_;
    test::Daemon& daemon_;
    std::mt19937 rng_;
    std::vector<SoakClient> clients_;
    std::vector<int> inhibitorFds_;
    VtSwitcher vt_;
    Stats stats_;
    Footprint idle_;
};

GVariant* loginParameters(unsigned uid, unsigned vt, bool local)
{
    const std::string device = "/dev/tty" + std::to_string(vt);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
    g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("tty"));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(local ? device.c_str() : ""));
    g_variant_builder_add(&b, "(sv)", "remote-host-name", g_variant_new_string(local ? "" : "soak.example"));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(local));
    return g_variant_new("(a(sv))", &b);
}

void Soak::openSession()
{
    SoakClient& c = someClient();
    const unsigned uid = 1000 + static_cast<unsigned>(pick(50));
    unsigned vt = 1 + static_cast<unsigned>(pick(12));
    if (vt_.enabled() && pick(2) == 0)
        vt = pick(2) == 0 ? vt_.original() : vt_.spare();
    Reply r = call(*c.bus, "OpenSessionWithParameters", loginParameters(uid, vt, pick(4) != 0));
    if (r.ok()) {
        const gchar* cookie = nullptr;
        g_variant_get(r.value, "(&s)", &cookie);
        c.cookies.emplace_back(cookie);
        ++stats_.opened;
    } else if (namedError(r)) {
        ++stats_.refused;
    } else {
        stats_.fail("OpenSessionWithParameters: " + r.print());
    }
}

void Soak::closeSession()
{
    SoakClient& c = someClient();
    if (c.cookies.empty())
        return;
    const std::size_t i = pick(c.cookies.size());
    Reply r = call(*c.bus, "CloseSession", g_variant_new("(s)", c.cookies[i].c_str()));
    gboolean closed = FALSE;
    if (r.ok())
        g_variant_get(r.value, "(b)", &closed);
    if (!closed)
        stats_.fail("CloseSession of a live session: " + r.print());
    c.cookies.erase(c.cookies.begin() + static_cast<std::ptrdiff_t>(i));
    ++stats_.closed;
}

void Soak::disconnect()
{
    SoakClient& c = someClient();
    c.bus = std::make_unique<Client>(bus_.address()); // the old connection closes: its sessions end
    c.cookies.clear();
    ++stats_.disconnects;
}

void Soak::takeInhibitor()
{
    static const char* const kWhat[] = {"shutdown", "sleep", "idle", "shutdown:sleep", "handle-power-key"};
    SoakClient& c = someClient();
    GError* error = nullptr;
    GUnixFDList* out = nullptr;
    ++stats_.calls;
    GVariant* v = g_dbus_connection_call_with_unix_fd_list_sync(c.bus->connection(), "org.freedesktop.ConsoleKit",
        test::kManagerPath, test::kManagerIface, "Inhibit",
        g_variant_new("(ssss)", kWhat[pick(5)], "ck-soak", "soaking", pick(2) == 0 ? "block" : "delay"),
        G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &out, nullptr, &error);
    if (v != nullptr && out != nullptr && g_unix_fd_list_get_length(out) == 1) {
        inhibitorFds_.push_back(g_unix_fd_list_get(out, 0, nullptr));
        ++stats_.inhibitors;
    } else if (error != nullptr && g_dbus_error_is_remote_error(error)) {
        ++stats_.refused; // a named refusal (e.g. the per-user inhibitor cap)
    } else {
        stats_.fail(std::string("Inhibit: ") + (error != nullptr ? error->message : "no fd"));
    }
    if (v != nullptr)
        g_variant_unref(v);
    if (out != nullptr)
        g_object_unref(out);
    if (error != nullptr)
        g_error_free(error);
}

void Soak::dropInhibitor()
{
    if (inhibitorFds_.empty())
        return;
    const std::size_t i = pick(inhibitorFds_.size());
    ::close(inhibitorFds_[i]);
    inhibitorFds_.erase(inhibitorFds_.begin() + static_cast<std::ptrdiff_t>(i));
}

// What a hostile or careless client sends: each must get a named error, and quickly.
void Soak::hostileCall()
{
    SoakClient& c = someClient();
    Reply r;
    switch (pick(6)) {
    case 0:
        r = call(*c.bus, "GetSession", g_variant_new("(s)", "Session999999"));
        break;
    case 1:
        r = call(*c.bus, "CloseSession", g_variant_new("(s)", "not-a-cookie"));
        if (r.ok()) { // CloseSession answers false for an unknown cookie: that is a named answer too
            gboolean closed = TRUE;
            g_variant_get(r.value, "(b)", &closed);
            if (closed)
                stats_.fail("CloseSession of an unknown cookie answered true");
            ++stats_.hostile;
            return;
        }
        break;
    case 2:
        r = call(*c.bus, "ActivateSession", g_variant_new("(s)", "/org/freedesktop/ConsoleKit/Session0"));
        break;
    case 3: { // a long string where an id belongs
        const std::string big(256 * 1024, 'x');
        r = call(*c.bus, "GetSessionForCookie", g_variant_new("(s)", big.c_str()));
        break;
    }
    case 4: { // many parameters, unknown keys, nested variants
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        for (int i = 0; i < 2000; ++i)
            g_variant_builder_add(&b, "(sv)", ("soak-key-" + std::to_string(i)).c_str(),
                g_variant_new_variant(g_variant_new_variant(g_variant_new_int32(i))));
        g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_string("not a uid"));
        r = call(*c.bus, "OpenSessionWithParameters", g_variant_new("(a(sv))", &b));
        if (r.ok()) { // a session nonetheless: track it so the end check sees it go
            const gchar* cookie = nullptr;
            g_variant_get(r.value, "(&s)", &cookie);
            c.cookies.emplace_back(cookie);
            stats_.fail("OpenSessionWithParameters with a string unix-user was accepted");
            return;
        }
        break;
    }
    default: // wrong argument types
        r = call(*c.bus, "GetSessionForUnixProcess", g_variant_new("(s)", "1"));
        break;
    }
    ++stats_.hostile;
    if (!namedError(r))
        stats_.fail("hostile call got " + r.print());
}

void Soak::query()
{
    SoakClient& c = someClient();
    Reply r = call(*c.bus, pick(2) == 0 ? "GetSessions" : "GetSeats", nullptr);
    if (!r.ok())
        stats_.fail("query: " + r.print());
    ++stats_.queries;
}

void Soak::step()
{
    const std::size_t dice = pick(100);
    if (dice < 30)
        openSession();
    else if (dice < 52)
        closeSession();
    else if (dice < 58)
        disconnect();
    else if (dice < 65)
        takeInhibitor();
    else if (dice < 71)
        dropInhibitor();
    else if (dice < 81)
        hostileCall();
    else if (dice < 85 && vt_.enabled()) {
        vt_.toggle();
        ++stats_.switches;
    } else
        query();
}

std::size_t Soak::liveSessions() const
{
    std::size_t n = 0;
    for (const auto& c : clients_)
        n += c.cookies.size();
    return n;
}

// The database, once its 50 ms throttle has passed, lists exactly the sessions the bus shows.
bool Soak::databaseMatches(std::string& why)
{
    Reply r = call(*clients_[0].bus, "GetSessions", nullptr);
    if (!r.ok()) {
        why = "GetSessions: " + r.print();
        return false;
    }
    std::set<std::string> live;
    GVariantIter* it = nullptr;
    const gchar* path = nullptr;
    g_variant_get(r.value, "(ao)", &it);
    while (g_variant_iter_next(it, "&o", &path))
        live.insert(path);
    g_variant_iter_free(it);
    if (live.size() != liveSessions()) {
        why = "the daemon has " + std::to_string(live.size()) + " sessions, the clients lead "
            + std::to_string(liveSessions());
        return false;
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::set<std::string> written;
        std::ifstream in(daemon_.rundir() + "/database");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("[Session ", 0) == 0 && line.back() == ']')
                written.insert(line.substr(9, line.size() - 10));
        if (written == live)
            return true;
        why = "the database lists " + std::to_string(written.size()) + " sessions, the bus "
            + std::to_string(live.size());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

void Soak::restart(int signal)
{
    daemon_.stop(signal);
    // Inhibitors live as long as the daemon's end of their fd: they end with it.
    for (int fd : inhibitorFds_)
        ::close(fd);
    inhibitorFds_.clear();
    if (!daemon_.start()) {
        stats_.fail("the daemon did not start again:\n" + daemon_.stderrText());
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    idle_ = footprint(daemon_.pid());
}

void Soak::report(double at)
{
    const Footprint f = footprint(daemon_.pid());
    std::printf("%7.1f %8zu %9ld %9ld %5ld %7ld %9zu %8zu\n", at, liveSessions(), f.rssKib, f.privateDirtyKib, f.fds,
        f.threads, stats_.calls, stats_.failures);
    std::fflush(stdout);
}

// Every client goes; the daemon must end up with what it had idle.
bool Soak::finish()
{
    for (int fd : inhibitorFds_)
        ::close(fd);
    inhibitorFds_.clear();
    for (auto& c : clients_) {
        c.bus.reset();
        c.cookies.clear();
    }
    clients_.resize(1);
    clients_[0].bus = std::make_unique<Client>(bus_.address());
    bool ok = true;
    std::string why;
    Footprint f;
    for (int attempt = 0; attempt < 100; ++attempt) { // up to 5 s for the disconnects to settle
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        f = footprint(daemon_.pid());
        if (databaseMatches(why) && f.fds == idle_.fds && f.threads == idle_.threads)
            break;
    }
    // The daemon trims its heap 100 ms after the last session went (src/daemon/recorder.h).
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    f = footprint(daemon_.pid());
    std::printf("\nend: idle after the last start: RSS %ld kB, Private_Dirty %ld kB, %ld fds, %ld threads\n",
        idle_.rssKib, idle_.privateDirtyKib, idle_.fds, idle_.threads);
    std::printf("end: every client gone:        RSS %ld kB, Private_Dirty %ld kB, %ld fds, %ld threads\n", f.rssKib,
        f.privateDirtyKib, f.fds, f.threads);
    if (!databaseMatches(why)) {
        std::printf("FAIL: %s\n", why.c_str());
        ok = false;
    }
    if (f.fds != idle_.fds) {
        std::printf("FAIL: %ld fds open, %ld when idle\n", f.fds, idle_.fds);
        ok = false;
    }
    if (f.threads != idle_.threads) {
        std::printf("FAIL: %ld threads, %ld when idle\n", f.threads, idle_.threads);
        ok = false;
    }
    if (f.privateDirtyKib > idle_.privateDirtyKib + kPrivateDirtyGrowthMaxKib) {
        std::printf(
            "FAIL: Private_Dirty %ld kB, more than idle + %ld kB\n", f.privateDirtyKib, kPrivateDirtyGrowthMaxKib);
        ok = false;
    }
    return ok;
}

int Soak::run()
{
    if (config_.vt && vt_.open())
        std::printf("VT switches between VT %u and spare VT %u\n", vt_.original(), vt_.spare());
    else
        std::printf("no VT switches (%s)\n", config_.vt ? "no usable /dev/tty0" : "--no-vt");
    if (!daemon_.start()) {
        std::printf("FAIL: the daemon did not start:\n%s\n", daemon_.stderrText().c_str());
        return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    idle_ = footprint(daemon_.pid());
    for (std::size_t i = 0; i < config_.clients; ++i)
        clients_.push_back({std::make_unique<Client>(bus_.address()), {}});

    const int interval = config_.interval > 0 ? config_.interval : std::max(1, config_.seconds / 10);
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(config_.seconds);
    auto nextReport = start + std::chrono::seconds(interval);
    const auto restartEvery = std::chrono::seconds(config_.seconds) / (config_.restarts + 1);
    auto nextRestart = config_.restarts > 0 ? start + restartEvery : end + std::chrono::hours(1);
    int restarts = 0;
    std::printf("%7s %8s %9s %9s %5s %7s %9s %8s\n", "t/s", "sessions", "RSS/kB", "PrivDirty", "fds", "threads",
        "calls", "failures");
    report(0);
    while (Clock::now() < end) {
        step();
        if (restarts < config_.restarts && Clock::now() >= nextRestart) {
            const int sig = (restarts++ % 2 == 0) ? SIGTERM : SIGKILL;
            std::printf("restart %d (%s)\n", restarts, sig == SIGTERM ? "SIGTERM" : "SIGKILL");
            restart(sig);
            std::string why;
            if (!databaseMatches(why))
                stats_.fail("after restart " + std::to_string(restarts) + ": " + why);
            nextRestart += restartEvery;
        }
        if (Clock::now() >= nextReport) {
            std::string why;
            if (!databaseMatches(why))
                stats_.fail(why);
            report(std::chrono::duration<double>(Clock::now() - start).count());
            nextReport += std::chrono::seconds(interval);
        }
    }
    const bool ok = finish() && stats_.failures == 0;
    std::printf("calls %zu: opened %zu, closed %zu, disconnects %zu, inhibitors %zu, hostile %zu, VT switches %zu, "
                "queries %zu, refused %zu, restarts %d, failures %zu\n",
        stats_.calls, stats_.opened, stats_.closed, stats_.disconnects, stats_.inhibitors, stats_.hostile,
        stats_.switches, stats_.queries, stats_.refused, restarts, stats_.failures);
    for (const auto& f : stats_.firstFailures)
        std::printf("  failure: %s\n", f.c_str());
    std::printf("%s\n", ok ? "soak: PASS" : "soak: FAIL");
    return ok ? 0 : 1;
}

int parseInt(const char* arg, const char* name)
{
    char* endp = nullptr;
    const long v = std::strtol(arg, &endp, 10);
    if (endp == arg || *endp != '\0' || v < 0 || v > 1000000) {
        std::fprintf(stderr, "ck-soak: bad value for %s: %s\n", name, arg);
        std::exit(2);
    }
    return static_cast<int>(v);
}

} // namespace
} // namespace ck::soak

int main(int argc, char** argv)
{
    using namespace ck::soak;
    Config config;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&a](const char* prefix) -> const char* {
            return a.rfind(prefix, 0) == 0 ? a.c_str() + std::strlen(prefix) : nullptr;
        };
        if (const char* v = value("--seconds="))
            config.seconds = std::max(1, parseInt(v, "--seconds"));
        else if (const char* v2 = value("--interval="))
            config.interval = parseInt(v2, "--interval");
        else if (const char* v3 = value("--restarts="))
            config.restarts = parseInt(v3, "--restarts");
        else if (const char* v4 = value("--clients="))
            config.clients = static_cast<std::size_t>(std::max(1, parseInt(v4, "--clients")));
        else if (const char* v5 = value("--seed="))
            config.seed = static_cast<unsigned>(parseInt(v5, "--seed"));
        else if (a == "--no-vt")
            config.vt = false;
        else {
            std::fprintf(stderr,
                "usage: ck-soak [--seconds=N] [--interval=N] [--restarts=N] [--clients=N] [--seed=N] [--no-vt]\n");
            return 2;
        }
    }
    ck::test::skipUnless(::getuid() == 0, "ck-soak needs root (the daemon refuses to run otherwise)");
    // Run by hand from the build tree, it finds the daemon and the bus configuration it was built with.
    ::setenv("CK_DAEMON", CK_SOAK_DAEMON, 0);
    ::setenv("CK_TEST_BUS_CONF", CK_SOAK_BUS_CONF, 0);
    ck::test::TestBus bus;
    ck::test::DaemonOptions options;
    const bool vt = config.vt && ::access("/dev/tty0", R_OK | W_OK) == 0;
    options.vtWatch = vt ? "auto" : "none";
    ck::test::Daemon daemon(bus, options);
    Soak soak(config, bus, daemon);
    return soak.run();
}
