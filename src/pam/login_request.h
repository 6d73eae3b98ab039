// What pam_ck_connector asks ConsoleKit for, worked out from the PAM items and environment of one
// login (no PAM, no D-Bus here, so that the rules are tested on their own).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ck::pam {

struct ModuleOptions {
    bool debug = false;
    bool nox11 = false;
    std::vector<std::string> unknown; // options we do not know, for one log line each
};

// Parsed anew on every call: an option of one stack line never sticks to the next (ConsoleKit
// kept nox11 in a static that nothing reset).
ModuleOptions parseOptions(int argc, const char** argv);

// The inputs of one login. A missing PAM item or variable is nullopt; an empty one counts as
// missing everywhere.
struct LoginInputs {
    std::optional<std::string> service; // PAM_SERVICE
    std::optional<std::string> tty; // PAM_TTY
    std::optional<std::string> rhost; // PAM_RHOST
    std::optional<std::string> xdisplay; // PAM_XDISPLAY
    // From the PAM environment (pam_getenv), not the process environment.
    std::optional<std::string> ckconTty, ckconX11Display, ckconX11DisplayDevice;
    std::optional<std::string> xdgVtnr, xdgSessionType, xdgSessionClass;
};

struct LoginRequest {
    std::string displayDevice;
    std::string x11Display;
    std::string x11DisplayDevice;
    std::string remoteHostName;
    bool isLocal = true;
    std::optional<unsigned> vtnr;
    std::string sessionService, sessionType, sessionClass; // empty: not sent
};

// Either a request or why no session is opened (`failure` false: a deliberate skip, nox11).
struct Decision {
    std::optional<LoginRequest> request;
    std::string reason;
    bool failure = false;
};

// The rules (pam_ck_connector(8)):
//  - display-device: CKCON_TTY, else PAM_TTY (with /dev/ put in front of a relative name); a
//    PAM_TTY holding ':' is an X11 display, not a device (what display managers pass).
//  - x11-display: CKCON_X11_DISPLAY, else PAM_XDISPLAY, else a PAM_TTY holding ':'.
//  - x11-display-device: CKCON_X11_DISPLAY_DEVICE, else /dev/ttyXDG_VTNR when there is an X11
//    display; vtnr: XDG_VTNR when it is a number from 1 to 63.
//  - the login is graphical when any of: an X11 display above, XDG_SESSION_TYPE x11, wayland or
//    mir. nox11 skips graphical logins, so a display manager that registers its sessions itself
//    and also runs a stack with `pam_ck_connector.so nox11` gets one session, not two.
//  - remote-host-name and is-local false when PAM_RHOST is set; session-service PAM_SERVICE,
//    session-type XDG_SESSION_TYPE, session-class XDG_SESSION_CLASS when set.
Decision decide(const LoginInputs& in, const ModuleOptions& options);

} // namespace ck::pam
