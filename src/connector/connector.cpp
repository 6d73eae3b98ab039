// libck-connector.so.0: the nine functions of ck-connector.h. Written from the documented behaviour
// of ConsoleKit's library (spec pam-connector.md §1), with its known faults fixed: arguments are
// checked before libdbus sees them, every call has a deadline, a failed open leaves nothing open,
// a second open on one connector is refused instead of leaking the first, and a forked child can
// neither close its parent's session nor talk on the parent's connection.
//
// Loaded into login, sshd and su through pam_ck_connector: it starts no threads, installs no
// handlers, keeps no process-wide state of its own, and no C++ exception leaves it (each entry
// point catches them; std::bad_alloc becomes the "FALSE without an error" of an OOM).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "connector/bus_call.h"
#include "connector/ck-connector.h"
#include "connector/parameters.h"

#define CK_EXPORT extern "C" __attribute__((visibility("default")))

struct _CkConnector {
    std::atomic<int> refs{1};
    ck::connector::ConnectionPtr connection;
    bool sessionOpen = false;
    pid_t opener = 0; // the process that opened the session
    std::string cookie;
    std::optional<std::string> runtimeDir;
    std::string runtimeDirError; // why runtimeDir is empty
};

namespace ck::connector {
namespace {

constexpr const char* kErrorName = "org.freedesktop.CkConnector.Error";
constexpr const char* kManagerPath = "/org/freedesktop/ConsoleKit/Manager";
constexpr const char* kManagerIface = "org.freedesktop.ConsoleKit.Manager";
constexpr const char* kSessionIface = "org.freedesktop.ConsoleKit.Session";

// Whether `error` may be set: NULL is allowed (the caller does not want details), an error that is
// already set is a caller bug that libdbus would abort on.
bool errorUsable(DBusError* error)
{
    return error != nullptr && !dbus_error_is_set(error);
}

void setError(DBusError* error, const std::string& message)
{
    if (errorUsable(error))
        dbus_set_error(error, kErrorName, "%s", message.c_str());
}

// "<prefix>: <daemon's message> (<daemon's error name>)"; nothing for out of memory.
void setCallError(DBusError* error, const char* prefix, const CallError& e)
{
    if (e.name.empty())
        return;
    setError(error, std::string(prefix) + ": " + e.message + " (" + e.name + ")");
}

// A caller bug: said on stderr as ConsoleKit's library did, and in `error` when it is usable.
bool argumentsCorrect(bool ok, const char* function, const char* what, DBusError* error)
{
    if (ok)
        return true;
    std::fprintf(stderr, "arguments to %s() were incorrect: %s\n", function, what);
    setError(error, std::string("arguments to ") + function + "() were incorrect: " + what);
    return false;
}

bool checkCommon(CkConnector* ckc, DBusError* error, const char* function)
{
    if (error != nullptr && dbus_error_is_set(error)) {
        argumentsCorrect(false, function, "error is already set", nullptr);
        return false;
    }
    return argumentsCorrect(ckc != nullptr, function, "ckc is NULL", error);
}

// GetSessionForCookie + Session.GetXDGRuntimeDir on the connector's connection.
std::optional<std::string> fetchRuntimeDir(CkConnector* ckc, const Deadline& deadline, std::string* why)
{
    CallError e;
    MessagePtr call = newCall(kManagerPath, kManagerIface, "GetSessionForCookie");
    const char* cookie = ckc->cookie.c_str();
    if (!call || !dbus_message_append_args(call.get(), DBUS_TYPE_STRING, &cookie, DBUS_TYPE_INVALID)) {
        *why = "out of memory";
        return std::nullopt;
    }
    MessagePtr reply = callAndWait(ckc->connection.get(), call.get(), deadline, &e);
    std::string path;
    if (!reply || !replyString(reply.get(), DBUS_TYPE_OBJECT_PATH, &path, &e)) {
        *why = "Unable to get session for cookie: " + e.message;
        return std::nullopt;
    }
    call = newCall(path.c_str(), kSessionIface, "GetXDGRuntimeDir");
    if (!call) {
        *why = "out of memory";
        return std::nullopt;
    }
    reply = callAndWait(ckc->connection.get(), call.get(), deadline, &e);
    std::string dir;
    if (!reply || !replyString(reply.get(), DBUS_TYPE_STRING, &dir, &e)) {
        *why = e.message + " (" + e.name + ")";
        return std::nullopt;
    }
    return dir;
}

// The one open path: OpenSession (parameters == nullptr) or OpenSessionWithParameters.
dbus_bool_t openSession(CkConnector* ckc, DBusError* error, const std::vector<Parameter>* parameters)
{
    if (ckc->sessionOpen) {
        setError(error, "Unable to open session: this connector already has a session open");
        return FALSE;
    }
    const Deadline deadline;
    MessagePtr call = newCall(kManagerPath, kManagerIface, parameters ? "OpenSessionWithParameters" : "OpenSession");
    if (!call || (parameters != nullptr && !appendParameters(call.get(), *parameters)))
        return FALSE;

    // A connection left from a closed session is reused; the session ends with it.
    CallError e;
    if (!ckc->connection || !dbus_connection_get_is_connected(ckc->connection.get())) {
        ckc->connection = connectSystemBus(deadline, &e);
        if (!ckc->connection) {
            setCallError(error, "Unable to open session", e);
            return FALSE;
        }
    }
    MessagePtr reply = callAndWait(ckc->connection.get(), call.get(), deadline, &e);
    std::string cookie;
    if (!reply || !replyString(reply.get(), DBUS_TYPE_STRING, &cookie, &e)) {
        // Nothing stays open after a failure: the daemon may still be opening the session for
        // this connection (a timeout), and closing it ends that session too.
        ckc->connection.reset();
        setCallError(error, "Unable to open session", e);
        return FALSE;
    }
    ckc->cookie = std::move(cookie);
    ckc->sessionOpen = true;
    ckc->opener = ::getpid();
    // Read now, so that a child forked after the open has it without touching the connection.
    ckc->runtimeDirError.clear();
    ckc->runtimeDir = fetchRuntimeDir(ckc, deadline, &ckc->runtimeDirError);
    return TRUE;
}

dbus_bool_t openWithArguments(CkConnector* ckc, DBusError* error, const char* first, va_list args)
{
    std::vector<Parameter> parameters;
    std::string message;
    if (!readParameters(first, args, &parameters, &message)) {
        setError(error, message);
        return FALSE;
    }
    return openSession(ckc, error, &parameters);
}

} // namespace
} // namespace ck::connector

using namespace ck::connector;

CK_EXPORT CkConnector* ck_connector_new(void)
{
    return new (std::nothrow) CkConnector();
}

CK_EXPORT CkConnector* ck_connector_ref(CkConnector* ckc)
{
    if (!argumentsCorrect(ckc != nullptr, "ck_connector_ref", "ckc is NULL", nullptr))
        return nullptr;
    ckc->refs.fetch_add(1, std::memory_order_relaxed);
    return ckc;
}

CK_EXPORT void ck_connector_unref(CkConnector* ckc)
{
    if (!argumentsCorrect(ckc != nullptr, "ck_connector_unref", "ckc is NULL", nullptr))
        return;
    if (ckc->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
        delete ckc; // closes the connection: in a forked child only the child's copy of the socket
}

CK_EXPORT dbus_bool_t ck_connector_open_session_with_parameters(
    CkConnector* ckc, DBusError* error, const char* first_parameter_name, ...)
{
    if (!checkCommon(ckc, error, "ck_connector_open_session_with_parameters"))
        return FALSE;
    va_list args;
    va_start(args, first_parameter_name);
    dbus_bool_t ok = FALSE;
    try {
        ok = openWithArguments(ckc, error, first_parameter_name, args);
    } catch (...) {
        ok = FALSE;
    }
    va_end(args);
    return ok;
}

namespace {
// ck_connector_open_session_for_user goes through the variadic entry point, as documented.
dbus_bool_t openForUser(CkConnector* ckc, DBusError* error, const char* first, ...)
{
    va_list args;
    va_start(args, first);
    dbus_bool_t ok = FALSE;
    try {
        ok = openWithArguments(ckc, error, first, args);
    } catch (...) {
        ok = FALSE;
    }
    va_end(args);
    return ok;
}
} // namespace

CK_EXPORT dbus_bool_t ck_connector_open_session_for_user(
    CkConnector* ckc, uid_t user, const char* tty, const char* x11_display, DBusError* error)
{
    if (!checkCommon(ckc, error, "ck_connector_open_session_for_user")
        || !argumentsCorrect(tty != nullptr, "ck_connector_open_session_for_user", "tty is NULL", error))
        return FALSE;
    const dbus_int32_t uid = static_cast<dbus_int32_t>(user);
    // x11_display may be NULL (ConsoleKit documented it so but then aborted in libdbus).
    return openForUser(ckc, error, "display-device", &tty, "x11-display", &x11_display, "unix-user", &uid,
        static_cast<const char*>(nullptr));
}

CK_EXPORT dbus_bool_t ck_connector_open_session(CkConnector* ckc, DBusError* error)
{
    if (!checkCommon(ckc, error, "ck_connector_open_session"))
        return FALSE;
    try {
        return openSession(ckc, error, nullptr);
    } catch (...) {
        return FALSE;
    }
}

CK_EXPORT const char* ck_connector_get_cookie(CkConnector* ckc)
{
    if (!argumentsCorrect(ckc != nullptr, "ck_connector_get_cookie", "ckc is NULL", nullptr))
        return nullptr;
    return ckc->sessionOpen ? ckc->cookie.c_str() : nullptr;
}

CK_EXPORT const char* ck_connector_get_runtime_dir(CkConnector* ckc, DBusError* error)
{
    if (!checkCommon(ckc, error, "ck_connector_get_runtime_dir"))
        return nullptr;
    try {
        if (!ckc->sessionOpen) {
            setError(error, "Unable to get runtime dir for session: no session open");
            return nullptr;
        }
        if (ckc->runtimeDir)
            return ckc->runtimeDir->c_str();
        // Ask again (the daemon may have been slow), but only in the process that owns the
        // connection: a forked child sharing the socket would steal the parent's replies.
        if (::getpid() == ckc->opener) {
            const Deadline deadline;
            ckc->runtimeDir = fetchRuntimeDir(ckc, deadline, &ckc->runtimeDirError);
            if (ckc->runtimeDir)
                return ckc->runtimeDir->c_str();
        }
        setError(error, "Unable to get runtime dir for session: " + ckc->runtimeDirError);
    } catch (...) { }
    return nullptr;
}

CK_EXPORT dbus_bool_t ck_connector_close_session(CkConnector* ckc, DBusError* error)
{
    if (!checkCommon(ckc, error, "ck_connector_close_session"))
        return FALSE;
    try {
        if (!ckc->sessionOpen) {
            setError(error, "Unable to close session: no session open");
            return FALSE;
        }
        if (::getpid() != ckc->opener) {
            setError(error,
                "Unable to close session: it belongs to process " + std::to_string(ckc->opener) + ", which opened it");
            return FALSE;
        }
        const Deadline deadline;
        MessagePtr call = newCall(kManagerPath, kManagerIface, "CloseSession");
        const char* cookie = ckc->cookie.c_str();
        if (!call || !dbus_message_append_args(call.get(), DBUS_TYPE_STRING, &cookie, DBUS_TYPE_INVALID))
            return FALSE;
        CallError e;
        MessagePtr reply = callAndWait(ckc->connection.get(), call.get(), deadline, &e);
        if (!reply) {
            setCallError(error, "Unable to close session", e);
            return FALSE;
        }
        dbus_bool_t closed = FALSE;
        DBusError local;
        dbus_error_init(&local);
        const bool parsed = dbus_message_get_args(reply.get(), &local, DBUS_TYPE_BOOLEAN, &closed, DBUS_TYPE_INVALID);
        dbus_error_free(&local);
        if (!parsed || !closed) {
            setError(error, "Unable to close session: ConsoleKit refused to close it");
            return FALSE;
        }
        ckc->sessionOpen = false;
        ckc->cookie.clear();
        ckc->runtimeDir.reset();
        return TRUE;
    } catch (...) {
        return FALSE;
    }
}
