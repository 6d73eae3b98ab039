// Accessors for the generated introspection data.
#include "bus/interfaces.h"

#include "ck-dbus-interfaces.h"

namespace ck::bus {

const GDBusInterfaceInfo* managerInterfaceInfo()
{
    return &ck_dbus_manager_interface;
}
const GDBusInterfaceInfo* seatInterfaceInfo()
{
    return &ck_dbus_seat_interface;
}
const GDBusInterfaceInfo* sessionInterfaceInfo()
{
    return &ck_dbus_session_interface;
}

} // namespace ck::bus
