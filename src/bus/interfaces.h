// The introspection data generated from dbus/*.xml (the contract).
#pragma once

#include <gio/gio.h>

namespace ck::bus {

const GDBusInterfaceInfo* managerInterfaceInfo();
const GDBusInterfaceInfo* seatInterfaceInfo();
const GDBusInterfaceInfo* sessionInterfaceInfo();

} // namespace ck::bus
