// Private parts of Service shared by its .cpp files.
#pragma once

#include <string>

#include "bus/call.h"
#include "bus/glib_ptr.h"
#include "bus/service.h"

namespace ck::bus {

struct Service::PendingActivation {
    PendingReply reply;
    std::string sessionPath; // empty for a plain VT switch (SwitchTo without a session)
    unsigned vt = 0;
    SourceId timeout;
};

struct Service::Call {
    PendingReply reply;
    std::string method;
    VariantPtr params;
    std::string path;
    std::string sender;
    Caller caller;
};

} // namespace ck::bus
