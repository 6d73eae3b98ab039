// The text ck-list-sessions prints: session blocks in the ConsoleKit2 or 0.4.6 layout, the
// one-line entries of seats without sessions (--all), and real names from GECOS.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "list-sessions/session_query.h"

namespace ck::listsessions {

enum class Format {
    Ck2, // ConsoleKit2's block (the default)
    Classic, // ConsoleKit 0.4.6's block
};

std::optional<Format> parseFormat(std::string_view name);

// The session values (block names) a format prints, i.e. what to read from the daemon.
std::vector<std::string> fieldsFor(Format format);

// The real name of a passwd entry: the first comma-separated GECOS field with every '&'
// replaced by the login name, first letter upper-cased (the finger(1) convention).
std::string realNameFromGecos(std::string_view gecos, std::string_view login);

// realNameFromGecos for a uid; "" when there is no passwd entry or its GECOS is empty.
std::string realNameForUid(uid_t uid);

// One session block, every line ending in '\n'. `seatPath` is the seat it was listed under.
std::string formatSession(const SessionInfo& session, const std::string& seatPath, Format format);

// One line for a seat without sessions:  Seat1: no sessions (name = 'seat0', can-activate-sessions = TRUE)
std::string formatEmptySeat(const SeatInfo& seat);

} // namespace ck::listsessions
