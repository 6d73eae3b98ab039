// libck-connector's bus side: connection and calls with one deadline per library call.
#include "connector/bus_call.h"

#include <cstdlib>

namespace ck::connector {

namespace {

constexpr const char* kBusName = "org.freedesktop.ConsoleKit";
// libdbus's default system bus socket (dbus-1's DBUS_SYSTEM_BUS_DEFAULT_ADDRESS on Linux and BSD).
constexpr const char* kDefaultSystemBus = "unix:path=/var/run/dbus/system_bus_socket";

// Frees a DBusError that libdbus filled.
class LocalError {
public:
    LocalError() { dbus_error_init(&error_); }
    ~LocalError() { dbus_error_free(&error_); }
    LocalError(const LocalError&) = delete;
    LocalError& operator=(const LocalError&) = delete;
    DBusError* get() { return &error_; }
    bool isSet() const { return dbus_error_is_set(&error_); }
    CallError toCallError() const
    {
        if (!isSet())
            return {};
        return {error_.name, error_.message != nullptr ? error_.message : ""};
    }

private:
    DBusError error_;
};

CallError timedOut()
{
    return {DBUS_ERROR_NO_REPLY, "ConsoleKit did not answer within " + std::to_string(kCallBudgetMs / 1000) + " s"};
}

} // namespace

int Deadline::remainingMs() const
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

ConnectionPtr connectSystemBus(const Deadline& deadline, CallError* error)
{
    // dbus_bus_get_private would do the same, but its Hello waits libdbus's 25 s default when the
    // bus itself hangs. secure_getenv: a setuid caller must not be pointed at another bus (libdbus
    // applies the same rule).
    const char* env = ::secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
    const char* address = env != nullptr && *env != '\0' ? env : kDefaultSystemBus;
    LocalError local;
    ConnectionPtr connection(dbus_connection_open_private(address, local.get()));
    if (!connection) {
        *error = local.isSet() ? local.toCallError() : CallError{};
        return nullptr;
    }
    // libdbus makes bus connections _exit() the process when the bus goes away; a login program
    // must survive that (already the default for a connection opened by address).
    dbus_connection_set_exit_on_disconnect(connection.get(), FALSE);

    // Authentication first, in steps bounded by the deadline: a blocking send on a connection
    // that is not authenticated yet polls without a timeout (measured: a stopped dbus-daemon
    // blocked dbus_connection_send_with_reply_and_block for good).
    while (!dbus_connection_get_is_authenticated(connection.get())) {
        const int left = deadline.remainingMs();
        if (left <= 0) {
            *error = {DBUS_ERROR_NO_REPLY,
                "the system bus did not complete authentication within " + std::to_string(kCallBudgetMs / 1000) + " s"};
            return nullptr;
        }
        if (!dbus_connection_read_write(connection.get(), left)) {
            *error = {DBUS_ERROR_DISCONNECTED, "the system bus closed the connection during authentication"};
            return nullptr;
        }
    }
    MessagePtr hello(dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello"));
    if (!hello) {
        *error = {};
        return nullptr;
    }
    MessagePtr reply = callAndWait(connection.get(), hello.get(), deadline, error);
    if (!reply)
        return nullptr;
    return connection;
}

MessagePtr newCall(const char* path, const char* interface, const char* method)
{
    return MessagePtr(dbus_message_new_method_call(kBusName, path, interface, method));
}

MessagePtr callAndWait(DBusConnection* connection, DBusMessage* call, const Deadline& deadline, CallError* error)
{
    const int left = deadline.remainingMs();
    if (left <= 0) {
        *error = timedOut();
        return nullptr;
    }
    LocalError local;
    MessagePtr reply(dbus_connection_send_with_reply_and_block(connection, call, left, local.get()));
    if (reply)
        return reply;
    if (local.isSet() && dbus_error_has_name(local.get(), DBUS_ERROR_NO_REPLY) && deadline.remainingMs() <= 0)
        *error = timedOut();
    else
        *error = local.toCallError();
    return nullptr;
}

bool replyString(DBusMessage* reply, int type, std::string* out, CallError* error)
{
    LocalError local;
    const char* value = nullptr;
    if (!dbus_message_get_args(reply, local.get(), type, &value, DBUS_TYPE_INVALID)) {
        *error = local.isSet() ? local.toCallError() : CallError{};
        return false;
    }
    *out = value;
    return true;
}

} // namespace ck::connector
