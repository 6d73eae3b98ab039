// Formats and writes the 0.4.6-compatible state database read by polkit, udev-acl and scripts.
#include "state/database.h"

#include "util/atomic_file.h"

namespace ck::state {

void appendKeyFileValue(std::string& out, std::string_view value)
{
    // Mirrors g_key_file_parse_string_as_value() (GLib 2.74) with escape_separator = FALSE:
    // only *leading* blanks are escaped (so a reader does not strip them); a newline or
    // carriage return does not end the leading run, a backslash or any other byte does.
    const bool plain = !value.empty() && value.front() != ' ' && value.front() != '\t'
        && value.find_first_of("\n\r\\") == std::string_view::npos;
    if (plain) {
        out += value;
        return;
    }
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
}

std::string escapeKeyFileValue(std::string_view value)
{
    std::string out;
    appendKeyFileValue(out, value);
    return out;
}

void DatabaseBuilder::group(std::string_view kind, std::string_view id)
{
    // g_key_file_to_data() separates groups by one empty line.
    if (!out_.empty())
        out_ += '\n';
    out_ += '[';
    out_ += kind;
    out_ += ' ';
    out_ += id;
    out_ += "]\n";
}

void DatabaseBuilder::string(std::string_view key, std::string_view value)
{
    out_ += key;
    out_ += '=';
    appendKeyFileValue(out_, value);
    out_ += '\n';
}

void DatabaseBuilder::raw(std::string_view key, std::string_view value)
{
    out_ += key;
    out_ += '=';
    out_ += value;
    out_ += '\n';
}

void DatabaseBuilder::seat(const SeatRecord& seat)
{
    group("Seat", seat.id);
    raw("kind", std::to_string(seat.kind));
    // Each list is one value: escaped as a whole, as GKeyFile does.
    std::string list;
    for (const auto& id : seat.sessionIds) {
        if (!list.empty())
            list += ' ';
        list += id;
    }
    string("sessions", list);
    list.clear();
    for (const auto& [type, id] : seat.devices) {
        if (!list.empty())
            list += ' ';
        list += type;
        list += ':';
        list += id;
    }
    string("devices", list);
    if (!seat.activeSessionId.empty())
        string("active_session", seat.activeSessionId);
}

void DatabaseBuilder::session(const SessionRecord& s)
{
    group("Session", s.id);
    raw("uid", std::to_string(s.uid));
    string("seat", s.seatId);
    // 0.4.6 writes `type` when the type is non-NULL; our records cannot tell NULL from "",
    // and an empty type carries no information, so an empty type is left out.
    if (!s.type.empty())
        string("type", s.type);
    if (!s.loginSessionId.empty())
        string("login_session_id", s.loginSessionId);
    if (!s.displayDevice.empty())
        string("display_device", s.displayDevice);
    if (!s.x11DisplayDevice.empty())
        string("x11_display_device", s.x11DisplayDevice);
    if (!s.x11Display.empty())
        string("x11_display", s.x11Display);
    string("remote_host_name", s.remoteHostName);
    raw("is_active", s.isActive ? "true" : "false");
    raw("is_local", s.isLocal ? "true" : "false");
    string("creation_time", s.creationTime);
}

void DatabaseBuilder::leader(const LeaderRecord& l)
{
    group("SessionLeader", l.sessionId);
    string("session", l.sessionId);
    raw("uid", std::to_string(l.uid));
    raw("pid", std::to_string(l.pid));
    string("service_name", l.serviceName);
}

std::string formatDatabase(const Snapshot& snapshot)
{
    DatabaseBuilder b;
    feed(snapshot, b);
    return b.take();
}

Result<void> writeDatabase(const std::string& path, std::string_view content)
{
    return writeFileAtomically(path, content, 0644, 0755);
}

Result<void> writeDatabase(const std::string& path, const Snapshot& snapshot)
{
    return writeDatabase(path, formatDatabase(snapshot));
}

} // namespace ck::state
