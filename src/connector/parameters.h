// The parameters of ck_connector_open_session_with_parameters: names typed by a client-side table,
// every value checked before it reaches libdbus (libdbus aborts the process on a NULL or invalid
// UTF-8 string and on a dbus_bool_t other than 0 or 1).
#pragma once

#include <dbus/dbus.h>

#include <cstdarg>
#include <string>
#include <vector>

namespace ck::connector {

struct Parameter {
    std::string name;
    int type = DBUS_TYPE_INVALID; // DBUS_TYPE_STRING, _BOOLEAN, _INT32 or _UINT32
    std::string text; // DBUS_TYPE_STRING
    dbus_uint32_t number = 0; // the others (an int32 is kept as its bit pattern)
};

// Reads the (name, value pointer) pairs that follow `first` up to a NULL name. A string value
// that is NULL leaves its parameter out. false with *message set ("Unknown parameter: …", "Error
// adding parameter: …") on the first bad pair.
bool readParameters(const char* first, va_list args, std::vector<Parameter>* out, std::string* message);

// Appends them as the a(sv) argument of OpenSessionWithParameters; false when out of memory.
bool appendParameters(DBusMessage* message, const std::vector<Parameter>& parameters);

// `text` if it is valid UTF-8, else a placeholder (for error messages that echo caller input).
std::string printable(const char* text);

} // namespace ck::connector
