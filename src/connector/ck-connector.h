/* libck-connector: registers a login session with ConsoleKit (the API of ConsoleKit's library). */
/*
 * consolekit-ng's libck-connector.so.0 has the public API and ABI of ConsoleKit2's: the same nine
 * functions with the same prototypes, so that programs built against ConsoleKit's library run
 * unchanged against this one. Installed as <includedir>/ConsoleKit/ck-connector/ck-connector.h;
 * `pkg-config --cflags ck-connector` makes `#include <ck-connector.h>` work.
 *
 * A session lives as long as the bus connection of the connector that opened it (or until
 * ck_connector_close_session). Every call that talks to ConsoleKit returns within 10 seconds of
 * its start, answered or not. Bad arguments (NULL pointers, strings that are not UTF-8) set
 * `error` (name org.freedesktop.CkConnector.Error) when it is usable; they never abort.
 */
#ifndef CK_CONNECTOR_H
#define CK_CONNECTOR_H

#include <sys/types.h>
#include <dbus/dbus.h>

DBUS_BEGIN_DECLS

struct _CkConnector;
typedef struct _CkConnector CkConnector;

/* A new connector with a reference count of one; NULL when out of memory. No I/O. */
CkConnector *ck_connector_new(void);

/* Reference counting (thread-safe). The last unref closes the connector's bus connection, which
 * ends an open session; it does not call CloseSession first. */
CkConnector *ck_connector_ref(CkConnector *ckc);
void ck_connector_unref(CkConnector *ckc);

/* Opens a session for `user` on `tty` (display-device) and, unless it is NULL, the X11 display
 * `x11_display`. Shorthand for ck_connector_open_session_with_parameters. */
dbus_bool_t ck_connector_open_session_for_user(
    CkConnector *ckc, uid_t user, const char *tty, const char *x11_display, DBusError *error);

/* Opens a session with Manager.OpenSessionWithParameters. After `error` come pairs of a
 * parameter name and a pointer to its value, ended by a NULL name:
 *   "display-device", "x11-display-device", "x11-display", "remote-host-name", "session-type",
 *   "session-service", "session-class", "login-session-id"   const char ** (UTF-8; NULL: left out)
 *   "is-local"                                               dbus_bool_t * (0 or 1)
 *   "unix-user", "user"                                      int * (dbus_int32_t)
 *   "vtnr"                                                   unsigned int * (dbus_uint32_t)
 * The daemon allows this call to root only. */
dbus_bool_t ck_connector_open_session_with_parameters(
    CkConnector *ckc, DBusError *error, const char *first_parameter_name, ...);

/* Opens a session with Manager.OpenSession: the daemon finds out everything from the caller. */
dbus_bool_t ck_connector_open_session(CkConnector *ckc, DBusError *error);

/* The cookie of the open session (XDG_SESSION_COOKIE), owned by the connector; NULL when no
 * session is open. */
const char *ck_connector_get_cookie(CkConnector *ckc);

/* The session's XDG_RUNTIME_DIR, owned by the connector; NULL (and `error` set) when there is no
 * session or the daemon made none. Read once right after the session was opened, so it is also
 * answered in a child forked after the open. */
const char *ck_connector_get_runtime_dir(CkConnector *ckc, DBusError *error);

/* Manager.CloseSession. Only the process that opened the session may close it (a forked child
 * gets an error and the session stays). The bus connection stays open until the last unref. */
dbus_bool_t ck_connector_close_session(CkConnector *ckc, DBusError *error);

DBUS_END_DECLS

#endif /* CK_CONNECTOR_H */
