// Error mapping. Seat and Session have fewer registered names than Manager: codes they lack
// fall back to the nearest one of their own domain.
#include "bus/errors.h"

namespace ck::bus {

namespace {
const char* domainPrefix(Domain d)
{
    switch (d) {
    case Domain::Manager:
        return "org.freedesktop.ConsoleKit.Manager.Error.";
    case Domain::Seat:
        return "org.freedesktop.ConsoleKit.Seat.Error.";
    case Domain::Session:
        return "org.freedesktop.ConsoleKit.Session.Error.";
    }
    return "org.freedesktop.ConsoleKit.Manager.Error.";
}

// Names ConsoleKit2 registers per domain (spec §2.1), plus InvalidInput everywhere (ours).
const char* mappedCode(Domain d, ErrorCode c)
{
    switch (c) {
    case ErrorCode::Failed:
        return "Failed";
    case ErrorCode::General:
        return "General";
    case ErrorCode::InsufficientPermission:
        return "InsufficientPermission";
    case ErrorCode::NotSupported:
        return "NotSupported";
    case ErrorCode::InvalidInput:
        return "InvalidInput";
    case ErrorCode::UnknownObject:
        return "Failed"; // named by errorName() as the standard error
    case ErrorCode::AuthorizationRequired:
        return d == Domain::Manager ? "AuthorizationRequired" : "InsufficientPermission";
    case ErrorCode::Busy:
        return d == Domain::Manager ? "Busy" : "Failed";
    case ErrorCode::Inhibited:
        return d == Domain::Manager ? "Inhibited" : "Failed";
    case ErrorCode::OutOfMemory:
        return d == Domain::Manager ? "OutOfMemory" : "Failed";
    case ErrorCode::NoSeats:
        return d == Domain::Manager ? "NoSeats" : "Failed";
    case ErrorCode::NoSessions:
        return d == Domain::Session ? "Failed" : "NoSessions";
    case ErrorCode::NothingInhibited:
        return d == Domain::Manager ? "NothingInhibited" : "Failed";
    case ErrorCode::NoActiveSession:
        return d == Domain::Seat ? "NoActiveSession" : "Failed";
    case ErrorCode::AlreadyActive:
        return d == Domain::Manager ? "Failed" : "AlreadyActive";
    }
    return "Failed";
}
} // namespace

std::string errorName(Domain domain, ErrorCode code)
{
    if (code == ErrorCode::UnknownObject)
        return "org.freedesktop.DBus.Error.UnknownObject";
    return std::string(domainPrefix(domain)) + mappedCode(domain, code);
}

void returnError(GDBusMethodInvocation* invocation, Domain domain, const Error& error)
{
    const std::string name = errorName(domain, error.code);
    const std::string& msg = error.message.empty() ? std::string(errorCodeName(error.code)) : error.message;
    g_dbus_method_invocation_return_dbus_error(invocation, name.c_str(), msg.c_str());
}

void returnError(GDBusMethodInvocation* invocation, Domain domain, ErrorCode code, const std::string& message)
{
    returnError(invocation, domain, Error{code, message});
}

} // namespace ck::bus
