// Pipelined D-Bus calls for ck-bench: one connection, a fixed window of asynchronous calls in
// flight, the same loop for the baseline (Peer.Ping) and for every measured method.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>

namespace ck::bench {

struct Call {
    std::string destination;
    std::string path;
    std::string iface;
    std::string method;
    GVariant* params = nullptr; // floating; consumed by the call
};

struct Rate {
    std::size_t calls = 0;
    std::size_t errors = 0;
    double seconds = 0;
    double serverCpuSeconds = -1; // CPU time the answering process used meanwhile (-1: unknown)
    std::string firstError;
    double perSecond() const { return seconds > 0 ? static_cast<double>(calls - errors) / seconds : 0; }
    // Server CPU per call in microseconds: what the server itself spends, whatever the bus and the
    // client cost (on 2 cores they all compete for the CPU).
    double serverMicrosPerCall() const
    {
        return serverCpuSeconds >= 0 && calls > 0 ? serverCpuSeconds * 1e6 / static_cast<double>(calls) : -1;
    }
};

// The window keeps below dbus-daemon's max_replies_per_connection (128 by default).
inline constexpr std::size_t kWindow = 64;

// Sends make(0) … make(count-1) on `connection` with `window` calls in flight; iterates the
// thread-default main context until all replied. `onReply(i, value)` sees each successful reply.
// With `server` > 0, the CPU time that process used during the run is recorded too.
Rate runPipelined(GDBusConnection* connection, std::size_t count, const std::function<Call(std::size_t)>& make,
    const std::function<void(std::size_t, GVariant*)>& onReply = {}, pid_t server = 0, std::size_t window = kWindow);

// CPU time (all threads) of another process, in seconds; -1 if it cannot be read.
double processCpuSeconds(pid_t pid);

GDBusConnection* connectTo(const std::string& address); // a bus connection, exits on failure

} // namespace ck::bench
