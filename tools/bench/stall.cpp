// Disconnect-stall measurement: a child process of leaders, a prober thread, SIGKILL.
#include "tools/bench/stall.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/bench/pipeline.h"

namespace ck::bench {

namespace {
using Clock = std::chrono::steady_clock;
constexpr const char* kBusName = "org.freedesktop.ConsoleKit";
constexpr const char* kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
constexpr const char* kManagerIface = "org.freedesktop.ConsoleKit.Manager";

GVariant* textLogin(unsigned uid, unsigned vt)
{
    const std::string device = "/dev/tty" + std::to_string(vt);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
    g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("tty"));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(device.c_str()));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
    return g_variant_new("(a(sv))", &b);
}

std::size_t sessionCount(GDBusConnection* c)
{
    GVariant* r = g_dbus_connection_call_sync(c, kBusName, kManagerPath, kManagerIface, "GetSessions", nullptr,
        G_VARIANT_TYPE("(ao)"), G_DBUS_CALL_FLAGS_NONE, 10000, nullptr, nullptr);
    if (r == nullptr)
        return static_cast<std::size_t>(-1);
    GVariant* list = g_variant_get_child_value(r, 0);
    const std::size_t n = g_variant_n_children(list);
    g_variant_unref(list);
    g_variant_unref(r);
    return n;
}

// Calls GetSystemIdleHint back to back on its own connection and main context; records the time
// of every successful reply.
class Prober {
public:
    explicit Prober(const std::string& address)
    {
        thread_ = std::thread([this, address] {
            GMainContext* context = g_main_context_new();
            g_main_context_push_thread_default(context);
            GDBusConnection* c = connectTo(address);
            ready_ = true;
            while (!stop_) {
                GError* error = nullptr;
                GVariant* r = g_dbus_connection_call_sync(c, kBusName, kManagerPath, kManagerIface, "GetSystemIdleHint",
                    nullptr, nullptr, G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &error);
                const auto now = Clock::now();
                std::lock_guard lock(mutex_);
                if (r != nullptr) {
                    replies_.push_back(now);
                    g_variant_unref(r);
                } else {
                    ++errors_;
                    g_error_free(error);
                }
            }
            g_object_unref(c);
            g_main_context_pop_thread_default(context);
            g_main_context_unref(context);
        });
        while (!ready_)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~Prober() { stop(); }
    Prober(const Prober&) = delete;
    Prober& operator=(const Prober&) = delete;

    void stop()
    {
        stop_ = true;
        if (thread_.joinable())
            thread_.join();
    }
    std::vector<Clock::time_point> replies() const
    {
        std::lock_guard lock(mutex_);
        return replies_;
    }
    std::size_t errors() const
    {
        std::lock_guard lock(mutex_);
        return errors_;
    }

private:
    std::thread thread_;
    std::atomic<bool> ready_{false};
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Clock::time_point> replies_;
    std::size_t errors_ = 0;
};
} // namespace

int leadersMain(const std::string& address, std::size_t count)
{
    std::vector<GDBusConnection*> leaders;
    leaders.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        leaders.push_back(connectTo(address));
    std::size_t replied = 0, opened = 0;
    struct Ctx {
        std::size_t* replied;
        std::size_t* opened;
    } ctx{&replied, &opened};
    for (std::size_t i = 0; i < count; ++i)
        g_dbus_connection_call(
            leaders[i], kBusName, kManagerPath, kManagerIface, "OpenSessionWithParameters",
            textLogin(1000 + static_cast<unsigned>(i % 50), static_cast<unsigned>(i % 63) + 1), nullptr,
            G_DBUS_CALL_FLAGS_NONE, 120000, nullptr,
            [](GObject* source, GAsyncResult* result, gpointer data) {
                auto* c = static_cast<Ctx*>(data);
                GVariant* r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, nullptr);
                if (r != nullptr) {
                    ++*c->opened;
                    g_variant_unref(r);
                }
                ++*c->replied;
            },
            &ctx);
    while (replied < count)
        g_main_context_iteration(nullptr, TRUE);
    std::printf("ready %zu\n", opened);
    std::fflush(stdout);
    for (;;)
        ::pause(); // SIGKILL ends us: the kernel closes all connections at once
}

Stall measureDisconnectStall(const std::string& self, const std::string& address, std::size_t count)
{
    Stall s;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        s.error = "pipe failed";
        return s;
    }
    const std::string n = std::to_string(count);
    const pid_t child = ::fork();
    if (child == 0) {
        ::dup2(out[1], 1);
        ::execl(self.c_str(), self.c_str(), "--leaders", n.c_str(), address.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    char buf[64] = {};
    const ssize_t got = ::read(out[0], buf, sizeof buf - 1);
    ::close(out[0]);
    std::size_t opened = 0;
    if (got <= 0 || std::sscanf(buf, "ready %zu", &opened) != 1) {
        s.error = "the leaders' process did not get ready";
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        return s;
    }
    GDBusConnection* watcher = connectTo(address);
    s.leaders = sessionCount(watcher);
    if (opened != count || s.leaders != count)
        s.error = "only " + std::to_string(opened) + " of " + n + " leaders opened a session";

    Prober prober(address);
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // the probe rate before
    const auto killed = Clock::now();
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    const auto deadline = killed + std::chrono::seconds(120);
    while (sessionCount(watcher) != 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto empty = Clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(200)); // and after
    prober.stop();
    const auto stopped = Clock::now();
    g_object_unref(watcher);

    s.removalSeconds = std::chrono::duration<double>(empty - killed).count();
    const auto replies = prober.replies();
    s.probeErrors = prober.errors();
    // Gaps that end after the kill: the first one spans the kill itself.
    for (std::size_t i = 1; i < replies.size(); ++i) {
        if (replies[i] < killed)
            continue;
        ++s.probes;
        s.maxGapSeconds = std::max(s.maxGapSeconds, std::chrono::duration<double>(replies[i] - replies[i - 1]).count());
    }
    // A daemon that never answered again would leave no gap ending after the kill.
    if (!replies.empty())
        s.maxGapSeconds = std::max(s.maxGapSeconds, std::chrono::duration<double>(stopped - replies.back()).count());
    if (empty >= deadline)
        s.error = "sessions were still open 120 s after their leaders died";
    return s;
}

} // namespace ck::bench
