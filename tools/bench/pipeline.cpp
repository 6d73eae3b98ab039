// Pipelined calls: a bounded window refilled from each reply callback.
#include "tools/bench/pipeline.h"

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ck::bench {

namespace {
struct Run {
    GDBusConnection* connection = nullptr;
    const std::function<Call(std::size_t)>* make = nullptr;
    const std::function<void(std::size_t, GVariant*)>* onReply = nullptr;
    std::size_t count = 0;
    std::size_t sent = 0;
    std::size_t done = 0;
    Rate rate;
};

struct Pending {
    Run* run;
    std::size_t index;
};

void sendNext(Run& r);

void replied(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Pending> p(static_cast<Pending*>(data));
    GError* error = nullptr;
    GVariant* value = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    Run& r = *p->run;
    if (value != nullptr) {
        if (*r.onReply)
            (*r.onReply)(p->index, value);
        g_variant_unref(value);
    } else {
        if (r.rate.errors++ == 0)
            r.rate.firstError = error->message;
        g_error_free(error);
    }
    ++r.done;
    sendNext(r);
}

void sendNext(Run& r)
{
    if (r.sent >= r.count)
        return;
    const std::size_t i = r.sent++;
    Call c = (*r.make)(i);
    g_dbus_connection_call(r.connection, c.destination.c_str(), c.path.c_str(), c.iface.c_str(), c.method.c_str(),
        c.params, nullptr, G_DBUS_CALL_FLAGS_NONE, 60000, nullptr, &replied, new Pending{&r, i});
}
} // namespace

double processCpuSeconds(pid_t pid)
{
    clockid_t clock{};
    timespec ts{};
    if (pid <= 0 || ::clock_getcpuclockid(pid, &clock) != 0 || ::clock_gettime(clock, &ts) != 0)
        return -1;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Rate runPipelined(GDBusConnection* connection, std::size_t count, const std::function<Call(std::size_t)>& make,
    const std::function<void(std::size_t, GVariant*)>& onReply, pid_t server, std::size_t window)
{
    const double cpu0 = processCpuSeconds(server);
    Run r;
    r.connection = connection;
    r.make = &make;
    r.onReply = &onReply;
    r.count = count;
    r.rate.calls = count;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < window && i < count; ++i)
        sendNext(r);
    while (r.done < r.count)
        g_main_context_iteration(nullptr, TRUE);
    r.rate.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu1 = processCpuSeconds(server);
    if (cpu0 >= 0 && cpu1 >= 0)
        r.rate.serverCpuSeconds = cpu1 - cpu0;
    return r.rate;
}

GDBusConnection* connectTo(const std::string& address)
{
    GError* error = nullptr;
    GDBusConnection* c = g_dbus_connection_new_for_address_sync(address.c_str(),
        static_cast<GDBusConnectionFlags>(
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION),
        nullptr, nullptr, &error);
    if (c == nullptr) {
        std::fprintf(stderr, "ck-bench: cannot connect to %s: %s\n", address.c_str(), error->message);
        g_error_free(error);
        std::exit(1);
    }
    g_dbus_connection_set_exit_on_close(c, FALSE);
    return c;
}

} // namespace ck::bench
