// Names of error codes, for logs and for the D-Bus error table.
#include "util/result.h"

namespace ck {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Failed:
        return "Failed";
    case ErrorCode::General:
        return "General";
    case ErrorCode::InsufficientPermission:
        return "InsufficientPermission";
    case ErrorCode::AuthorizationRequired:
        return "AuthorizationRequired";
    case ErrorCode::Busy:
        return "Busy";
    case ErrorCode::NotSupported:
        return "NotSupported";
    case ErrorCode::Inhibited:
        return "Inhibited";
    case ErrorCode::InvalidInput:
        return "InvalidInput";
    case ErrorCode::OutOfMemory:
        return "OutOfMemory";
    case ErrorCode::NoSeats:
        return "NoSeats";
    case ErrorCode::NoSessions:
        return "NoSessions";
    case ErrorCode::NothingInhibited:
        return "NothingInhibited";
    case ErrorCode::NoActiveSession:
        return "NoActiveSession";
    case ErrorCode::AlreadyActive:
        return "AlreadyActive";
    case ErrorCode::UnknownObject:
        return "UnknownObject";
    }
    return "Failed";
}

} // namespace ck
