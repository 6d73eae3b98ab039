// Formats and writes the 0.4.6-compatible state database read by polkit, udev-acl and scripts.
#include "state/database.h"

#include <unistd.h>

#include "util/atomic_file.h"

namespace ck::state {

std::string escapeKeyFileValue(std::string_view value)
{
    // Mirrors g_key_file_parse_string_as_value() (GLib 2.74) with escape_separator = FALSE:
    // only *leading* blanks are escaped (so a reader does not strip them); a newline or
    // carriage return does not end the leading run, a backslash or any other byte does.
    const bool plain = !value.empty() && value.front() != ' ' && value.front() != '\t'
        && value.find_first_of("\n\r\\") == std::string_view::npos;
    if (plain)
        return std::string(value);
    std::string out;
    out.reserve(value.size());
    bool leading = true;
    for (char c : value) {
        switch (c) {
        case ' ':
            out += leading ? "\\s" : " ";
            break;
        case '\t':
            out += leading ? "\\t" : "\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\\':
            out += "\\\\";
            leading = false;
            break;
        default:
            out += c;
            leading = false;
            break;
        }
    }
    return out;
}

namespace {

// One group as g_key_file_to_data() prints it, preceded by the blank line that separates it
// from the group before (formatDatabase drops it before the first group).
class GroupWriter {
public:
    explicit GroupWriter(std::string_view name)
    {
        out_ += "\n[";
        out_ += name;
        out_ += "]\n";
    }
    void string(std::string_view key, std::string_view value) { raw(key, escapeKeyFileValue(value)); }
    void boolean(std::string_view key, bool value) { raw(key, value ? "true" : "false"); }
    void number(std::string_view key, unsigned long long value) { raw(key, std::to_string(value)); }
    void number(std::string_view key, long long value) { raw(key, std::to_string(value)); }
    std::string take() { return std::move(out_); }

private:
    void raw(std::string_view key, std::string_view value)
    {
        out_ += key;
        out_ += '=';
        out_ += value;
        out_ += '\n';
    }
    std::string out_;
};

std::string joined(const std::vector<std::string>& items)
{
    std::string s;
    for (const auto& item : items) {
        if (!s.empty())
            s += ' ';
        s += item;
    }
    return s;
}

std::string seatGroup(const SeatRecord& seat)
{
    GroupWriter w("Seat " + seat.id);
    w.number("kind", static_cast<long long>(seat.kind));
    w.string("sessions", joined(seat.sessionIds));
    std::string devices;
    for (const auto& [type, id] : seat.devices) {
        if (!devices.empty())
            devices += ' ';
        devices += type + ':' + id;
    }
    w.string("devices", devices);
    if (!seat.activeSessionId.empty())
        w.string("active_session", seat.activeSessionId);
    return w.take();
}

std::string sessionGroup(const SessionRecord& s)
{
    GroupWriter w("Session " + s.id);
    w.number("uid", static_cast<unsigned long long>(s.uid));
    w.string("seat", s.seatId);
    // 0.4.6 writes `type` when the type is non-NULL; our records cannot tell NULL from "",
    // and an empty type carries no information, so an empty type is left out.
    if (!s.type.empty())
        w.string("type", s.type);
    if (!s.loginSessionId.empty())
        w.string("login_session_id", s.loginSessionId);
    if (!s.displayDevice.empty())
        w.string("display_device", s.displayDevice);
    if (!s.x11DisplayDevice.empty())
        w.string("x11_display_device", s.x11DisplayDevice);
    if (!s.x11Display.empty())
        w.string("x11_display", s.x11Display);
    w.string("remote_host_name", s.remoteHostName);
    w.boolean("is_active", s.isActive);
    w.boolean("is_local", s.isLocal);
    w.string("creation_time", s.creationTime);
    return w.take();
}

std::string leaderGroup(const LeaderRecord& l)
{
    GroupWriter w("SessionLeader " + l.sessionId);
    w.string("session", l.sessionId);
    w.number("uid", static_cast<unsigned long long>(l.uid));
    w.number("pid", static_cast<long long>(l.pid));
    w.string("service_name", l.serviceName);
    return w.take();
}

} // namespace

std::string formatDatabase(const Snapshot& snapshot)
{
    std::string out;
    for (const auto& seat : snapshot.seats)
        out += seatGroup(seat);
    for (const auto& s : snapshot.sessions)
        out += sessionGroup(s);
    for (const auto& l : snapshot.leaders)
        out += leaderGroup(l);
    if (!out.empty())
        out.erase(0, 1); // no blank line before the first group
    return out;
}

Result<void> writeDatabase(const std::string& path, const Snapshot& snapshot)
{
    auto r = writeFileAtomically(path, formatDatabase(snapshot), 0644, 0755);
    if (!r)
        ::unlink(path.c_str());
    return r;
}

} // namespace ck::state
