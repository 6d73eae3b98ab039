// The one table from core error codes to registered ConsoleKit2 D-Bus error names.
#pragma once

#include <gio/gio.h>

#include <string>

#include "util/result.h"

namespace ck::bus {

enum class Domain { Manager, Seat, Session };

// "org.freedesktop.ConsoleKit.Manager.Error.InvalidInput" and the like; never unmapped.
std::string errorName(Domain domain, ErrorCode code);
// Replies with the error; always a readable message.
void returnError(GDBusMethodInvocation* invocation, Domain domain, const Error& error);
void returnError(GDBusMethodInvocation* invocation, Domain domain, ErrorCode code, const std::string& message);

} // namespace ck::bus
