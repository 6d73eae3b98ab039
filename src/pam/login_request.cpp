// pam_ck_connector's rules: from PAM items and environment to OpenSessionWithParameters.
#include "pam/login_request.h"

#include <cstring>

namespace ck::pam {

namespace {

// The value when it is set and not empty.
const std::string* present(const std::optional<std::string>& v)
{
    return v && !v->empty() ? &*v : nullptr;
}

std::optional<unsigned> vtNumber(const std::string& text)
{
    if (text.empty() || text.size() > 2)
        return std::nullopt;
    unsigned n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n < 1 || n > 63)
        return std::nullopt;
    return n;
}

} // namespace

ModuleOptions parseOptions(int argc, const char** argv)
{
    ModuleOptions o;
    for (int i = 0; i < argc; ++i) {
        if (argv[i] == nullptr)
            continue;
        if (std::strcmp(argv[i], "debug") == 0)
            o.debug = true;
        else if (std::strcmp(argv[i], "nox11") == 0)
            o.nox11 = true;
        else
            o.unknown.emplace_back(argv[i]);
    }
    return o;
}

Decision decide(const LoginInputs& in, const ModuleOptions& options)
{
    LoginRequest r;
    const std::string* tty = present(in.tty);
    const bool ttyIsDisplay = tty != nullptr && tty->find(':') != std::string::npos;

    if (const std::string* v = present(in.ckconTty))
        r.displayDevice = *v;
    else if (tty != nullptr && !ttyIsDisplay)
        r.displayDevice = tty->starts_with("/dev/") ? *tty : "/dev/" + *tty;

    if (const std::string* v = present(in.ckconX11Display))
        r.x11Display = *v;
    else if (const std::string* x = present(in.xdisplay))
        r.x11Display = *x;
    else if (ttyIsDisplay)
        r.x11Display = *tty;

    const std::string* type = present(in.xdgSessionType);
    const bool graphicalType = type != nullptr && (*type == "x11" || *type == "wayland" || *type == "mir");
    if (options.nox11 && (!r.x11Display.empty() || graphicalType)) {
        Decision skip;
        skip.reason = "nox11: not registering the graphical login ("
            + (!r.x11Display.empty() ? "display " + r.x11Display : "XDG_SESSION_TYPE=" + *type) + ")";
        return skip;
    }
    if (r.displayDevice.empty() && r.x11Display.empty()) {
        Decision fail;
        fail.reason = "cannot determine display-device: neither PAM_TTY nor CKCON_TTY nor an X11 display is set";
        fail.failure = true;
        return fail;
    }

    if (const std::string* v = present(in.xdgVtnr))
        r.vtnr = vtNumber(*v);
    if (const std::string* v = present(in.ckconX11DisplayDevice))
        r.x11DisplayDevice = *v;
    else if (r.vtnr && !r.x11Display.empty())
        r.x11DisplayDevice = "/dev/tty" + std::to_string(*r.vtnr);

    if (const std::string* v = present(in.rhost)) {
        r.remoteHostName = *v;
        r.isLocal = false;
    }
    if (const std::string* v = present(in.service))
        r.sessionService = *v;
    if (type != nullptr)
        r.sessionType = *type;
    if (const std::string* v = present(in.xdgSessionClass))
        r.sessionClass = *v;

    Decision d;
    d.request = std::move(r);
    return d;
}

} // namespace ck::pam
