// The daemon's own restart state (/run/ConsoleKit/state): a versioned, lossless snapshot with the
// changes since appended to it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/records.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::state {

struct LoadedState {
    Snapshot snapshot;
    unsigned nextSessionSerial = 1;
    unsigned nextSeatSerial = 1;
    std::size_t uncommittedBytes = 0; // a change record cut short (by a crash while appending): ignored
    // Records that could not be read (malformed, or larger than kMaxStateRecordBytes): each was
    // skipped and the rest loaded. At most kMaxStateProblems messages, then a count.
    std::vector<std::string> problems;
    std::size_t skippedRecords = 0;
};

// One record (a [section] and its lines) of the restart state may hold at most this much; a
// longer one is skipped when loading. The daemon's own records are far smaller (its strings are
// bounded where they are collected); nothing bounds the file as a whole: it is read a line at a
// time, and only the records that load are kept.
inline constexpr std::size_t kMaxStateRecordBytes = 1024 * 1024;
inline constexpr std::size_t kMaxStateProblems = 20;

// What changed since the last write: records added or changed, ids removed.
struct StateChange {
    unsigned nextSessionSerial = 1;
    unsigned nextSeatSerial = 1;
    std::vector<SeatRecord> seats;
    std::vector<SessionRecord> sessions;
    std::vector<LeaderRecord> leaders; // of the sessions added
    std::vector<std::string> droppedSeats;
    std::vector<std::string> droppedSessions; // their leaders go with them
};

// Format, version 2 (line based, UTF-8 agnostic): a snapshot, then change records appended to it.
//   # comment lines and blank lines are ignored
//   version=2
//   next-session-serial=<n>
//   next-seat-serial=<n>
//   [seat]     id, kind, device (repeated: "<type> <id>"), active-session
//   [session]  id, uid, seat, type, class, service, state, login-session-id, display-device,
//              x11-display-device, x11-display, remote-host-name, is-active, is-local,
//              creation-time, runtime-dir, vtnr, idle-hint, locked-hint
//   [leader]   session, uid, pid, service-name, cookie, pid-start-time
//   [commit]
// A change record is [serials] (next-session-serial, next-seat-serial), the [seat], [session]
// and [leader] records that were added or changed, [drop-seat] and [drop-session] (id), then
// [commit]. A record replaces an earlier one with the same id in its place; a dropped session
// takes its leader along; a seat's sessions are the sessions naming it, in file order. Whatever
// follows the last [commit] is ignored (an append cut short). Version 1 (a snapshot without
// [commit], seats listing their sessions with repeated session keys) is read as well.
// Values are backslash-escaped: \\ \n \r \t and \xHH for other control bytes (and \s for a
// space inside a device item), so every string round-trips. Every key is written (idle-since,
// added later, may be missing); a record with an unknown key, a duplicate, a missing id or a bad
// number is skipped with a line-numbered message in LoadedState::problems, and the others load.
// Only a file without a (supported) version line, or a version-2 file without any [commit], is
// unreadable as a whole.
std::string formatState(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial);
std::string formatStateChange(const StateChange& change);

// Bytes of each record in the file ("seat <id>", "session <id>", "leader <session id>"): what the
// journal needs to tell live records from superseded ones.
using StateRecordSizes = std::unordered_map<std::string, std::size_t>;

// formatState() one record at a time (the daemon feeds it from the model, so a rewrite does not
// copy every session first): all seat(), then all session(), then all leader() calls.
class StateSnapshotBuilder {
public:
    StateSnapshotBuilder(unsigned nextSessionSerial, unsigned nextSeatSerial, std::size_t expectedSize = 0);
    void seat(const SeatRecord& seat);
    void session(const SessionRecord& session);
    void leader(const LeaderRecord& leader);
    std::string take(); // closed with [commit]
    StateRecordSizes takeSizes() { return std::move(sizes_); }

private:
    std::string out_;
    StateRecordSizes sizes_;
};

Result<LoadedState> parseState(std::string_view text);

// A missing file is ErrorCode::UnknownObject (first start: nothing to restore). A file that is
// not a regular file owned by our euid, or that others may write, is refused: it would let
// them plant sessions and cookies. The file is read a line at a time (no size limit for the
// whole; see kMaxStateRecordBytes).
Result<LoadedState> loadState(const std::string& path);

// The restart state as the daemon keeps it: rewrite() replaces the file with a snapshot (atomic:
// temp + fsync + rename; mode 0600, for it holds session cookies) and keeps it open; append()
// adds one committed change record (fdatasync'd), so a write costs what changed, not what exists.
// After a failed append the next write must be a rewrite; so must it (compaction, wantsRewrite())
// once the superseded and dropped records in the file outweigh the live ones (and 64 KiB), or the
// appended part passes an absolute bound (kMaxAppendedBytes): the file stays within about twice
// what is open, whatever was open before (a huge snapshot whose sessions closed goes at the next
// write).
class StateJournal {
public:
    explicit StateJournal(std::string path);
    Result<void> rewrite(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial);
    // As StateSnapshotBuilder::take() and takeSizes() made them.
    Result<void> rewrite(std::string_view snapshotText, StateRecordSizes sizes);
    Result<void> append(const StateChange& change);
    bool wantsRewrite() const;
    std::size_t fileBytes() const noexcept { return snapshotBytes_ + appendedBytes_; }
    std::size_t liveBytes() const noexcept { return liveBytes_; }

    static constexpr std::size_t kMinGarbageBytes = 64 * 1024;
    static constexpr std::size_t kMaxAppendedBytes = 8 * 1024 * 1024;

private:
    void setSize(const std::string& key, std::size_t bytes);
    void dropSize(const std::string& key);

    std::string path_;
    UniqueFd fd_;
    std::size_t snapshotBytes_ = 0;
    std::size_t appendedBytes_ = 0;
    StateRecordSizes sizes_; // of the live records
    std::size_t liveBytes_ = 0;
};

} // namespace ck::state
