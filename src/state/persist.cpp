// Restart state: formatter and strict parser for the daemon's private snapshot file.
#include "state/persist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "util/atomic_file.h"
#include "util/hex.h"
#include "util/unique_fd.h"

namespace ck::state {

namespace {

// Version 2 appends change records after the snapshot; version 1 (a snapshot only, seats listing
// their sessions) is still read, for a daemon upgraded while sessions run.
constexpr unsigned kVersion = 2;
constexpr std::string_view kCommit = "[commit]\n";

std::string escape(std::string_view v, bool escapeSpace = false)
{
    // Most values need no escape at all: copy them in one go (this runs for every field of
    // every session on every write of the restart state).
    const bool plain = std::none_of(v.begin(), v.end(), [escapeSpace](char c) {
        const auto u = static_cast<unsigned char>(c);
        return c == '\\' || u < 0x20 || u == 0x7f || (c == ' ' && escapeSpace);
    });
    if (plain)
        return std::string(v);
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c == ' ' && escapeSpace)
            out += "\\s";
        else if (u < 0x20 || u == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else
            out += c;
    }
    return out;
}

bool unescape(std::string_view v, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '\\') {
            out += v[i];
            continue;
        }
        if (++i >= v.size())
            return false;
        switch (v[i]) {
        case '\\':
            out += '\\';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 's':
            out += ' ';
            break;
        case 'x': {
            if (i + 2 >= v.size())
                return false;
            const int hi = hexDigitValue(v[i + 1]);
            const int lo = hexDigitValue(v[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
            break;
        }
        default:
            return false;
        }
    }
    return true;
}

template <typename T> bool parseNumber(std::string_view s, T& out)
{
    if (s.empty())
        return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size();
}

bool parseBool(std::string_view s, bool& out)
{
    if (s == "true")
        out = true;
    else if (s == "false")
        out = false;
    else
        return false;
    return true;
}

class StateWriter {
public:
    explicit StateWriter(std::string& out) : out_(out) { }
    void line(std::string_view key, std::string_view value)
    {
        out_ += key;
        out_ += '=';
        out_ += escape(value);
        out_ += '\n';
    }
    void raw(std::string_view key, const std::string& value)
    {
        out_ += key;
        out_ += '=';
        out_ += value;
        out_ += '\n';
    }
    void boolean(std::string_view key, bool b) { raw(key, b ? "true" : "false"); }
    void section(std::string_view name)
    {
        out_ += "\n[";
        out_ += name;
        out_ += "]\n";
    }
    void text(std::string_view t) { out_ += t; }

private:
    std::string& out_;
};

// One key of a section: how to store its (unescaped) value.
struct Field {
    std::string_view key;
    std::function<bool(std::string&&)> set; // false: malformed value
    bool repeated = false;
    bool required = false;
};

template <typename T> std::function<bool(std::string&&)> numberInto(T& target)
{
    return [&target](std::string&& v) { return parseNumber(v, target); };
}
std::function<bool(std::string&&)> stringInto(std::string& target)
{
    return [&target](std::string&& v) {
        target = std::move(v);
        return true;
    };
}
std::function<bool(std::string&&)> boolInto(bool& target)
{
    return [&target](std::string&& v) { return parseBool(v, target); };
}

// Fed one line at a time (loadState() reads the file in chunks, parseState() splits a string).
// A record that cannot be read is skipped to the next [section] and noted; only a missing or
// unsupported version line makes the whole file unreadable.
class StateParser {
public:
    // `committedEnd`: the offset after the last [commit] line (npos: none); lines after it are
    // an append cut short. `lineEnd` of each line: the offset after its newline.
    explicit StateParser(std::size_t committedEnd) : committedEnd_(committedEnd) { }

    Result<void> line(std::string_view line, std::size_t lineEnd, bool oversized)
    {
        ++lineNo_;
        if (version_ >= 2 && lineEnd > committedEnd_)
            return {}; // after the last [commit]
        if (oversized) {
            skipRecord("a line longer than " + std::to_string(kMaxStateRecordBytes) + " bytes");
            return {};
        }
        if (line.empty() || line.front() == '#')
            return {};
        if (version_ == 0) {
            if (!line.starts_with("version=") || !parseNumber(line.substr(8), version_))
                return fail("the file does not start with version=<n>");
            if (version_ != 1 && version_ != kVersion)
                return fail("unsupported state version " + std::to_string(version_) + " (expected "
                    + std::to_string(kVersion) + ")");
            // Only what a [commit] line closed counts: an append cut short by a crash is dropped.
            if (version_ >= 2 && committedEnd_ == std::string_view::npos)
                return fail("no [commit] line: the snapshot is incomplete");
            beginHeader();
            return {};
        }
        if (line.front() == '[') {
            finishSection();
            beginSection(line);
            recordBytes_ = line.size() + 1;
            return {};
        }
        if (skipping_)
            return {};
        recordBytes_ += line.size() + 1;
        if (recordBytes_ > kMaxStateRecordBytes) {
            skipRecord("a record larger than " + std::to_string(kMaxStateRecordBytes) + " bytes");
            return {};
        }
        if (section_ == "commit") {
            skipRecord("a [commit] line takes no keys");
            return {};
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            skipRecord("expected key=value");
            return {};
        }
        const std::string_view key = line.substr(0, eq);
        std::string value;
        if (!unescape(line.substr(eq + 1), value)) {
            skipRecord("bad escape sequence in the value of " + std::string(key));
            return {};
        }
        assign(key, std::move(value));
        return {};
    }

    Result<LoadedState> finish(std::size_t totalBytes)
    {
        if (version_ == 0)
            return Error{ErrorCode::InvalidInput, "state file is empty (no version line)"};
        finishSection();
        if (version_ >= 2)
            state_.uncommittedBytes = totalBytes - committedEnd_;
        compact();
        if (state_.skippedRecords > state_.problems.size())
            state_.problems.push_back(
                "and " + std::to_string(state_.skippedRecords - state_.problems.size()) + " more skipped record(s)");
        return std::move(state_);
    }

    // The offset after the last line that is exactly "[commit]", or npos.
    static std::size_t committedEnd(std::string_view text)
    {
        std::size_t at = text.rfind(kCommit);
        while (at != std::string_view::npos && at != 0 && text[at - 1] != '\n')
            at = at == 0 ? std::string_view::npos : text.rfind(kCommit, at - 1);
        return at == std::string_view::npos ? at : at + kCommit.size();
    }

private:
    Error fail(const std::string& what) const
    {
        return Error{ErrorCode::InvalidInput, "state line " + std::to_string(lineNo_) + ": " + what};
    }

    // Drops the record being read (it may be half built) and ignores its lines up to the next
    // [section].
    void skipRecord(const std::string& why)
    {
        if (skipping_)
            return;
        auto& snap = state_.snapshot;
        if (section_ == "seat")
            snap.seats.pop_back();
        else if (section_ == "session")
            snap.sessions.pop_back();
        else if (section_ == "leader")
            snap.leaders.pop_back();
        // A [serials] or header keeps what it set; a drop without its id drops nothing.
        ++state_.skippedRecords;
        if (state_.problems.size() < kMaxStateProblems)
            state_.problems.push_back("state line " + std::to_string(lineNo_) + ": " + why + " in "
                + (section_.empty() ? std::string("the header") : "a [" + section_ + "]") + ": record skipped");
        section_.clear();
        fields_.clear();
        skipping_ = true;
    }

    void beginSection(std::string_view line)
    {
        skipping_ = false;
        if (line == "[seat]")
            beginSeat();
        else if (line == "[session]")
            beginSession();
        else if (line == "[leader]")
            beginLeader();
        else if (version_ >= 2 && line == "[serials]")
            beginSerials("serials");
        else if (version_ >= 2 && line == "[drop-seat]")
            beginDrop("drop-seat");
        else if (version_ >= 2 && line == "[drop-session]")
            beginDrop("drop-session");
        else if (version_ >= 2 && line == "[commit]")
            begin("commit", {});
        else
            skipRecord("unknown section " + std::string(line.substr(0, 64)));
    }

    void begin(std::string name, std::vector<Field> fields)
    {
        section_ = std::move(name);
        fields_ = std::move(fields);
        seen_.clear();
    }

    void beginHeader() { beginSerials("header"); }

    void beginSerials(std::string name)
    {
        begin(std::move(name),
            {
                {"next-session-serial", numberInto(state_.nextSessionSerial), false, true},
                {"next-seat-serial", numberInto(state_.nextSeatSerial), false, true},
            });
    }

    void beginSeat()
    {
        SeatRecord& s = state_.snapshot.seats.emplace_back();
        std::vector<Field> fields = {
            {"id", stringInto(s.id), false, true},
            {"kind", numberInto(s.kind)},
            {"device", [&s](std::string&& v) { return addDevice(s, v); }, true},
            {"active-session", stringInto(s.activeSessionId)},
        };
        // Version 1 listed a seat's sessions; version 2 takes them from the sessions' seat key.
        if (version_ == 1)
            fields.push_back({"session",
                [&s](std::string&& v) {
                    s.sessionIds.push_back(std::move(v));
                    return true;
                },
                true});
        begin("seat", std::move(fields));
    }

    static bool addDevice(SeatRecord& s, const std::string& v)
    {
        // Two levels (see formatState): the value is unescaped already; inside it the only raw
        // blank separates the halves, each of which is escaped once more.
        const auto sp = v.find(' ');
        if (sp == std::string::npos)
            return false;
        std::string type, id;
        if (!unescape(v.substr(0, sp), type) || !unescape(v.substr(sp + 1), id))
            return false;
        s.devices.emplace_back(std::move(type), std::move(id));
        return true;
    }

    void beginSession()
    {
        SessionRecord& s = state_.snapshot.sessions.emplace_back();
        begin("session",
            {
                {"id", stringInto(s.id), false, true},
                {"uid", numberInto(s.uid)},
                {"seat", stringInto(s.seatId)},
                {"type", stringInto(s.type)},
                {"class", stringInto(s.sessionClass)},
                {"service", stringInto(s.service)},
                {"state", stringInto(s.state)},
                {"login-session-id", stringInto(s.loginSessionId)},
                {"display-device", stringInto(s.displayDevice)},
                {"x11-display-device", stringInto(s.x11DisplayDevice)},
                {"x11-display", stringInto(s.x11Display)},
                {"remote-host-name", stringInto(s.remoteHostName)},
                {"is-active", boolInto(s.isActive)},
                {"is-local", boolInto(s.isLocal)},
                {"creation-time", stringInto(s.creationTime)},
                {"runtime-dir", stringInto(s.runtimeDir)},
                {"vtnr", numberInto(s.vtnr)},
                {"idle-hint", boolInto(s.idleHint)},
                {"locked-hint", boolInto(s.lockedHint)},
                {"idle-since", numberInto(s.idleSince)},
            });
    }

    void beginLeader()
    {
        LeaderRecord& l = state_.snapshot.leaders.emplace_back();
        begin("leader",
            {
                {"session", stringInto(l.sessionId), false, true},
                {"uid", numberInto(l.uid)},
                {"pid", numberInto(l.pid)},
                {"service-name", stringInto(l.serviceName)},
                {"cookie", stringInto(l.cookie)},
                {"pid-start-time", numberInto(l.pidStartTime)},
            });
    }

    void beginDrop(std::string name)
    {
        dropId_.clear();
        begin(std::move(name), {{"id", stringInto(dropId_), false, true}});
    }

    void assign(std::string_view key, std::string&& value)
    {
        for (auto& f : fields_) {
            if (f.key != key)
                continue;
            if (!f.repeated && !seen_.insert(std::string(key)).second)
                return skipRecord("duplicate key " + std::string(key));
            if (!f.set(std::move(value)))
                return skipRecord("malformed value for " + std::string(key));
            if (f.repeated)
                seen_.insert(std::string(key));
            return;
        }
        skipRecord("unknown key " + std::string(key.substr(0, 64)));
    }

    void finishSection()
    {
        if (skipping_)
            return;
        for (const auto& f : fields_)
            if (f.required && !seen_.contains(std::string(f.key)))
                return skipRecord("no " + std::string(f.key));
        fields_.clear();
        auto& snap = state_.snapshot;
        if (section_ == "seat")
            keepLatest(snap.seats, seats_, snap.seats.back().id);
        else if (section_ == "session")
            keepLatest(snap.sessions, sessions_, snap.sessions.back().id);
        else if (section_ == "leader")
            keepLatest(snap.leaders, leaders_, snap.leaders.back().sessionId);
        else if (section_ == "drop-seat")
            seats_.drop(dropId_);
        else if (section_ == "drop-session") {
            sessions_.drop(dropId_);
            leaders_.drop(dropId_);
        }
        section_.clear();
    }

    // Records by id: a later record of the same id replaces the earlier one in its place; a
    // dropped record is skipped when the vectors are compacted at the end.
    struct Index {
        std::map<std::string, std::size_t, std::less<>> at;
        std::vector<bool> dropped;
        void drop(const std::string& id)
        {
            if (auto it = at.find(id); it != at.end()) {
                dropped[it->second] = true;
                at.erase(it);
            }
        }
    };

    template <typename Record> static void keepLatest(std::vector<Record>& records, Index& index, const std::string& id)
    {
        if (auto it = index.at.find(id); it != index.at.end()) {
            records[it->second] = std::move(records.back());
            records.pop_back();
            return;
        }
        index.at.emplace(id, records.size() - 1);
        index.dropped.push_back(false);
    }

    template <typename Record> static void removeDropped(std::vector<Record>& records, const Index& index)
    {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (index.dropped[i])
                continue;
            if (kept != i)
                records[kept] = std::move(records[i]);
            ++kept;
        }
        records.resize(kept);
    }

    void compact()
    {
        auto& snap = state_.snapshot;
        removeDropped(snap.seats, seats_);
        removeDropped(snap.sessions, sessions_);
        removeDropped(snap.leaders, leaders_);
        if (version_ < 2)
            return;
        std::map<std::string_view, SeatRecord*> seatsById;
        for (auto& seat : snap.seats)
            seatsById[seat.id] = &seat;
        for (const auto& s : snap.sessions)
            if (auto it = seatsById.find(s.seatId); it != seatsById.end())
                it->second->sessionIds.push_back(s.id);
    }

    LoadedState state_;
    unsigned version_ = 0;
    std::vector<Field> fields_;
    std::set<std::string> seen_;
    std::string section_;
    std::string dropId_;
    Index seats_, sessions_, leaders_;
    std::size_t lineNo_ = 0;
    std::size_t committedEnd_;
    std::size_t recordBytes_ = 0;
    bool skipping_ = false;
};

} // namespace

namespace {

void writeSeat(StateWriter& w, const SeatRecord& s)
{
    w.section("seat");
    w.line("id", s.id);
    w.raw("kind", std::to_string(s.kind));
    for (const auto& [type, id] : s.devices)
        // Each half escaped with spaces as \s, then the item escaped again as a value, so
        // the single blank between the halves is the only raw blank.
        w.line("device", escape(type, true) + " " + escape(id, true));
    w.line("active-session", s.activeSessionId);
}

void writeSession(StateWriter& w, const SessionRecord& s)
{
    w.section("session");
    w.line("id", s.id);
    w.raw("uid", std::to_string(s.uid));
    w.line("seat", s.seatId);
    w.line("type", s.type);
    w.line("class", s.sessionClass);
    w.line("service", s.service);
    w.line("state", s.state);
    w.line("login-session-id", s.loginSessionId);
    w.line("display-device", s.displayDevice);
    w.line("x11-display-device", s.x11DisplayDevice);
    w.line("x11-display", s.x11Display);
    w.line("remote-host-name", s.remoteHostName);
    w.boolean("is-active", s.isActive);
    w.boolean("is-local", s.isLocal);
    w.line("creation-time", s.creationTime);
    w.line("runtime-dir", s.runtimeDir);
    w.raw("vtnr", std::to_string(s.vtnr));
    w.boolean("idle-hint", s.idleHint);
    w.boolean("locked-hint", s.lockedHint);
    w.raw("idle-since", std::to_string(s.idleSince));
}

void writeLeader(StateWriter& w, const LeaderRecord& l)
{
    w.section("leader");
    w.line("session", l.sessionId);
    w.raw("uid", std::to_string(l.uid));
    w.raw("pid", std::to_string(l.pid));
    w.line("service-name", l.serviceName);
    w.line("cookie", l.cookie);
    w.raw("pid-start-time", std::to_string(l.pidStartTime));
}

void writeCommit(StateWriter& w)
{
    w.text("\n");
    w.text(kCommit);
}

} // namespace

StateSnapshotBuilder::StateSnapshotBuilder(
    unsigned nextSessionSerial, unsigned nextSeatSerial, std::size_t expectedSize)
{
    out_.reserve(expectedSize);
    StateWriter w(out_);
    w.text("# console-kit-daemon restart state; private to the daemon, do not edit\n");
    w.raw("version", std::to_string(kVersion));
    w.raw("next-session-serial", std::to_string(nextSessionSerial));
    w.raw("next-seat-serial", std::to_string(nextSeatSerial));
}

void StateSnapshotBuilder::seat(const SeatRecord& seat)
{
    const std::size_t before = out_.size();
    StateWriter w(out_);
    writeSeat(w, seat);
    sizes_["seat " + seat.id] = out_.size() - before;
}

void StateSnapshotBuilder::session(const SessionRecord& session)
{
    const std::size_t before = out_.size();
    StateWriter w(out_);
    writeSession(w, session);
    sizes_["session " + session.id] = out_.size() - before;
}

void StateSnapshotBuilder::leader(const LeaderRecord& leader)
{
    const std::size_t before = out_.size();
    StateWriter w(out_);
    writeLeader(w, leader);
    sizes_["leader " + leader.sessionId] = out_.size() - before;
}

std::string StateSnapshotBuilder::take()
{
    StateWriter w(out_);
    writeCommit(w);
    return std::move(out_);
}

std::string formatState(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial)
{
    StateSnapshotBuilder b(nextSessionSerial, nextSeatSerial);
    feed(snapshot, b);
    return b.take();
}

namespace {
// formatStateChange(), telling `sized(key, bytes)` the size of each record it writes.
template <typename Sized> std::string formatChange(const StateChange& change, Sized sized)
{
    std::string out;
    StateWriter w(out);
    w.section("serials");
    w.raw("next-session-serial", std::to_string(change.nextSessionSerial));
    w.raw("next-seat-serial", std::to_string(change.nextSeatSerial));
    std::size_t before = out.size();
    for (const auto& s : change.seats) {
        writeSeat(w, s);
        sized("seat " + s.id, out.size() - std::exchange(before, out.size()));
    }
    for (const auto& s : change.sessions) {
        writeSession(w, s);
        sized("session " + s.id, out.size() - std::exchange(before, out.size()));
    }
    for (const auto& l : change.leaders) {
        writeLeader(w, l);
        sized("leader " + l.sessionId, out.size() - std::exchange(before, out.size()));
    }
    for (const auto& id : change.droppedSeats) {
        w.section("drop-seat");
        w.line("id", id);
    }
    for (const auto& id : change.droppedSessions) {
        w.section("drop-session");
        w.line("id", id);
    }
    writeCommit(w);
    return out;
}
} // namespace

std::string formatStateChange(const StateChange& change)
{
    return formatChange(change, [](const std::string&, std::size_t) {});
}

Result<LoadedState> parseState(std::string_view text)
{
    StateParser parser(StateParser::committedEnd(text));
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::size_t end = eol == std::string_view::npos ? text.size() : eol + 1;
        const std::string_view line = text.substr(pos, end - pos - (eol == std::string_view::npos ? 0 : 1));
        if (auto r = parser.line(line.size() > kMaxStateRecordBytes ? std::string_view() : line, end,
                line.size() > kMaxStateRecordBytes);
            !r)
            return r.error();
        pos = end;
    }
    return parser.finish(text.size());
}

namespace {

// Calls `each(line, lineEnd, oversized, terminated)` for every line of `fd` from its start
// (`terminated`: it ends with a newline; only the last line may not), holding at most
// one line of kMaxStateRecordBytes: a longer one is reported as oversized, without its text.
template <typename Each> Result<std::size_t> forEachLine(int fd, const std::string& path, Each each)
{
    if (::lseek(fd, 0, SEEK_SET) != 0)
        return Error{ErrorCode::Failed, "cannot seek in state file '" + path + "': " + std::strerror(errno)};
    std::string line;
    bool oversized = false;
    std::size_t offset = 0;
    std::vector<char> buf(64 * 1024);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error{ErrorCode::Failed, "cannot read state file '" + path + "': " + std::strerror(errno)};
        }
        if (n == 0)
            break;
        std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        while (!chunk.empty()) {
            const std::size_t eol = chunk.find('\n');
            const std::string_view part = chunk.substr(0, eol);
            offset += part.size();
            if (!oversized && line.size() + part.size() <= kMaxStateRecordBytes)
                line.append(part);
            else {
                oversized = true;
                line.clear();
                line.shrink_to_fit();
            }
            if (eol == std::string_view::npos)
                break;
            ++offset;
            if (auto r = each(std::string_view(line), offset, oversized, true); !r)
                return r.error();
            line.clear();
            oversized = false;
            chunk.remove_prefix(eol + 1);
        }
    }
    if (!line.empty() || oversized)
        if (auto r = each(std::string_view(line), offset, oversized, false); !r)
            return r.error();
    return offset;
}

} // namespace

Result<LoadedState> loadState(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
    if (!fd) {
        const int err = errno;
        return Error{err == ENOENT ? ErrorCode::UnknownObject : ErrorCode::Failed,
            "cannot open state file '" + path + "': " + std::strerror(err)};
    }
    struct stat st { };
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return Error{ErrorCode::Failed, "state file '" + path + "' is not a regular file"};
    if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return Error{ErrorCode::InsufficientPermission,
            "refusing state file '" + path + "': not owned by us or writable by others"};
    // Two passes, each holding one line: where the last [commit] ends, then the records.
    std::size_t committed = std::string_view::npos;
    // As parseState(): a [commit] counts once its newline is written.
    auto scanned
        = forEachLine(fd.get(), path, [&](std::string_view line, std::size_t end, bool oversized, bool terminated) {
              if (terminated && !oversized && line == kCommit.substr(0, kCommit.size() - 1))
                  committed = end;
              return Result<void>{};
          });
    if (!scanned)
        return scanned.error();
    StateParser parser(committed);
    auto read = forEachLine(fd.get(), path, [&](std::string_view line, std::size_t end, bool oversized, bool) {
        return parser.line(line, end, oversized);
    });
    if (!read)
        return Error{read.error().code, "'" + path + "': " + read.error().message};
    return parser.finish(*read);
}

StateJournal::StateJournal(std::string path) : path_(std::move(path)) { }

Result<void> StateJournal::rewrite(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial)
{
    StateSnapshotBuilder b(nextSessionSerial, nextSeatSerial);
    feed(snapshot, b);
    const std::string text = b.take();
    return rewrite(text, b.takeSizes());
}

Result<void> StateJournal::rewrite(std::string_view text, StateRecordSizes sizes)
{
    fd_.reset();
    // On failure the last good file stays in place (writeFileAtomically() renames only a
    // complete copy): a restart still finds what was open when it was written.
    if (auto r = writeFileAtomically(path_, text, 0600, 0755); !r)
        return r;
    fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd_)
        return Error{ErrorCode::Failed, "cannot reopen state file '" + path_ + "': " + std::strerror(errno)};
    snapshotBytes_ = text.size();
    appendedBytes_ = 0;
    sizes_ = std::move(sizes);
    liveBytes_ = 0;
    for (const auto& [key, bytes] : sizes_)
        liveBytes_ += bytes;
    return {};
}

void StateJournal::setSize(const std::string& key, std::size_t bytes)
{
    auto [it, added] = sizes_.try_emplace(key, bytes);
    if (!added) {
        liveBytes_ -= it->second;
        it->second = bytes;
    }
    liveBytes_ += bytes;
}

void StateJournal::dropSize(const std::string& key)
{
    if (auto it = sizes_.find(key); it != sizes_.end()) {
        liveBytes_ -= it->second;
        sizes_.erase(it);
    }
}

Result<void> StateJournal::append(const StateChange& change)
{
    if (!fd_)
        return Error{ErrorCode::Failed, "state file '" + path_ + "' is not open for appending"};
    std::vector<std::pair<std::string, std::size_t>> sized;
    const std::string text = formatChange(
        change, [&sized](std::string key, std::size_t bytes) { sized.emplace_back(std::move(key), bytes); });
    if (writeAll(fd_.get(), text) != text.size() || ::fdatasync(fd_.get()) != 0) {
        const int err = errno;
        // Part of the record may be in the file: only a rewrite may follow it.
        fd_.reset();
        return Error{ErrorCode::Failed, "cannot append to state file '" + path_ + "': " + std::strerror(err)};
    }
    appendedBytes_ += text.size();
    for (auto& [key, bytes] : sized)
        setSize(key, bytes);
    for (const auto& id : change.droppedSeats)
        dropSize("seat " + id);
    for (const auto& id : change.droppedSessions) {
        dropSize("session " + id);
        dropSize("leader " + id);
    }
    return {};
}

bool StateJournal::wantsRewrite() const
{
    // Superseded and dropped records (and change headers) are garbage; live records are what a
    // rewrite would write again.
    const std::size_t garbage = fileBytes() > liveBytes_ ? fileBytes() - liveBytes_ : 0;
    return !fd_ || garbage > std::max(liveBytes_, kMinGarbageBytes) || appendedBytes_ > kMaxAppendedBytes;
}

} // namespace ck::state
