// ck-launch-session's bus side: libck-connector's OpenSession or OpenSessionWithParameters
// (session-service), as ConsoleKit's own ck-launch-session did.
#include "launch-session/session_opener.h"

#include <ck-connector.h>

#include <utility>

namespace ck::launch {

namespace {

// The message of a libck-connector call that returned FALSE, and frees the error.
std::string messageOf(DBusError* error)
{
    std::string message = dbus_error_is_set(error) ? error->message : "out of memory, or no system bus";
    dbus_error_free(error);
    return message;
}

} // namespace

OpenedSession::OpenedSession(_CkConnector* connector, std::string cookie)
    : connector_(connector), cookie_(std::move(cookie))
{ }

OpenedSession::OpenedSession(OpenedSession&& other) noexcept
    : connector_(std::exchange(other.connector_, nullptr)), cookie_(std::move(other.cookie_))
{ }

OpenedSession& OpenedSession::operator=(OpenedSession&& other) noexcept
{
    if (this != &other) {
        if (connector_ != nullptr)
            ck_connector_unref(connector_);
        connector_ = std::exchange(other.connector_, nullptr);
        cookie_ = std::move(other.cookie_);
    }
    return *this;
}

OpenedSession::~OpenedSession()
{
    // The last reference closes the connection, which ends the session.
    if (connector_ != nullptr)
        ck_connector_unref(connector_);
}

Result<OpenedSession> OpenedSession::open(const SessionRequest& request)
{
    CkConnector* connector = ck_connector_new();
    if (connector == nullptr)
        return Error{ErrorCode::Failed, "out of memory"};
    DBusError error;
    dbus_error_init(&error);
    dbus_bool_t opened = FALSE;
    if (request.service) {
        const char* service = request.service->c_str();
        opened = ck_connector_open_session_with_parameters(
            connector, &error, "session-service", &service, static_cast<const char*>(nullptr));
    } else {
        opened = ck_connector_open_session(connector, &error);
    }
    if (!opened) {
        ck_connector_unref(connector);
        return Error{ErrorCode::Failed, messageOf(&error)};
    }
    return OpenedSession(connector, ck_connector_get_cookie(connector));
}

Result<std::string> OpenedSession::runtimeDir() const
{
    DBusError error;
    dbus_error_init(&error);
    if (const char* dir = ck_connector_get_runtime_dir(connector_, &error))
        return std::string(dir);
    return Error{ErrorCode::Failed, messageOf(&error)};
}

} // namespace ck::launch
