// pam_ck_connector.so: registers a PAM login with ConsoleKit through libck-connector.
//
// State lives in the PAM handle (pam_set_data "pam_ck_connector"), never in statics: Linux-PAM
// dlcloses modules at pam_end and one process may run several handles. Every failure returns
// PAM_IGNORE (a login never fails because ConsoleKit is missing) and is logged once. A forked
// child (pam_end with PAM_DATA_SILENT, or any process other than the opener) never closes the
// session: it only drops its copy of the connection.
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>
#include <pwd.h>
#include <syslog.h>
#include <unistd.h>

#include <ck-connector.h>

#include <new>
#include <string>

#include "pam/login_request.h"

#define CK_PAM_EXPORT extern "C" __attribute__((visibility("default")))

namespace ck::pam {
namespace {

constexpr const char* kDataName = "pam_ck_connector";

// What a handle keeps between open_session and close_session.
struct HandleState {
    CkConnector* connector = nullptr;
    pid_t opener = 0;
    bool closeTried = false; // close_session ran: cleanup must not wait for the daemon again
};

void cleanupState(pam_handle_t*, void* data, int errorStatus)
{
    auto* state = static_cast<HandleState*>(data);
    if (state == nullptr)
        return;
    // pam_end in the parent without close_session: end the session explicitly. In a forked child
    // (PAM_DATA_SILENT per pam_end(3), or simply another pid) the parent's session stays.
    const bool owner = (errorStatus & PAM_DATA_SILENT) == 0 && ::getpid() == state->opener;
    if (owner && !state->closeTried && ck_connector_get_cookie(state->connector) != nullptr)
        ck_connector_close_session(state->connector, nullptr);
    ck_connector_unref(state->connector);
    delete state;
}

std::optional<std::string> item(pam_handle_t* pamh, int type)
{
    const void* value = nullptr;
    if (pam_get_item(pamh, type, &value) != PAM_SUCCESS || value == nullptr)
        return std::nullopt;
    return std::string(static_cast<const char*>(value));
}

std::optional<std::string> pamEnv(pam_handle_t* pamh, const char* name)
{
    const char* value = pam_getenv(pamh, name);
    if (value == nullptr)
        return std::nullopt;
    return std::string(value);
}

LoginInputs inputsOf(pam_handle_t* pamh)
{
    LoginInputs in;
    in.service = item(pamh, PAM_SERVICE);
    in.tty = item(pamh, PAM_TTY);
    in.rhost = item(pamh, PAM_RHOST);
    in.xdisplay = item(pamh, PAM_XDISPLAY);
    in.ckconTty = pamEnv(pamh, "CKCON_TTY");
    in.ckconX11Display = pamEnv(pamh, "CKCON_X11_DISPLAY");
    in.ckconX11DisplayDevice = pamEnv(pamh, "CKCON_X11_DISPLAY_DEVICE");
    in.xdgVtnr = pamEnv(pamh, "XDG_VTNR");
    in.xdgSessionType = pamEnv(pamh, "XDG_SESSION_TYPE");
    in.xdgSessionClass = pamEnv(pamh, "XDG_SESSION_CLASS");
    return in;
}

// The string parameters of a request with their names; empty values are left out.
bool openWith(CkConnector* ckc, const LoginRequest& r, dbus_int32_t uid, DBusError* error)
{
    const char* dd = r.displayDevice.c_str();
    const char* xd = r.x11Display.c_str();
    const char* xdd = r.x11DisplayDevice.c_str();
    const char* rh = r.remoteHostName.c_str();
    const char* service = r.sessionService.empty() ? nullptr : r.sessionService.c_str();
    const char* type = r.sessionType.empty() ? nullptr : r.sessionType.c_str();
    const char* klass = r.sessionClass.empty() ? nullptr : r.sessionClass.c_str();
    const dbus_bool_t local = r.isLocal ? TRUE : FALSE;
    if (r.vtnr) {
        const dbus_uint32_t vtnr = *r.vtnr;
        return ck_connector_open_session_with_parameters(ckc, error, "unix-user", &uid, "display-device", &dd,
            "x11-display", &xd, "x11-display-device", &xdd, "remote-host-name", &rh, "is-local", &local,
            "session-service", &service, "session-type", &type, "session-class", &klass, "vtnr", &vtnr,
            static_cast<const char*>(nullptr));
    }
    return ck_connector_open_session_with_parameters(ckc, error, "unix-user", &uid, "display-device", &dd,
        "x11-display", &xd, "x11-display-device", &xdd, "remote-host-name", &rh, "is-local", &local, "session-service",
        &service, "session-type", &type, "session-class", &klass, static_cast<const char*>(nullptr));
}

bool putEnv(pam_handle_t* pamh, const char* name, const char* value)
{
    const std::string entry = std::string(name) + "=" + value;
    return pam_putenv(pamh, entry.c_str()) == PAM_SUCCESS;
}

int openSession(pam_handle_t* pamh, int argc, const char** argv)
{
    const ModuleOptions options = parseOptions(argc, argv);
    for (const std::string& o : options.unknown)
        pam_syslog(pamh, LOG_ERR, "unknown option: %s", o.c_str());

    const void* existing = nullptr;
    if (pam_get_data(pamh, kDataName, &existing) == PAM_SUCCESS && existing != nullptr) {
        pam_syslog(pamh, LOG_ERR, "this PAM handle already registered a session with ConsoleKit");
        return PAM_IGNORE;
    }
    // PAM_USER as it is: pam_get_user could prompt, which a session module must not.
    const std::optional<std::string> user = item(pamh, PAM_USER);
    if (!user || user->empty()) {
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: PAM_USER is not set");
        return PAM_IGNORE;
    }
    const Decision decision = decide(inputsOf(pamh), options);
    if (!decision.request) {
        if (decision.failure)
            pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: %s", decision.reason.c_str());
        else if (options.debug)
            pam_syslog(pamh, LOG_DEBUG, "%s", decision.reason.c_str());
        return PAM_IGNORE;
    }
    const passwd* pw = pam_modutil_getpwnam(pamh, user->c_str());
    if (pw == nullptr) {
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: no user %s", user->c_str());
        return PAM_IGNORE;
    }

    // libdbus would otherwise set SIGPIPE to SIG_IGN in login/sshd, for the user's shell too.
    dbus_connection_set_change_sigpipe(FALSE);
    auto* state = new (std::nothrow) HandleState;
    if (state == nullptr || (state->connector = ck_connector_new()) == nullptr) {
        delete state;
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: out of memory");
        return PAM_IGNORE;
    }
    DBusError error;
    dbus_error_init(&error);
    if (!openWith(state->connector, *decision.request, static_cast<dbus_int32_t>(pw->pw_uid), &error)) {
        pam_syslog(pamh, LOG_WARNING, "cannot register with ConsoleKit: %s",
            dbus_error_is_set(&error) ? error.message : "out of memory or no system bus");
        dbus_error_free(&error);
        ck_connector_unref(state->connector); // nothing is kept: the next login opens afresh
        delete state;
        return PAM_IGNORE;
    }
    state->opener = ::getpid();
    const char* cookie = ck_connector_get_cookie(state->connector);
    if (!putEnv(pamh, "XDG_SESSION_COOKIE", cookie)) {
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: pam_putenv XDG_SESSION_COOKIE failed");
        cleanupState(pamh, state, 0);
        return PAM_IGNORE;
    }
    // The daemon need not make a runtime dir; without one XDG_RUNTIME_DIR is left as it is.
    if (const char* dir = ck_connector_get_runtime_dir(state->connector, &error))
        putEnv(pamh, "XDG_RUNTIME_DIR", dir);
    else if (options.debug)
        pam_syslog(pamh, LOG_DEBUG, "no XDG_RUNTIME_DIR from ConsoleKit: %s",
            dbus_error_is_set(&error) ? error.message : "out of memory");
    dbus_error_free(&error);

    if (pam_set_data(pamh, kDataName, state, cleanupState) != PAM_SUCCESS) {
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: pam_set_data failed");
        cleanupState(pamh, state, 0);
        return PAM_IGNORE;
    }
    if (options.debug)
        pam_syslog(pamh, LOG_DEBUG, "registered with ConsoleKit: user %s, display-device '%s', x11-display '%s'",
            user->c_str(), decision.request->displayDevice.c_str(), decision.request->x11Display.c_str());
    return PAM_SUCCESS;
}

int closeSession(pam_handle_t* pamh, int argc, const char** argv)
{
    const ModuleOptions options = parseOptions(argc, argv);
    const void* data = nullptr;
    if (pam_get_data(pamh, kDataName, &data) != PAM_SUCCESS || data == nullptr)
        return PAM_SUCCESS;
    auto* state = static_cast<HandleState*>(const_cast<void*>(data));
    if (::getpid() != state->opener) {
        // A forked child: the session is its parent's.
        if (options.debug)
            pam_syslog(pamh, LOG_DEBUG, "not closing the ConsoleKit session of process %d", int(state->opener));
        return PAM_SUCCESS;
    }
    DBusError error;
    dbus_error_init(&error);
    if (!ck_connector_close_session(state->connector, &error)) {
        pam_syslog(pamh, LOG_WARNING, "cannot close the ConsoleKit session: %s",
            dbus_error_is_set(&error) ? error.message : "out of memory");
    } else if (options.debug) {
        pam_syslog(pamh, LOG_DEBUG, "closed the ConsoleKit session");
    }
    dbus_error_free(&error);
    state->closeTried = true;
    // Dropping the data runs cleanupState: the connection closes, which ends the session in any
    // case.
    pam_set_data(pamh, kDataName, nullptr, nullptr);
    return PAM_SUCCESS;
}

} // namespace
} // namespace ck::pam

// No C++ exception may leave a PAM entry point.
CK_PAM_EXPORT int pam_sm_open_session(pam_handle_t* pamh, int, int argc, const char** argv)
{
    try {
        return ck::pam::openSession(pamh, argc, argv);
    } catch (...) {
        pam_syslog(pamh, LOG_ERR, "cannot register with ConsoleKit: out of memory");
        return PAM_IGNORE;
    }
}

CK_PAM_EXPORT int pam_sm_close_session(pam_handle_t* pamh, int, int argc, const char** argv)
{
    try {
        return ck::pam::closeSession(pamh, argc, argv);
    } catch (...) {
        return PAM_SUCCESS;
    }
}

CK_PAM_EXPORT int pam_sm_authenticate(pam_handle_t*, int, int, const char**)
{
    return PAM_IGNORE;
}

CK_PAM_EXPORT int pam_sm_setcred(pam_handle_t*, int, int, const char**)
{
    return PAM_IGNORE;
}
