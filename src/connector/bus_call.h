// libck-connector's bus side: a private system-bus connection and blocking calls on it, all of
// one library call sharing one deadline, so that no call of the library waits longer than
// kCallBudgetMs for a daemon that does not answer (libdbus's own default is 25 s).
#pragma once

#include <dbus/dbus.h>

#include <chrono>
#include <memory>
#include <string>

namespace ck::connector {

// What one public call of the library may take, answered or not (documented in ck-connector.h
// and the README).
constexpr int kCallBudgetMs = 10000;

class Deadline {
public:
    Deadline() : end_(std::chrono::steady_clock::now() + std::chrono::milliseconds(kCallBudgetMs)) { }
    // Milliseconds left, 0 when the deadline has passed.
    int remainingMs() const;

private:
    std::chrono::steady_clock::time_point end_;
};

// A failed call. An empty name means out of memory: the library then returns FALSE without
// setting the caller's DBusError, as ConsoleKit's library did.
struct CallError {
    std::string name;
    std::string message;
};

struct MessageUnref {
    void operator()(DBusMessage* m) const { dbus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<DBusMessage, MessageUnref>;

// Closes (a private connection must be closed before its last unref) and unrefs.
struct ConnectionRelease {
    void operator()(DBusConnection* c) const
    {
        dbus_connection_close(c);
        dbus_connection_unref(c);
    }
};
using ConnectionPtr = std::unique_ptr<DBusConnection, ConnectionRelease>;

// A new private connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS unless the process is
// setuid, else libdbus's default socket), registered with the bus (Hello) before the deadline.
// It never makes the process exit when the bus goes away.
ConnectionPtr connectSystemBus(const Deadline& deadline, CallError* error);

// A method call to org.freedesktop.ConsoleKit; nullptr when out of memory.
MessagePtr newCall(const char* path, const char* interface, const char* method);

// Sends `call` and waits for its reply until the deadline; nullptr with *error set otherwise
// (a D-Bus error reply keeps its name and message).
MessagePtr callAndWait(DBusConnection* connection, DBusMessage* call, const Deadline& deadline, CallError* error);

// The single string-like (s or o) argument of a reply; false with *error set otherwise.
bool replyString(DBusMessage* reply, int type, std::string* out, CallError* error);

} // namespace ck::connector
