// Parameter table of OpenSessionWithParameters (spec §3.3) with strict value types.
#include "bus/parameters.h"

#include <cstring>
#include <string_view>

#include "bus/glib_ptr.h"
#include "core/session_strings.h"

namespace ck::bus {

namespace {
using core::SessionParams;

enum class Kind { Uid, String, Bool, Vt };

struct Entry {
    const char* name;
    Kind kind;
    std::string SessionParams::*str;
    bool SessionParams::*flag;
};

constexpr Entry kTable[] = {
    {"unix-user", Kind::Uid, nullptr, nullptr},
    {"user", Kind::Uid, nullptr, nullptr}, // deprecated alias of unix-user
    {"session-type", Kind::String, &SessionParams::sessionType, nullptr},
    {"session-class", Kind::String, &SessionParams::sessionClass, nullptr},
    {"session-service", Kind::String, &SessionParams::sessionService, nullptr},
    {"x11-display", Kind::String, &SessionParams::x11Display, nullptr},
    {"x11-display-device", Kind::String, &SessionParams::x11DisplayDevice, nullptr},
    {"display-device", Kind::String, &SessionParams::displayDevice, nullptr},
    {"remote-host-name", Kind::String, &SessionParams::remoteHostName, nullptr},
    {"login-session-id", Kind::String, &SessionParams::loginSessionId, nullptr},
    {"is-local", Kind::Bool, nullptr, &SessionParams::isLocal},
    {"vtnr", Kind::Vt, nullptr, nullptr},
};

// Real clients send about a dozen; unknown names are ignored, but not without end.
constexpr std::size_t kMaxParameters = 64;

Error typeError(const char* name, const char* expected, GVariant* value)
{
    return Error{ErrorCode::InvalidInput,
        std::string("Parameter '") + name + "' must be of type " + expected + ", not '"
            + g_variant_get_type_string(value) + "'"};
}

// Any integer type is accepted when it fits (clients send 'i' for unix-user).
bool integerValue(GVariant* v, gint64& out)
{
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
        out = g_variant_get_int32(v);
    else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
        out = g_variant_get_uint32(v);
    else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
        out = g_variant_get_int64(v);
    else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) {
        guint64 u = g_variant_get_uint64(v);
        if (u > static_cast<guint64>(G_MAXINT64))
            return false;
        out = static_cast<gint64>(u);
    } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT16))
        out = g_variant_get_int16(v);
    else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16))
        out = g_variant_get_uint16(v);
    else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BYTE))
        out = g_variant_get_byte(v);
    else
        return false;
    return true;
}
} // namespace

Result<ParsedParameters> parseParameters(GVariant* parameters, core::SessionParams base)
{
    ParsedParameters out{std::move(base), {}};
    if (parameters == nullptr || !g_variant_is_of_type(parameters, G_VARIANT_TYPE("a(sv)")))
        return Error{ErrorCode::InvalidInput, "Parameters must be an array of (name, value) pairs: a(sv)"};
    if (g_variant_n_children(parameters) > kMaxParameters)
        return Error{ErrorCode::InvalidInput,
            "Too many parameters: " + std::to_string(g_variant_n_children(parameters)) + ", at most "
                + std::to_string(kMaxParameters)};
    GVariantIter iter;
    g_variant_iter_init(&iter, parameters);
    const gchar* name = nullptr;
    GVariant* rawValue = nullptr;
    while (g_variant_iter_next(&iter, "(&sv)", &name, &rawValue)) {
        VariantPtr value(rawValue);
        const Entry* entry = nullptr;
        for (const auto& e : kTable)
            if (std::strcmp(e.name, name) == 0)
                entry = &e;
        if (entry == nullptr)
            continue; // id, cookie and unknown names are ignored
        GVariant* v = value.get();
        switch (entry->kind) {
        case Kind::Uid: {
            gint64 n = 0;
            if (!integerValue(v, n))
                return typeError(name, "'i' or 'u'", v);
            if (n < 0 || n > static_cast<gint64>(G_MAXUINT32) - 1)
                return Error{ErrorCode::InvalidInput,
                    std::string("Parameter '") + name + "' is not a valid user id: " + std::to_string(n)};
            out.params.unixUser = static_cast<uid_t>(n);
            out.given.insert("unix-user");
            break;
        }
        case Kind::String: {
            if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
                return typeError(name, "'s'", v);
            gsize len = 0;
            const gchar* s = g_variant_get_string(v, &len);
            if (auto ok = core::checkSessionString(name, std::string_view(s, len)); !ok)
                return ok.error();
            out.params.*(entry->str) = s;
            out.given.insert(name);
            break;
        }
        case Kind::Bool:
            if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
                return typeError(name, "'b'", v);
            out.params.*(entry->flag) = g_variant_get_boolean(v) != FALSE;
            out.given.insert(name);
            break;
        case Kind::Vt: {
            gint64 n = 0;
            if (!integerValue(v, n))
                return typeError(name, "'u'", v);
            if (n < 0 || n > 63)
                return Error{
                    ErrorCode::InvalidInput, "Parameter 'vtnr' must be between 0 and 63, not " + std::to_string(n)};
            out.params.vtnr = static_cast<unsigned>(n);
            out.given.insert(name);
            break;
        }
        }
    }
    return out;
}

} // namespace ck::bus
