// Session openers: OpenSessionWithParameters and its look-up, for every suite on a test bus.
#include "support/session_openers.h"

namespace ck::test {

GVariant* sessionParameters(std::initializer_list<std::pair<const char*, GVariant*>> entries)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    for (const auto& [name, value] : entries)
        g_variant_builder_add(&b, "(sv)", name, value);
    return g_variant_new("(a(sv))", &b);
}

std::string firstString(const Reply& reply)
{
    if (!reply.ok() || g_variant_n_children(reply.value) == 0)
        return {};
    GVariant* child = g_variant_get_child_value(reply.value, 0);
    std::string out;
    if (g_variant_is_of_type(child, G_VARIANT_TYPE_STRING) || g_variant_is_of_type(child, G_VARIANT_TYPE_OBJECT_PATH))
        out = g_variant_get_string(child, nullptr);
    g_variant_unref(child);
    return out;
}

OpenedSession openSessionWith(Client& c, GVariant* params)
{
    OpenedSession o;
    Reply cookie = c.manager("OpenSessionWithParameters", params);
    o.cookie = firstString(cookie);
    if (o.cookie.empty()) {
        o.error = cookie.print();
        return o;
    }
    Reply path = c.manager("GetSessionForCookie", g_variant_new("(s)", o.cookie.c_str()));
    o.path = firstString(path);
    if (o.path.empty()) {
        o.error = path.print();
        return o;
    }
    o.id = o.path.substr(o.path.rfind('/') + 1);
    return o;
}

GVariant* textSessionParameters(const std::string& tty, uid_t user)
{
    return sessionParameters(
        {{"unix-user", g_variant_new_int32(static_cast<gint32>(user))}, {"session-type", g_variant_new_string("tty")},
            {"display-device", g_variant_new_string(tty.c_str())}, {"x11-display", g_variant_new_string("")},
            {"x11-display-device", g_variant_new_string("")}, {"is-local", g_variant_new_boolean(TRUE)}});
}

GVariant* x11SessionParameters(
    const std::string& display, const std::string& vtDevice, const std::string& displayDevice, uid_t user)
{
    return sessionParameters({{"unix-user", g_variant_new_int32(static_cast<gint32>(user))},
        {"session-type", g_variant_new_string("x11")}, {"x11-display", g_variant_new_string(display.c_str())},
        {"x11-display-device", g_variant_new_string(vtDevice.c_str())},
        {"display-device", g_variant_new_string(displayDevice.c_str())}, {"is-local", g_variant_new_boolean(TRUE)}});
}

GVariant* remoteSessionParameters(const std::string& host, uid_t user)
{
    return sessionParameters({{"unix-user", g_variant_new_int32(static_cast<gint32>(user))},
        {"remote-host-name", g_variant_new_string(host.c_str())},
        {"display-device", g_variant_new_string("/dev/pts/7")}, {"x11-display", g_variant_new_string("")},
        {"is-local", g_variant_new_boolean(FALSE)}});
}

} // namespace ck::test
