// History log: line format (classic grammar with escaping), tolerant parser, append-only writer.
#include "state/history.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "util/atomic_file.h"
#include "util/hex.h"
#include "util/log.h"

namespace ck::state {

namespace {

struct TypeName {
    HistoryEventType type;
    const char* name;
};

constexpr std::array<TypeName, 14> kTypeNames{{
    {HistoryEventType::SystemStart, "SYSTEM_START"},
    {HistoryEventType::SystemStop, "SYSTEM_STOP"},
    {HistoryEventType::SystemRestart, "SYSTEM_RESTART"},
    {HistoryEventType::SystemSuspend, "SYSTEM_SUSPEND"},
    {HistoryEventType::SystemHibernate, "SYSTEM_HIBERNATE"},
    {HistoryEventType::SystemHybridSleep, "SYSTEM_HYBRID_SLEEP"},
    {HistoryEventType::SeatAdded, "SEAT_ADDED"},
    {HistoryEventType::SeatRemoved, "SEAT_REMOVED"},
    {HistoryEventType::SeatSessionAdded, "SEAT_SESSION_ADDED"},
    {HistoryEventType::SeatSessionRemoved, "SEAT_SESSION_REMOVED"},
    {HistoryEventType::SeatActiveSessionChanged, "SEAT_ACTIVE_SESSION_CHANGED"},
    {HistoryEventType::SeatDeviceAdded, "SEAT_DEVICE_ADDED"},
    {HistoryEventType::SeatDeviceRemoved, "SEAT_DEVICE_REMOVED"},
    {HistoryEventType::Unknown, "UNKNOWN"},
}};

bool isKeyChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

class LineBuilder {
public:
    LineBuilder(const HistoryEvent& e)
    {
        const Microseconds sec = e.timestamp >= 0 ? e.timestamp / 1000000 : (e.timestamp - 999999) / 1000000;
        const Microseconds ms = (e.timestamp - sec * 1000000) / 1000;
        char ts[48];
        std::snprintf(ts, sizeof ts, "%lld.%03lld", static_cast<long long>(sec), static_cast<long long>(ms));
        out_ = ts;
        out_ += " type=";
        out_ += historyEventTypeName(e.type);
        out_ += " : ";
    }
    void quoted(std::string_view key, std::string_view value)
    {
        separator();
        out_ += key;
        out_ += "='";
        out_ += escapeHistoryValue(value);
        out_ += '\'';
    }
    void bare(std::string_view key, std::string_view value)
    {
        separator();
        out_ += key;
        out_ += '=';
        out_ += value;
    }
    std::string take() { return std::move(out_); }

private:
    void separator()
    {
        if (!first_)
            out_ += ' ';
        first_ = false;
    }
    std::string out_;
    bool first_ = true;
};

template <typename T> bool parseNumber(std::string_view s, T& out)
{
    if (s.empty())
        return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

// True when the quote at `pos` closes a value: nothing follows, or " key=" follows.
bool quoteCloses(std::string_view body, std::size_t pos)
{
    std::size_t i = pos + 1;
    if (i >= body.size())
        return true;
    if (body[i] != ' ')
        return false;
    while (i < body.size() && body[i] == ' ')
        ++i;
    if (i == body.size())
        return true; // trailing blanks
    std::size_t k = i;
    while (k < body.size() && isKeyChar(body[k]))
        ++k;
    return k > i && k < body.size() && body[k] == '=';
}

Error parseError(std::string_view what, std::string_view line)
{
    constexpr std::size_t kShown = 80;
    std::string shown(line.substr(0, kShown));
    if (line.size() > kShown)
        shown += "…";
    return Error{ErrorCode::InvalidInput, std::string(what) + ": \"" + shown + "\""};
}

// Sets one field of `e`; false if the value is malformed for that key.
bool assignField(HistoryEvent& e, std::string_view key, std::string value)
{
    if (key == "kernel-release")
        e.kernelRelease = std::move(value);
    else if (key == "boot-arguments")
        e.bootArguments = std::move(value);
    else if (key == "seat-id")
        e.seatId = std::move(value);
    else if (key == "seat-kind")
        return parseNumber(value, e.seatKind);
    else if (key == "session-id")
        e.sessionId = std::move(value);
    else if (key == "session-type")
        e.sessionType = std::move(value);
    else if (key == "session-x11-display")
        e.x11Display = std::move(value);
    else if (key == "session-x11-display-device")
        e.x11DisplayDevice = std::move(value);
    else if (key == "session-display-device")
        e.displayDevice = std::move(value);
    else if (key == "session-remote-host-name")
        e.remoteHostName = std::move(value);
    else if (key == "session-is-local") {
        if (value == "TRUE" || value == "true")
            e.sessionIsLocal = true;
        else if (value == "FALSE" || value == "false")
            e.sessionIsLocal = false;
        else
            return false;
    } else if (key == "session-unix-user")
        return parseNumber(value, e.sessionUnixUser);
    else if (key == "session-creation-time")
        e.sessionCreationTime = std::move(value);
    else if (key == "device-id")
        e.deviceId = std::move(value);
    else if (key == "device-type")
        e.deviceType = std::move(value);
    // Unknown keys are skipped: newer writers may add fields.
    return true;
}

} // namespace

const char* historyEventTypeName(HistoryEventType type)
{
    for (const auto& t : kTypeNames)
        if (t.type == type)
            return t.name;
    return "UNKNOWN";
}

std::optional<HistoryEventType> historyEventTypeFromName(std::string_view name)
{
    for (const auto& t : kTypeNames)
        if (name == t.name)
            return t.type;
    return std::nullopt;
}

bool isSystemEvent(HistoryEventType type)
{
    switch (type) {
    case HistoryEventType::SystemStart:
    case HistoryEventType::SystemStop:
    case HistoryEventType::SystemRestart:
    case HistoryEventType::SystemSuspend:
    case HistoryEventType::SystemHibernate:
    case HistoryEventType::SystemHybridSleep:
        return true;
    default:
        return false;
    }
}

bool isSessionEvent(HistoryEventType type)
{
    return type == HistoryEventType::SeatSessionAdded || type == HistoryEventType::SeatSessionRemoved;
}

std::string idBasename(std::string_view id)
{
    const auto slash = id.rfind('/');
    return std::string(slash == std::string_view::npos ? id : id.substr(slash + 1));
}

HistoryEvent systemStartEvent(Microseconds when, std::string kernelRelease, std::string bootArguments)
{
    HistoryEvent e;
    e.type = HistoryEventType::SystemStart;
    e.timestamp = when;
    e.kernelRelease = std::move(kernelRelease);
    e.bootArguments = std::move(bootArguments);
    return e;
}

HistoryEvent systemEvent(HistoryEventType type, Microseconds when)
{
    HistoryEvent e;
    e.type = type;
    e.timestamp = when;
    return e;
}

HistoryEvent seatEvent(HistoryEventType type, Microseconds when, const SeatRecord& seat)
{
    HistoryEvent e;
    e.type = type;
    e.timestamp = when;
    e.seatId = idBasename(seat.id);
    e.seatKind = seat.kind;
    return e;
}

HistoryEvent sessionEvent(HistoryEventType type, Microseconds when, const SessionRecord& s)
{
    HistoryEvent e;
    e.type = type;
    e.timestamp = when;
    e.seatId = idBasename(s.seatId);
    e.sessionId = idBasename(s.id);
    e.sessionType = s.type;
    e.x11Display = s.x11Display;
    e.x11DisplayDevice = s.x11DisplayDevice;
    e.displayDevice = s.displayDevice;
    e.remoteHostName = s.remoteHostName;
    e.sessionIsLocal = s.isLocal;
    e.sessionUnixUser = s.uid;
    e.sessionCreationTime = s.creationTime;
    return e;
}

HistoryEvent activeSessionChangedEvent(Microseconds when, std::string_view seatId, std::string_view sessionId)
{
    HistoryEvent e;
    e.type = HistoryEventType::SeatActiveSessionChanged;
    e.timestamp = when;
    e.seatId = idBasename(seatId);
    e.sessionId = idBasename(sessionId);
    return e;
}

HistoryEvent deviceEvent(HistoryEventType type, Microseconds when, std::string_view seatId, std::string_view deviceType,
    std::string_view deviceId)
{
    HistoryEvent e;
    e.type = type;
    e.timestamp = when;
    e.seatId = idBasename(seatId);
    e.deviceType = std::string(deviceType);
    e.deviceId = std::string(deviceId);
    return e;
}

std::string escapeHistoryValue(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '\'':
            out += "\\'";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (u < 0x20 || u == 0x7f) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "\\x%02x", u);
                out += hex;
            } else {
                out += c;
            }
        }
    }
    return out;
}

std::string formatHistoryLine(const HistoryEvent& e)
{
    LineBuilder b(e);
    switch (e.type) {
    case HistoryEventType::SystemStart:
        b.quoted("kernel-release", e.kernelRelease);
        b.quoted("boot-arguments", e.bootArguments);
        break;
    case HistoryEventType::SeatAdded:
    case HistoryEventType::SeatRemoved:
        b.quoted("seat-id", idBasename(e.seatId));
        b.bare("seat-kind", std::to_string(e.seatKind));
        break;
    case HistoryEventType::SeatSessionAdded:
    case HistoryEventType::SeatSessionRemoved:
        b.quoted("seat-id", idBasename(e.seatId));
        b.quoted("session-id", idBasename(e.sessionId));
        b.quoted("session-type", e.sessionType);
        b.quoted("session-x11-display", e.x11Display);
        b.quoted("session-x11-display-device", e.x11DisplayDevice);
        b.quoted("session-display-device", e.displayDevice);
        b.quoted("session-remote-host-name", e.remoteHostName);
        b.bare("session-is-local", e.sessionIsLocal ? "TRUE" : "FALSE");
        b.bare("session-unix-user", std::to_string(e.sessionUnixUser));
        b.quoted("session-creation-time", e.sessionCreationTime);
        break;
    case HistoryEventType::SeatActiveSessionChanged:
        b.quoted("seat-id", idBasename(e.seatId));
        b.quoted("session-id", idBasename(e.sessionId));
        break;
    case HistoryEventType::SeatDeviceAdded:
    case HistoryEventType::SeatDeviceRemoved:
        b.quoted("seat-id", idBasename(e.seatId));
        b.quoted("device-id", e.deviceId);
        b.quoted("device-type", e.deviceType);
        break;
    default: // SYSTEM_STOP, _RESTART, _SUSPEND, _HIBERNATE, _HYBRID_SLEEP, UNKNOWN: no body
        break;
    }
    return b.take();
}

Result<HistoryEvent> parseHistoryLine(std::string_view line)
{
    const std::string_view whole = line;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);

    HistoryEvent e;
    // <sec>.<fraction>
    std::size_t i = 0;
    while (i < line.size() && isDigit(line[i]))
        ++i;
    long long sec = 0;
    if (!parseNumber(line.substr(0, i), sec) || i >= line.size() || line[i] != '.')
        return parseError("history line without a timestamp", whole);
    const std::size_t fracStart = ++i;
    while (i < line.size() && isDigit(line[i]))
        ++i;
    const std::string_view frac = line.substr(fracStart, i - fracStart);
    if (frac.empty() || frac.size() > 6)
        return parseError("history line with a malformed timestamp", whole);
    long long usec = 0;
    (void)parseNumber(frac, usec);
    for (std::size_t pad = frac.size(); pad < 6; ++pad)
        usec *= 10;
    if (sec > (std::numeric_limits<long long>::max() - usec) / 1000000)
        return parseError("history line with an out-of-range timestamp", whole);
    e.timestamp = sec * 1000000 + usec;

    // " type=<TYPE> :"
    constexpr std::string_view kType = " type=";
    if (line.substr(i, kType.size()) != kType)
        return parseError("history line without a type", whole);
    i += kType.size();
    const std::size_t nameStart = i;
    while (i < line.size() && line[i] != ' ')
        ++i;
    const auto type = historyEventTypeFromName(line.substr(nameStart, i - nameStart));
    if (!type)
        return parseError("history line of an unknown type", whole);
    e.type = *type;
    if (line.substr(i, 2) != " :")
        return parseError("history line without ' : '", whole);
    i += 2;

    // key=value pairs; values quoted '…' (escapes decoded) or bare up to the next blank.
    const std::string_view body = line.substr(i);
    std::size_t p = 0;
    for (;;) {
        while (p < body.size() && body[p] == ' ')
            ++p;
        if (p >= body.size())
            break;
        const std::size_t keyStart = p;
        while (p < body.size() && isKeyChar(body[p]))
            ++p;
        if (p == keyStart || p >= body.size() || body[p] != '=')
            return parseError("history line with a malformed field", whole);
        const std::string_view key = body.substr(keyStart, p - keyStart);
        ++p;
        std::string value;
        if (p < body.size() && body[p] == '\'') {
            ++p;
            bool closed = false;
            while (p < body.size()) {
                const char c = body[p];
                if (c == '\\' && p + 1 < body.size()) {
                    const char n = body[p + 1];
                    int hi = -1, lo = -1;
                    if (n == '\'' || n == '\\') {
                        value += n;
                        p += 2;
                    } else if (n == 'n' || n == 't' || n == 'r') {
                        value += n == 'n' ? '\n' : n == 't' ? '\t' : '\r';
                        p += 2;
                    } else if (n == 'x' && p + 3 < body.size() && (hi = hexDigitValue(body[p + 2])) >= 0
                        && (lo = hexDigitValue(body[p + 3])) >= 0) {
                        value += static_cast<char>(hi * 16 + lo);
                        p += 4;
                    } else {
                        value += c; // classic logs never escaped: keep a lone backslash
                        ++p;
                    }
                    continue;
                }
                if (c == '\'' && quoteCloses(body, p)) {
                    ++p;
                    closed = true;
                    break;
                }
                value += c;
                ++p;
            }
            if (!closed)
                return parseError("history line with an unterminated value", whole);
        } else {
            const std::size_t valueStart = p;
            while (p < body.size() && body[p] != ' ')
                ++p;
            value = std::string(body.substr(valueStart, p - valueStart));
        }
        if (!assignField(e, key, std::move(value)))
            return parseError("history line with a malformed value for " + std::string(key), whole);
    }

    // Ids are written as basenames: one whose basename is empty ("Seat1/") is no id, or the
    // event would be written back as a line without it.
    if (e.type >= HistoryEventType::SeatAdded && e.type <= HistoryEventType::SeatDeviceRemoved
        && idBasename(e.seatId).empty())
        return parseError("history line without seat-id", whole);
    if (isSessionEvent(e.type) && idBasename(e.sessionId).empty())
        return parseError("history line without session-id", whole);
    return e;
}

Result<UniqueFd> openHistoryLog(const std::string& path)
{
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (auto r = makeDirectories(path.substr(0, slash), 0755); !r)
            return r.error();
    }
    // O_NONBLOCK only so that a FIFO planted at the path cannot block us in open(); it has no
    // effect on regular files, and anything else is refused below.
    UniqueFd fd(
        ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644));
    if (!fd)
        return Error{ErrorCode::Failed, "cannot open history log '" + path + "': " + std::strerror(errno)};
    struct stat st { };
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return Error{ErrorCode::Failed, "history log '" + path + "' is not a regular file"};
    return fd;
}

Result<void> appendHistoryLine(const std::string& path, const HistoryEvent& event)
{
    auto fd = openHistoryLog(path);
    if (!fd)
        return fd.error();
    const std::string line = formatHistoryLine(event) + '\n';
    if (writeAll(fd->get(), line) != line.size())
        return Error{ErrorCode::Failed, "cannot write history log '" + path + "': " + std::strerror(errno)};
    return {};
}

HistoryWriter::HistoryWriter(std::string path, std::size_t maxQueued)
    : path_(std::move(path)), maxQueued_(maxQueued == 0 ? 1 : maxQueued)
{
    ensureOpen();
}

bool HistoryWriter::ensureOpen()
{
    if (fd_) {
        // logrotate renames or deletes the file behind our back: compare what we hold with
        // what the path names now, and follow the path.
        struct stat held {
        }, named{};
        if (::fstat(fd_.get(), &held) == 0 && ::stat(path_.c_str(), &named) == 0 && held.st_dev == named.st_dev
            && held.st_ino == named.st_ino)
            return true;
        fd_.reset();
    }
    auto fd = openHistoryLog(path_);
    if (!fd) {
        if (!failing_)
            log::warning(fd.error().message + "; keeping history events in memory");
        failing_ = true;
        return false;
    }
    fd_ = std::move(*fd);
    return true;
}

void HistoryWriter::append(const HistoryEvent& event)
{
    queue_.push_back(formatHistoryLine(event) + '\n');
    if (flush())
        return;
    while (queue_.size() > maxQueued_) {
        queue_.pop_front();
        ++droppedTotal_;
        if (droppedSinceWarning_++ % maxQueued_ == 0)
            log::warning("history log '" + path_ + "' unwritable and " + std::to_string(maxQueued_)
                + " events queued: dropping the oldest (" + std::to_string(droppedSinceWarning_) + " dropped so far)");
    }
}

bool HistoryWriter::flush()
{
    while (!queue_.empty()) {
        if (!ensureOpen())
            return false;
        std::string& line = queue_.front();
        const std::size_t n = writeAll(fd_.get(), line);
        if (n != line.size()) {
            if (!failing_)
                log::warning("cannot write history log '" + path_ + "': " + std::strerror(errno)
                    + "; keeping history events in memory");
            failing_ = true;
            line.erase(0, n); // the next attempt completes the line instead of repeating it
            fd_.reset();
            return false;
        }
        queue_.pop_front();
        if (failing_) {
            failing_ = false;
            std::string msg = "history log '" + path_ + "' writable again";
            if (droppedSinceWarning_ > 0)
                msg += "; " + std::to_string(droppedSinceWarning_) + " events were lost meanwhile";
            log::info(msg);
            droppedSinceWarning_ = 0;
        }
    }
    return true;
}

} // namespace ck::state
