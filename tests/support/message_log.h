// An in-order log of the messages a test's connection receives (ConsoleKit signals and replies),
// shared by the bus and the real-VT tests.
#pragma once

#include <gio/gio.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ck::test {

// Every ConsoleKit signal (a match rule is added for them) and every reply a connection receives,
// in arrival order, recorded by a GDBus filter on the connection's worker thread: the wire order,
// without a main loop. Method calls and the bus daemon's own signals (NameAcquired ...) are left out.
class MessageLog {
public:
    struct Options {
        // How bodies are printed: g_variant_print with type annotations ("(objectpath '/…',)")
        // or without ("('/…',)"). Each suite keeps the format its expected strings are written in.
        bool typedBodies = true;
        // Whether waitFor() dispatches the default main context while it waits (for callers whose
        // asynchronous calls complete there).
        bool iterateMainContext = false;
    };
    struct Entry {
        GDBusMessageType type;
        std::string path, iface, member;
        std::string signature; // of the body, "" when none
        std::string body; // printed as Options::typedBodies says, "" when none
        std::string errorName; // for errors
        guint32 replySerial = 0; // for replies and errors
        std::chrono::steady_clock::time_point at;
    };
    explicit MessageLog(GDBusConnection* connection) : MessageLog(connection, Options{}) { }
    MessageLog(GDBusConnection* connection, Options options); // adds the match rule and waits for it
    ~MessageLog();
    MessageLog(const MessageLog&) = delete;
    MessageLog& operator=(const MessageLog&) = delete;

    std::vector<Entry> entries() const;
    std::size_t size() const;
    void clear();
    // The signals called `member` sent from `path` (any path when empty).
    std::vector<Entry> signals(const std::string& member, const std::string& path = "") const;
    // The signals called `member` of interface `iface`.
    std::vector<Entry> signalsOf(const std::string& member, const std::string& iface) const;
    // Index of the first entry matching pred at or after `from`, -1 if none.
    int indexOf(const std::function<bool(const Entry&)>& pred, std::size_t from = 0) const;
    bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    // At least `count` signals called `member` (from `path` when not empty).
    bool waitForSignal(const std::string& member, const std::string& path = "", std::size_t count = 1,
        std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    bool waitForSignals(const std::string& member, std::size_t count = 1,
        std::chrono::milliseconds timeout = std::chrono::seconds(5)) const
    {
        return waitForSignal(member, "", count, timeout);
    }

private:
    static GDBusMessage* filter(GDBusConnection*, GDBusMessage* message, gboolean incoming, gpointer data);

    // Shared with the filter, which runs in GDBus's worker thread and may still be running after
    // g_dbus_connection_remove_filter(): GDBus drops its reference once it no longer can.
    struct State {
        bool typedBodies = true;
        std::mutex mutex;
        std::vector<Entry> entries;
    };
    GDBusConnection* connection_;
    Options options_;
    guint filterId_ = 0;
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

} // namespace ck::test
