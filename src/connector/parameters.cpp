// Parameter table and checks of ck_connector_open_session_with_parameters.
#include "connector/parameters.h"

#include <cstring>

namespace ck::connector {

namespace {

struct Entry {
    const char* name;
    int type;
};

// ConsoleKit's client table plus the names its daemon also takes (session-class,
// login-session-id, vtnr, the old alias user): a superset, so every old caller still works.
constexpr Entry kTable[] = {
    {"display-device", DBUS_TYPE_STRING},
    {"x11-display-device", DBUS_TYPE_STRING},
    {"x11-display", DBUS_TYPE_STRING},
    {"remote-host-name", DBUS_TYPE_STRING},
    {"session-type", DBUS_TYPE_STRING},
    {"session-service", DBUS_TYPE_STRING},
    {"session-class", DBUS_TYPE_STRING},
    {"login-session-id", DBUS_TYPE_STRING},
    {"is-local", DBUS_TYPE_BOOLEAN},
    {"unix-user", DBUS_TYPE_INT32},
    {"user", DBUS_TYPE_INT32},
    {"vtnr", DBUS_TYPE_UINT32},
};

const Entry* lookUp(const char* name)
{
    for (const Entry& e : kTable)
        if (std::strcmp(e.name, name) == 0)
            return &e;
    return nullptr;
}

bool validUtf8(const char* text)
{
    DBusError error;
    dbus_error_init(&error);
    const bool ok = dbus_validate_utf8(text, &error);
    dbus_error_free(&error);
    return ok;
}

} // namespace

std::string printable(const char* text)
{
    if (text == nullptr)
        return "(null)";
    return validUtf8(text) ? std::string(text) : std::string("(not UTF-8)");
}

bool readParameters(const char* first, va_list args, std::vector<Parameter>* out, std::string* message)
{
    for (const char* name = first; name != nullptr; name = va_arg(args, const char*)) {
        const void* value = va_arg(args, const void*);
        const Entry* entry = lookUp(name);
        if (entry == nullptr) {
            *message = "Unknown parameter: " + printable(name);
            return false;
        }
        if (value == nullptr) {
            *message = std::string("Error adding parameter: no value for ") + name;
            return false;
        }
        Parameter p;
        p.name = name;
        p.type = entry->type;
        switch (entry->type) {
        case DBUS_TYPE_STRING: {
            const char* s = *static_cast<const char* const*>(value);
            if (s == nullptr)
                continue; // documented: a NULL string leaves the parameter out
            if (!validUtf8(s)) {
                *message = std::string("Error adding parameter: the value of ") + name + " is not valid UTF-8";
                return false;
            }
            p.text = s;
            break;
        }
        case DBUS_TYPE_BOOLEAN: {
            dbus_bool_t b = 0;
            std::memcpy(&b, value, sizeof b);
            if (b != 0 && b != 1) {
                *message = std::string("Error adding parameter: ") + name + " must be a dbus_bool_t of 0 or 1, not "
                    + std::to_string(b);
                return false;
            }
            p.number = b;
            break;
        }
        default: // INT32 and UINT32 are both four bytes; the wire type tells them apart
            std::memcpy(&p.number, value, sizeof p.number);
            break;
        }
        out->push_back(std::move(p));
    }
    return true;
}

bool appendParameters(DBusMessage* message, const std::vector<Parameter>& parameters)
{
    DBusMessageIter args, array;
    dbus_message_iter_init_append(message, &args);
    if (!dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "(sv)", &array))
        return false;
    for (const Parameter& p : parameters) {
        DBusMessageIter pair, variant;
        const char* name = p.name.c_str();
        const char signature[2] = {static_cast<char>(p.type), '\0'};
        if (!dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, nullptr, &pair)) {
            dbus_message_iter_abandon_container(&args, &array);
            return false;
        }
        bool ok = dbus_message_iter_append_basic(&pair, DBUS_TYPE_STRING, &name)
            && dbus_message_iter_open_container(&pair, DBUS_TYPE_VARIANT, signature, &variant);
        if (ok) {
            const char* text = p.text.c_str();
            const dbus_uint32_t number = p.number;
            ok = p.type == DBUS_TYPE_STRING ? dbus_message_iter_append_basic(&variant, p.type, &text)
                                            : dbus_message_iter_append_basic(&variant, p.type, &number);
            ok = dbus_message_iter_close_container(&pair, &variant) && ok;
        }
        ok = dbus_message_iter_close_container(&array, &pair) && ok;
        if (!ok) {
            dbus_message_iter_abandon_container_if_open(&args, &array);
            return false;
        }
    }
    return dbus_message_iter_close_container(&args, &array);
}

} // namespace ck::connector
