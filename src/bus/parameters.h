// OpenSessionWithParameters: the a(sv) list turned into session parameters, each value checked
// against its type (a wrong type is an InvalidInput error naming the parameter).
#pragma once

#include <glib.h>

#include <set>
#include <string>

#include "core/session.h"
#include "util/result.h"

namespace ck::bus {

struct ParsedParameters {
    core::SessionParams params;
    std::set<std::string> given; // names that were set (e.g. "is-local", "unix-user")
};

// `base` holds the values collected from the caller's process; given parameters override them.
// `id`, `cookie` and unknown names are ignored (as every ConsoleKit did).
Result<ParsedParameters> parseParameters(GVariant* parameters, core::SessionParams base);

} // namespace ck::bus
