// Finds the X server behind a local display from the kernel: the peer credentials (SO_PEERCRED)
// of the socket it listens on. Never from /tmp/.X<N>-lock, which any user can write.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ck::bus {

struct XServerPeer {
    pid_t pid = 0;
    uid_t uid = 0; // of the process that called listen(), as the kernel recorded it
};

// Connects (non-blocking, never waits) to the abstract socket "@<socketDir>/X<display>" and then
// to the socket file "<socketDir>/X<display>", as Xlib and xcb do, and returns the listener's
// credentials. The socket file counts only when it is a socket (not a symlink) in a directory
// owned by root: /tmp/.X11-unix is world-writable, and anybody may plant names in it.
std::optional<XServerPeer> findXServer(const std::string& socketDir, unsigned display);

} // namespace ck::bus
