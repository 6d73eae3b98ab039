// The history log (/var/log/ConsoleKit/history): event model, line format, parser, writer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "state/records.h"
#include "util/result.h"
#include "util/timestamps.h"
#include "util/unique_fd.h"

namespace ck::state {

enum class HistoryEventType {
    SystemStart,
    SystemStop,
    SystemRestart,
    // ConsoleKit2 logged these three as "type=UNKNOWN"; we write real names.
    SystemSuspend,
    SystemHibernate,
    SystemHybridSleep,
    SeatAdded,
    SeatRemoved,
    SeatSessionAdded,
    SeatSessionRemoved,
    SeatActiveSessionChanged,
    SeatDeviceAdded,
    SeatDeviceRemoved,
    Unknown, // read back from ConsoleKit2 logs ("type=UNKNOWN"); never written by us
};

// "SYSTEM_START", "SEAT_SESSION_ADDED", … ; "UNKNOWN" for Unknown.
const char* historyEventTypeName(HistoryEventType type);
std::optional<HistoryEventType> historyEventTypeFromName(std::string_view name);
bool isSystemEvent(HistoryEventType type); // SYSTEM_*
bool isSessionEvent(HistoryEventType type); // SEAT_SESSION_ADDED / _REMOVED

// One log record. Which fields matter depends on the type (see formatHistoryLine); the rest
// stay empty. Ids are written as basenames (Seat1, Session2) whatever form is stored here.
struct HistoryEvent {
    HistoryEventType type = HistoryEventType::Unknown;
    Microseconds timestamp = 0; // CLOCK_REALTIME; the log keeps milliseconds
    // SYSTEM_START
    std::string kernelRelease, bootArguments;
    // SEAT_*
    std::string seatId;
    int seatKind = 0;
    // SEAT_SESSION_*, SEAT_ACTIVE_SESSION_CHANGED (sessionId only)
    std::string sessionId, sessionType, x11Display, x11DisplayDevice, displayDevice, remoteHostName;
    bool sessionIsLocal = false;
    uid_t sessionUnixUser = 0;
    std::string sessionCreationTime;
    // SEAT_DEVICE_*
    std::string deviceId, deviceType;

    bool operator==(const HistoryEvent&) const = default;
};

// Builders from the daemon's records.
HistoryEvent systemStartEvent(Microseconds when, std::string kernelRelease, std::string bootArguments);
HistoryEvent systemEvent(HistoryEventType type, Microseconds when); // STOP/RESTART/SUSPEND/…
HistoryEvent seatEvent(HistoryEventType type, Microseconds when, const SeatRecord& seat);
HistoryEvent sessionEvent(HistoryEventType type, Microseconds when, const SessionRecord& session);
HistoryEvent activeSessionChangedEvent(Microseconds when, std::string_view seatId, std::string_view sessionId);
HistoryEvent deviceEvent(HistoryEventType type, Microseconds when, std::string_view seatId, std::string_view deviceType,
    std::string_view deviceId);

// "/org/freedesktop/ConsoleKit/Seat1" -> "Seat1"; a bare id is returned unchanged.
std::string idBasename(std::string_view id);

// `'…'` value escaping: backslash before ' and \, \n \t \r for those controls, \xHH for other
// control bytes. Everything else (UTF-8 included) is verbatim.
std::string escapeHistoryValue(std::string_view value);

// One line in the classic grammar, without the trailing newline:
//   <sec>.<msec> type=<TYPE> : <key>=<value> …
std::string formatHistoryLine(const HistoryEvent& event);

// Parses our lines and classic 0.4.6 / ConsoleKit2 lines (which never escaped anything; a
// quote inside a value is taken literally unless it is followed by " key=" or the line end).
// A trailing "\n" or "\r\n" is ignored. Unknown keys are skipped.
Result<HistoryEvent> parseHistoryLine(std::string_view line);

// Opens the log the way the daemon does: missing directory created 0755, then
// O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_CLOEXEC, mode 0644; a non-regular file is refused.
Result<UniqueFd> openHistoryLog(const std::string& path);

// Appends one line and closes the log (for the ck-log-system-* tools).
Result<void> appendHistoryLine(const std::string& path, const HistoryEvent& event);

// The daemon's writer. Lines are appended synchronously from the main thread: each is one
// small write() to an O_APPEND file, which the kernel places atomically at the end and which
// costs microseconds, so a writer thread (as ConsoleKit had) would only add locking and a
// thread stack. Before each write the open file is compared with the path (device/inode) and
// reopened if logrotate moved or deleted it. Lines that cannot be written wait in a bounded
// queue and are retried on the next event (oldest dropped first, with a counted warning).
class HistoryWriter {
public:
    static constexpr std::size_t kDefaultMaxQueued = 1000;

    explicit HistoryWriter(std::string path, std::size_t maxQueued = kDefaultMaxQueued);
    HistoryWriter(const HistoryWriter&) = delete;
    HistoryWriter& operator=(const HistoryWriter&) = delete;

    void append(const HistoryEvent& event);
    // Retries the queued lines now; true when nothing is left waiting.
    bool flush();

    std::size_t queued() const noexcept { return queue_.size(); }
    std::size_t dropped() const noexcept { return droppedTotal_; }
    const std::string& path() const noexcept { return path_; }

private:
    bool ensureOpen();

    std::string path_;
    std::size_t maxQueued_;
    UniqueFd fd_;
    std::deque<std::string> queue_; // complete lines including '\n' (front may be a remainder)
    std::size_t droppedTotal_ = 0;
    std::size_t droppedSinceWarning_ = 0;
    bool failing_ = false; // a warning was logged and the log has not been written since
};

} // namespace ck::state
