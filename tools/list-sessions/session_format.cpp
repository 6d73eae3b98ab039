// Session blocks and seat lines of ck-list-sessions. Missing values print as '' (never "(null)"
// as ConsoleKit printed them), and control characters in values are escaped so a value can
// never forge a line of its own.
#include "list-sessions/session_format.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace ck::listsessions {

namespace {

struct Line {
    const char* key;
    bool quoted; // 'value' (strings, numbers) or bare TRUE/FALSE (booleans)
    bool classic; // part of the 0.4.6 block too
    enum { Always, IfNonZero, IfNonEmpty } when;
};

// The order is the block order. realname and seat are not read from the session: realname comes
// from passwd, seat is the seat the session was listed under.
constexpr Line kLines[] = {
    {"unix-user", true, true, Line::Always},
    {"realname", true, true, Line::Always},
    {"seat", true, true, Line::Always},
    {"session-type", true, true, Line::Always},
    {"session-class", true, false, Line::Always},
    {"session-state", true, false, Line::Always},
    {"session-service", true, false, Line::Always},
    {"active", false, true, Line::Always},
    {"x11-display", true, true, Line::Always},
    {"x11-display-device", true, true, Line::Always},
    {"display-device", true, true, Line::Always},
    {"remote-host-name", true, true, Line::Always},
    {"is-local", false, true, Line::Always},
    {"on-since", true, true, Line::Always},
    {"login-session-id", true, true, Line::Always},
    {"XDG_RUNTIME_DIR", true, false, Line::Always},
    {"VTNr", true, false, Line::IfNonZero},
    {"idle-since-hint", true, true, Line::IfNonEmpty},
};

bool inFormat(const Line& line, Format format)
{
    return format == Format::Ck2 || line.classic;
}

std::string baseName(const std::string& path)
{
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Newlines, tabs and other control bytes as C escapes; everything else (UTF-8 names included)
// as it is.
std::string escaped(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

std::string valueOf(const SessionInfo& session, const std::string& key)
{
    const auto it = session.fields.find(key);
    return it == session.fields.end() ? std::string() : it->second;
}

} // namespace

std::optional<Format> parseFormat(std::string_view name)
{
    if (name == "ck2")
        return Format::Ck2;
    if (name == "classic")
        return Format::Classic;
    return std::nullopt;
}

std::vector<std::string> fieldsFor(Format format)
{
    std::vector<std::string> fields;
    for (const Line& line : kLines) {
        const std::string_view key = line.key;
        if (inFormat(line, format) && key != "realname" && key != "seat")
            fields.emplace_back(key);
    }
    return fields;
}

std::string realNameFromGecos(std::string_view gecos, std::string_view login)
{
    const std::string_view first = gecos.substr(0, gecos.find(','));
    std::string capitalised(login);
    if (!capitalised.empty())
        capitalised[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(capitalised[0])));
    std::string name;
    for (const char c : first) {
        if (c == '&')
            name += capitalised;
        else
            name += c;
    }
    return name;
}

std::string realNameForUid(uid_t uid)
{
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::string buffer(size > 0 ? static_cast<std::size_t>(size) : 1024, '\0');
    for (;;) {
        passwd entry{};
        passwd* found = nullptr;
        const int rc = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE && buffer.size() < (1u << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc != 0 || found == nullptr || entry.pw_gecos == nullptr)
            return {};
        return realNameFromGecos(entry.pw_gecos, entry.pw_name != nullptr ? entry.pw_name : "");
    }
}

std::string formatSession(const SessionInfo& session, const std::string& seatPath, Format format)
{
    std::string out = escaped(baseName(session.path)) + ":\n";
    for (const Line& line : kLines) {
        if (!inFormat(line, format))
            continue;
        const std::string_view key = line.key;
        std::string value;
        if (key == "seat") {
            value = baseName(seatPath);
        } else if (key == "realname") {
            const std::string uid = valueOf(session, "unix-user");
            if (!uid.empty())
                value = realNameForUid(static_cast<uid_t>(std::strtoul(uid.c_str(), nullptr, 10)));
        } else {
            value = valueOf(session, line.key);
        }
        if (line.when == Line::IfNonZero && (value.empty() || value == "0"))
            continue;
        if (line.when == Line::IfNonEmpty && value.empty())
            continue;
        out += '\t';
        out += line.key;
        out += " = ";
        // A boolean the daemon did not give prints as '' like every other missing value.
        if (line.quoted || value.empty())
            out += "'" + escaped(value) + "'";
        else
            out += value;
        out += '\n';
    }
    return out;
}

std::string formatEmptySeat(const SeatInfo& seat)
{
    std::string activate = "''";
    if (seat.canActivateSessions)
        activate = *seat.canActivateSessions ? "TRUE" : "FALSE";
    return escaped(baseName(seat.path)) + ": no sessions (name = '" + escaped(seat.name.value_or(""))
        + "', can-activate-sessions = " + activate + ")\n";
}

} // namespace ck::listsessions
