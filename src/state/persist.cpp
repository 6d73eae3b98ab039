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
#include <vector>

#include "util/atomic_file.h"
#include "util/hex.h"
#include "util/unique_fd.h"

namespace ck::state {

namespace {

// Version 2 appends change records after the snapshot; version 1 (a snapshot only, seats listing
// their sessions) is still read, for a daemon upgraded while sessions run.
constexpr unsigned kVersion = 2;
constexpr std::size_t kMaxStateBytes = 64 * 1024 * 1024;
constexpr std::string_view kCommit = "[commit]\n";
// The appended records may grow to the size of the snapshot (and at least this) before the file
// is rewritten: appending stays O(change) and the rewrites cost O(1) per change on average.
constexpr std::size_t kMinAppendedBytes = 64 * 1024;

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

class StateParser {
public:
    Result<LoadedState> parse(std::string_view text)
    {
        std::size_t pos = 0;
        while (pos <= text.size()) {
            const std::size_t eol = text.find('\n', pos);
            const std::string_view line
                = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
            ++lineNo_;
            pos = eol == std::string_view::npos ? text.size() + 1 : eol + 1;
            if (line.empty() || line.front() == '#')
                continue;
            if (version_ == 0) {
                if (!line.starts_with("version=") || !parseNumber(line.substr(8), version_))
                    return fail("the file does not start with version=<n>");
                if (version_ != 1 && version_ != kVersion)
                    return fail("unsupported state version " + std::to_string(version_) + " (expected "
                        + std::to_string(kVersion) + ")");
                if (version_ >= 2) {
                    // Only what a [commit] line closed counts: an append cut short by a crash
                    // is dropped.
                    const std::size_t end = committedEnd(text);
                    if (end == std::string_view::npos)
                        return fail("no [commit] line: the snapshot is incomplete");
                    state_.uncommittedBytes = text.size() - end;
                    text = text.substr(0, end);
                }
                beginHeader();
                continue;
            }
            if (line.front() == '[') {
                if (auto r = finishSection(); !r)
                    return r.error();
                if (auto r = beginSection(line); !r)
                    return r.error();
                continue;
            }
            if (section_ == "commit")
                return fail("a [commit] line takes no keys");
            const auto eq = line.find('=');
            if (eq == std::string_view::npos || eq == 0)
                return fail("expected key=value");
            const std::string_view key = line.substr(0, eq);
            std::string value;
            if (!unescape(line.substr(eq + 1), value))
                return fail("bad escape sequence in the value of " + std::string(key));
            if (auto r = assign(key, std::move(value)); !r)
                return r.error();
        }
        if (version_ == 0)
            return Error{ErrorCode::InvalidInput, "state file is empty (no version line)"};
        if (auto r = finishSection(); !r)
            return r.error();
        compact();
        return std::move(state_);
    }

private:
    Error fail(const std::string& what) const
    {
        return Error{ErrorCode::InvalidInput, "state line " + std::to_string(lineNo_) + ": " + what};
    }

    static std::size_t committedEnd(std::string_view text)
    {
        std::size_t at = text.rfind(kCommit);
        while (at != std::string_view::npos && at != 0 && text[at - 1] != '\n')
            at = at == 0 ? std::string_view::npos : text.rfind(kCommit, at - 1);
        return at == std::string_view::npos ? at : at + kCommit.size();
    }

    Result<void> beginSection(std::string_view line)
    {
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
            return fail("unknown section " + std::string(line));
        return {};
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

    Result<void> assign(std::string_view key, std::string&& value)
    {
        for (auto& f : fields_) {
            if (f.key != key)
                continue;
            if (!f.repeated && !seen_.insert(std::string(key)).second)
                return fail("duplicate key " + std::string(key) + " in " + section_);
            if (!f.set(std::move(value)))
                return fail("malformed value for " + std::string(key));
            if (f.repeated)
                seen_.insert(std::string(key));
            return {};
        }
        return fail("unknown key " + std::string(key) + " in " + section_);
    }

    Result<void> finishSection()
    {
        for (const auto& f : fields_)
            if (f.required && !seen_.contains(std::string(f.key)))
                return fail("the " + section_ + " before this line lacks " + std::string(f.key));
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
        return {};
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
    StateWriter w(out_);
    writeSeat(w, seat);
}

void StateSnapshotBuilder::session(const SessionRecord& session)
{
    StateWriter w(out_);
    writeSession(w, session);
}

void StateSnapshotBuilder::leader(const LeaderRecord& leader)
{
    StateWriter w(out_);
    writeLeader(w, leader);
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

std::string formatStateChange(const StateChange& change)
{
    std::string out;
    StateWriter w(out);
    w.section("serials");
    w.raw("next-session-serial", std::to_string(change.nextSessionSerial));
    w.raw("next-seat-serial", std::to_string(change.nextSeatSerial));
    for (const auto& s : change.seats)
        writeSeat(w, s);
    for (const auto& s : change.sessions)
        writeSession(w, s);
    for (const auto& l : change.leaders)
        writeLeader(w, l);
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

Result<LoadedState> parseState(std::string_view text)
{
    StateParser parser;
    return parser.parse(text);
}

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
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error{ErrorCode::Failed, "cannot read state file '" + path + "': " + std::strerror(errno)};
        }
        if (n == 0)
            break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxStateBytes)
            return Error{ErrorCode::Failed, "state file '" + path + "' is too large"};
    }
    auto r = parseState(text);
    if (!r)
        return Error{r.error().code, "'" + path + "': " + r.error().message};
    return r;
}

StateJournal::StateJournal(std::string path) : path_(std::move(path)) { }

Result<void> StateJournal::rewrite(const Snapshot& snapshot, unsigned nextSessionSerial, unsigned nextSeatSerial)
{
    return rewrite(formatState(snapshot, nextSessionSerial, nextSeatSerial));
}

Result<void> StateJournal::rewrite(std::string_view text)
{
    fd_.reset();
    if (auto r = writeFileAtomically(path_, text, 0600, 0755); !r)
        return r;
    fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd_)
        return Error{ErrorCode::Failed, "cannot reopen state file '" + path_ + "': " + std::strerror(errno)};
    snapshotBytes_ = text.size();
    appendedBytes_ = 0;
    return {};
}

Result<void> StateJournal::append(const StateChange& change)
{
    if (!fd_)
        return Error{ErrorCode::Failed, "state file '" + path_ + "' is not open for appending"};
    const std::string text = formatStateChange(change);
    if (writeAll(fd_.get(), text) != text.size() || ::fdatasync(fd_.get()) != 0) {
        const int err = errno;
        // Part of the record may be in the file: only a rewrite may follow it.
        fd_.reset();
        return Error{ErrorCode::Failed, "cannot append to state file '" + path_ + "': " + std::strerror(err)};
    }
    appendedBytes_ += text.size();
    return {};
}

bool StateJournal::wantsRewrite() const
{
    return !fd_ || appendedBytes_ > std::max(snapshotBytes_, kMinAppendedBytes);
}

} // namespace ck::state
