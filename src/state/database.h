// The world-readable /run/ConsoleKit/database in ConsoleKit 0.4.6's GKeyFile layout.
#pragma once

#include <string>
#include <string_view>

#include "state/records.h"
#include "util/result.h"

namespace ck::state {

// Escapes a value exactly as g_key_file_set_string() does: leading spaces and tabs become
// \s and \t, every newline \n, carriage return \r and backslash \\; all else is verbatim.
std::string escapeKeyFileValue(std::string_view value);
void appendKeyFileValue(std::string& out, std::string_view value); // the same, appended to `out`

// Produces the bytes g_key_file_to_data() would print for 0.4.6's ck_manager_dump(): all
// [Seat <id>] groups, then [Session <id>], then [SessionLeader <id>], in snapshot order,
// keys in 0.4.6's order, one blank line between groups. Cookies are never written: the file
// is world-readable and a cookie is the key to a session.
std::string formatDatabase(const Snapshot& snapshot);

// The same one record at a time, into one buffer: all seat(), then all session(), then all
// leader() calls, in file order. (The daemon feeds it from the model without building a whole
// Snapshot: a database write then holds one record and the text, not a copy of every session.)
class DatabaseBuilder {
public:
    explicit DatabaseBuilder(std::size_t expectedSize = 0) { out_.reserve(expectedSize); }
    void seat(const SeatRecord& seat);
    void session(const SessionRecord& session);
    void leader(const LeaderRecord& leader);
    std::string take() { return std::move(out_); }

private:
    void group(std::string_view kind, std::string_view id);
    void string(std::string_view key, std::string_view value);
    void raw(std::string_view key, std::string_view value);
    std::string out_;
};

// Replaces `path` atomically (temp + fsync + rename; file 0644, missing directories 0755).
// On failure the last good database stays (0.4.6 unlinked it, so that polkit <= 0.105 and
// udev-acl saw no session at all until the next change); the caller retries until a write
// succeeds (daemon/recorder.h), so a stale file is replaced as soon as the disk allows.
Result<void> writeDatabase(const std::string& path, const Snapshot& snapshot);
Result<void> writeDatabase(const std::string& path, std::string_view content); // formatted already

} // namespace ck::state
