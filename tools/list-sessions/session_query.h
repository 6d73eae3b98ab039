// Reads seats and their sessions from console-kit-daemon over D-Bus, as ck-list-sessions prints them.
#pragma once

#include <gio/gio.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace ck::listsessions {

// One session. `fields` holds every value the daemon gave, already as printed text, keyed by
// its block name ("unix-user" -> "0", "active" -> "TRUE", "on-since" -> ISO time, ...). A value
// the daemon could not give is absent (printed as '').
struct SessionInfo {
    std::string path;
    std::map<std::string, std::string> fields;
};

struct SeatInfo {
    std::string path;
    std::optional<std::string> name; // Seat.GetName; only read for seat details
    std::optional<bool> canActivateSessions; // Seat.CanActivateSessions; likewise
    std::vector<SessionInfo> sessions;
};

struct QueryOptions {
    std::vector<std::string> fields; // the block names to read (see kKnownFields in the .cpp)
    bool seatDetails = false; // read name and CanActivateSessions of seats without sessions
};

// Receives one readable line per value that could not be read.
using WarningSink = std::function<void(const std::string&)>;

// Manager.GetSeats, then Seat.GetSessions per seat, then per session Properties.GetAll plus the
// getters that have no property. An error means the daemon is not reachable at all (the tool
// exits 1); a value that cannot be read is reported to `warn` and left out.
Result<std::vector<SeatInfo>> querySeats(
    GDBusConnection* connection, const QueryOptions& options, const WarningSink& warn);

} // namespace ck::listsessions
