// The daemon's own restart state (/run/ConsoleKit/state): a versioned, lossless snapshot.
#pragma once

#include <string>
#include <string_view>

#include "state/records.h"
#include "util/result.h"

namespace ck::state {

struct LoadedState {
    Snapshot snapshot;
    unsigned nextSessionSerial = 1;
    unsigned nextSeatSerial = 1;
};

// Format, version 1 (line based, UTF-8 agnostic):
//   # comment lines and blank lines are ignored
//   version=1
//   next-session-serial=<n>
//   next-seat-serial=<n>
//   [seat]     id, kind, session (repeated), device (repeated: "<type> <id>"), active-session
//   [session]  id, uid, seat, type, class, service, state, login-session-id, display-device,
//              x11-display-device, x11-display, remote-host-name, is-active, is-local,
//              creation-time, runtime-dir, vtnr, idle-hint, locked-hint
//   [leader]   session, uid, pid, service-name, cookie, pid-start-time
// Values are backslash-escaped: \\ \n \r \t and \xHH for other control bytes (and \s for a
// space inside a device item), so every string round-trips. Every key is written; the parser
// rejects unknown keys, duplicates, missing ids and bad numbers with a line-numbered error.
std::string formatState(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial);
Result<LoadedState> parseState(std::string_view text);

// Atomic write (temp + fsync + rename), mode 0600: the file holds session cookies.
Result<void> saveState(
    const std::string& path, const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial);
// A missing file is ErrorCode::UnknownObject (first start: nothing to restore). A file that is
// not a regular file owned by our euid, or that others may write, is refused: it would let
// them plant sessions and cookies.
Result<LoadedState> loadState(const std::string& path);

} // namespace ck::state
