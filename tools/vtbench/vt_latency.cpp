// ck-vt-latency: how long after a real VT switch (VT_ACTIVATE) the daemon's
// Seat.ActiveSessionChanged reaches a client, per --vt-watch mode. Starts its own private bus and
// daemon; needs root and /dev/tty0 (exit 77 otherwise); always switches back to the original VT.
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "support/test_bus.h"

namespace {

using Clock = std::chrono::steady_clock;
using ck::test::Client;
using ck::test::Daemon;
using ck::test::DaemonOptions;
using ck::test::Reply;
using ck::test::TestBus;

int gConsole = -1;
unsigned gOriginalVt = 0;
// The daemon, for the signal handler. (Ctrl-C reaches the private dbus-daemon too: same process group.)
volatile sig_atomic_t gDaemonPid = 0;

unsigned kernelVt()
{
    vt_stat st{};
    return ::ioctl(gConsole, VT_GETSTATE, &st) == 0 ? st.v_active : 0;
}

bool switchTo(unsigned vt, std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
    if (::ioctl(gConsole, VT_ACTIVATE, static_cast<unsigned long>(vt)) < 0)
        return false;
    const auto deadline = Clock::now() + timeout;
    while (kernelVt() != vt) {
        if (Clock::now() > deadline)
            return false;
        ::usleep(100);
    }
    return true;
}

void restoreOriginalVt()
{
    if (gConsole >= 0 && gOriginalVt != 0 && kernelVt() != gOriginalVt && !switchTo(gOriginalVt))
        std::fprintf(stderr, "ck-vt-latency: could not switch back to VT %u\n", gOriginalVt);
}

// Ctrl-C: back to the original VT, stop the daemon, leave (only async-signal-safe calls).
void onSignal(int sig)
{
    if (gConsole >= 0 && gOriginalVt != 0)
        ::ioctl(gConsole, VT_ACTIVATE, static_cast<unsigned long>(gOriginalVt));
    if (gDaemonPid > 0)
        ::kill(static_cast<pid_t>(gDaemonPid), SIGTERM);
    ::_exit(128 + sig);
}

// Seat.ActiveSessionChanged as it arrives, stamped on the GDBus worker thread (no main loop in
// the way of the measurement).
class SignalClock {
public:
    explicit SignalClock(GDBusConnection* c) : connection_(c)
    {
        filter_ = g_dbus_connection_add_filter(connection_, &SignalClock::filter, this, nullptr);
        GVariant* r = g_dbus_connection_call_sync(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "AddMatch",
            g_variant_new("(s)", "type='signal',sender='org.freedesktop.ConsoleKit',member='ActiveSessionChanged'"),
            nullptr, G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, nullptr);
        if (r != nullptr)
            g_variant_unref(r);
    }
    ~SignalClock() { g_dbus_connection_remove_filter(connection_, filter_); }
    SignalClock(const SignalClock&) = delete;
    SignalClock& operator=(const SignalClock&) = delete;

    // The arrival time of the first ActiveSessionChanged naming `path` after `since`.
    bool waitFor(
        const std::string& path, Clock::time_point since, Clock::time_point& at, std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] {
            for (const auto& [when, p] : arrivals_)
                if (when >= since && p == path) {
                    at = when;
                    return true;
                }
            return false;
        });
    }
    void clear()
    {
        std::lock_guard lock(mutex_);
        arrivals_.clear();
    }

private:
    static GDBusMessage* filter(GDBusConnection*, GDBusMessage* m, gboolean incoming, gpointer data)
    {
        const auto now = Clock::now();
        if (!incoming || g_dbus_message_get_message_type(m) != G_DBUS_MESSAGE_TYPE_SIGNAL)
            return m;
        const char* member = g_dbus_message_get_member(m);
        GVariant* body = g_dbus_message_get_body(m);
        if (member == nullptr || std::strcmp(member, "ActiveSessionChanged") != 0 || body == nullptr
            || g_variant_n_children(body) != 1)
            return m;
        GVariant* arg = g_variant_get_child_value(body, 0);
        auto* self = static_cast<SignalClock*>(data);
        {
            std::lock_guard lock(self->mutex_);
            self->arrivals_.emplace_back(now, g_variant_get_string(arg, nullptr));
        }
        g_variant_unref(arg);
        self->cv_.notify_all();
        return m;
    }

    GDBusConnection* connection_;
    guint filter_ = 0;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::pair<Clock::time_point, std::string>> arrivals_;
};

std::string openSession(Client& leader, unsigned vt, bool x11)
{
    const std::string tty = "/dev/tty" + std::to_string(vt);
    const std::string display = ":" + std::to_string(vt);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(0));
    g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string(x11 ? "x11" : "tty"));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(tty.c_str()));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(x11 ? display.c_str() : ""));
    g_variant_builder_add(&b, "(sv)", "x11-display-device", g_variant_new_string(x11 ? tty.c_str() : ""));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
    Reply cookie = leader.manager("OpenSessionWithParameters", g_variant_new("(a(sv))", &b));
    if (!cookie.ok()) {
        std::fprintf(stderr, "ck-vt-latency: OpenSessionWithParameters: %s\n", cookie.print().c_str());
        return {};
    }
    const gchar* ck = nullptr;
    g_variant_get(cookie.value, "(&s)", &ck);
    Reply path = leader.manager("GetSessionForCookie", g_variant_new("(s)", ck));
    if (!path.ok())
        return {};
    const gchar* p = nullptr;
    g_variant_get(path.value, "(&o)", &p);
    return p;
}

long sessionCount(Client& c)
{
    Reply r = c.manager("GetSessions");
    if (!r.ok())
        return -1;
    GVariant* list = g_variant_get_child_value(r.value, 0);
    const long n = static_cast<long>(g_variant_n_children(list));
    g_variant_unref(list);
    return n;
}

long threadsOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("Threads:", 0) == 0)
            return std::stol(line.substr(8));
    return -1;
}

double ms(Clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

struct Options {
    unsigned count = 200;
    unsigned gapMs = 5;
    unsigned vtA = 5, vtB = 6;
    bool debug = false; // the daemon's --debug (its log is printed when a switch goes unannounced)
    std::vector<std::string> modes{"waitevent", "waitactive"};
};

// One mode: a fresh bus and daemon, two sessions, `count` switches. False on a setup failure.
bool measure(const std::string& mode, const Options& o)
{
    TestBus bus;
    DaemonOptions d;
    d.vtWatch = mode;
    if (o.debug)
        d.extraArgs.push_back("--debug");
    Daemon daemon(bus, d);
    if (!daemon.start()) {
        std::fprintf(
            stderr, "ck-vt-latency: the daemon did not start (%s):\n%s\n", mode.c_str(), daemon.stderrText().c_str());
        return false;
    }
    gDaemonPid = daemon.pid();
    Client leader(bus.address());
    Client listener(bus.address());
    SignalClock clock(listener.connection());
    const std::string sessionA = openSession(leader, o.vtA, false);
    const std::string sessionB = openSession(leader, o.vtB, true);
    if (sessionA.empty() || sessionB.empty())
        return false;

    // Warm up on A: the daemon has seen it and its watcher has settled.
    Clock::time_point at;
    auto since = Clock::now();
    if (!switchTo(o.vtA) || !clock.waitFor(sessionA, since, at, std::chrono::seconds(2))) {
        std::fprintf(stderr, "ck-vt-latency: no ActiveSessionChanged for the warm-up switch\n");
        return false;
    }
    ::usleep(50 * 1000);

    std::vector<Clock::duration> lat;
    lat.reserve(o.count);
    unsigned lost = 0;
    unsigned current = o.vtA;
    for (unsigned i = 0; i < o.count; ++i) {
        const unsigned target = current == o.vtA ? o.vtB : o.vtA;
        const std::string& session = target == o.vtA ? sessionA : sessionB;
        clock.clear();
        const auto t0 = Clock::now();
        if (::ioctl(gConsole, VT_ACTIVATE, static_cast<unsigned long>(target)) < 0) {
            std::fprintf(stderr, "ck-vt-latency: VT_ACTIVATE %u: %s\n", target, std::strerror(errno));
            return false;
        }
        if (clock.waitFor(session, t0, at, std::chrono::seconds(2))) {
            lat.push_back(at - t0);
        } else {
            ++lost;
            std::fprintf(stderr, "ck-vt-latency: %s: switch %u to VT %u (kernel now on VT %u) not announced in 2 s\n",
                mode.c_str(), i, target, kernelVt());
        }
        if (kernelVt() != target && !switchTo(target)) {
            std::fprintf(stderr, "ck-vt-latency: the kernel did not switch to VT %u\n", target);
            return false;
        }
        current = target;
        if (o.gapMs > 0)
            ::usleep(o.gapMs * 1000);
    }
    const long threads = threadsOf(daemon.pid());
    if (lost > 0)
        std::fprintf(stderr, "ck-vt-latency: %s: %u switch(es) never announced; daemon stderr:\n%s\n", mode.c_str(),
            lost, daemon.stderrText().c_str());
    restoreOriginalVt();
    // Close the sessions before the daemon stops (it would keep them, and their runtime
    // directory mounts, for a restart).
    leader.close();
    for (int i = 0; i < 1000 && sessionCount(listener) != 0; ++i)
        ::usleep(2000);
    gDaemonPid = 0;

    if (lat.empty()) {
        std::printf("%-10s no signal arrived for %u switches\n", mode.c_str(), o.count);
        return true;
    }
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        const std::size_t idx = static_cast<std::size_t>(std::ceil(p * static_cast<double>(lat.size()))) - 1;
        return lat[std::min(idx, lat.size() - 1)];
    };
    Clock::duration sum{};
    for (auto l : lat)
        sum += l;
    std::printf("%-10s n=%zu  min %.3f ms  median %.3f ms  mean %.3f ms  p99 %.3f ms  max %.3f ms  "
                "(lost %u, daemon threads %ld)\n",
        mode.c_str(), lat.size(), ms(lat.front()), ms(pct(0.5)), ms(sum / static_cast<long>(lat.size())), ms(pct(0.99)),
        ms(lat.back()), lost, threads);
    return true;
}

void usage()
{
    std::printf("Usage: ck-vt-latency [--count N] [--gap-ms MS] [--mode waitevent|waitactive|both] [--vts A,B] "
                "[--debug]\n"
                "Measures VT_ACTIVATE -> Seat.ActiveSessionChanged at a client with the real daemon on a\n"
                "private bus. Needs root and /dev/tty0; switches back to the original VT at the end.\n");
}

} // namespace

int main(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
        if ((a == "--count" || a == "-n") && next != nullptr) {
            o.count = static_cast<unsigned>(std::strtoul(next, nullptr, 10));
            ++i;
        } else if (a == "--gap-ms" && next != nullptr) {
            o.gapMs = static_cast<unsigned>(std::strtoul(next, nullptr, 10));
            ++i;
        } else if (a == "--mode" && next != nullptr) {
            const std::string m = next;
            if (m == "both")
                o.modes = {"waitevent", "waitactive"};
            else if (m == "waitevent" || m == "waitactive")
                o.modes = {m};
            else {
                usage();
                return 2;
            }
            ++i;
        } else if (a == "--vts" && next != nullptr) {
            if (std::sscanf(next, "%u,%u", &o.vtA, &o.vtB) != 2 || o.vtA == o.vtB || o.vtA < 1 || o.vtB < 1
                || o.vtA > 63 || o.vtB > 63) {
                usage();
                return 2;
            }
            ++i;
        } else if (a == "--debug") {
            o.debug = true;
        } else if (a == "--help" || a == "-h") {
            usage();
            return 0;
        } else {
            usage();
            return 2;
        }
    }
    if (o.count == 0) {
        usage();
        return 2;
    }
    if (::geteuid() != 0) {
        std::fprintf(stderr, "ck-vt-latency: needs root (VT_ACTIVATE on /dev/tty0)\n");
        return 77;
    }
    gConsole = ::open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (gConsole < 0 || (gOriginalVt = kernelVt()) == 0) {
        std::fprintf(stderr, "ck-vt-latency: /dev/tty0 is not a usable VT console\n");
        return 77;
    }
    if (gOriginalVt == o.vtA || gOriginalVt == o.vtB) {
        std::fprintf(stderr, "ck-vt-latency: VT %u is the current one; pick others with --vts A,B\n", gOriginalVt);
        return 2;
    }
    // The harness reads these; point them at this build unless the caller did.
    ::setenv("CK_DAEMON", CK_VTBENCH_DAEMON, 0);
    ::setenv("CK_TEST_BUS_CONF", CK_VTBENCH_BUS_CONF, 0);
    ::signal(SIGINT, onSignal);
    ::signal(SIGTERM, onSignal);

    std::printf("ck-vt-latency: %u switches between VT %u and VT %u per mode, %u ms apart (original VT %u)\n", o.count,
        o.vtA, o.vtB, o.gapMs, gOriginalVt);
    int rc = 0;
    for (const auto& mode : o.modes) {
        if (!measure(mode, o))
            rc = 1;
        restoreOriginalVt();
    }
    restoreOriginalVt();
    ::close(gConsole);
    return rc;
}
