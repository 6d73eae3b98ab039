// Fuzz target: OpenSessionWithParameters' a(sv) decoder (parseParameters()). The input is a
// serialized GVariant of type a(sv), as untrusted as bytes from a client; GDBus hands the
// decoder values in normal form, so the harness does too.
#include <glib.h>

#include "bus/parameters.h"
#include "fuzz_target.h"

namespace {
constexpr std::size_t kMaxStringLength = 4096; // src/bus/parameters.cpp
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    GBytes* bytes = g_bytes_new(data, size);
    GVariant* raw = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a(sv)"), bytes, FALSE));
    GVariant* normal = g_variant_get_normal_form(raw);
    ck::core::SessionParams base;
    base.unixUser = 1000;
    auto parsed = ck::bus::parseParameters(normal, base);
    if (parsed) {
        const auto& p = parsed->params;
        if (p.vtnr > 63)
            ck::fuzz::violated("vtnr out of range");
        if (p.unixUser == static_cast<uid_t>(-1))
            ck::fuzz::violated("uid -1 accepted");
        for (const std::string* s : {&p.sessionType, &p.sessionClass, &p.sessionService, &p.x11Display,
                 &p.x11DisplayDevice, &p.displayDevice, &p.remoteHostName, &p.loginSessionId})
            if (s->size() > kMaxStringLength || !g_utf8_validate(s->data(), static_cast<gssize>(s->size()), nullptr))
                ck::fuzz::violated("an over-long or non-UTF-8 string accepted", *s);
    } else if (parsed.error().message.empty()) {
        ck::fuzz::violated("an error without a message");
    }
    g_variant_unref(normal);
    g_variant_unref(raw);
    g_bytes_unref(bytes);
    return 0;
}
