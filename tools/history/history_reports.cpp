// ck-history reports: --last, --last-compat, --frequent, --log and the summary.
#include "history_reports.h"

#include <pwd.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <unordered_map>

#include "util/log.h"

namespace ck::history {

using state::HistoryEvent;
using Type = state::HistoryEventType;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

bool exists(const std::string& path)
{
    struct stat st { };
    return ::stat(path.c_str(), &st) == 0;
}

// zlib reads plain files transparently, so one reader serves history.N and history.N.gz.
Result<std::string> readMaybeCompressed(const std::string& path)
{
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr)
        return Error{ErrorCode::Failed, "cannot open " + path + ": " + std::strerror(errno ? errno : ENOMEM)};
    std::string data;
    char buf[65536];
    for (;;) {
        const int n = gzread(gz, buf, sizeof buf);
        if (n < 0) {
            int code = 0;
            const char* msg = gzerror(gz, &code);
            log::warning("error reading " + path + ": " + (msg ? msg : "unknown") + " (using what was read)");
            break;
        }
        if (n == 0)
            break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    gzclose(gz);
    return data;
}

std::vector<HistoryEvent> parseLines(const std::string& path, const std::string& data, std::size_t& unparsable)
{
    std::vector<HistoryEvent> events;
    std::size_t pos = 0, lineNo = 0;
    while (pos < data.size()) {
        std::size_t eol = data.find('\n', pos);
        if (eol == std::string::npos)
            eol = data.size();
        const std::string_view line(data.data() + pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (line.empty())
            continue;
        if (line.size() > kMaxLine) {
            log::warning(path + ":" + std::to_string(lineNo) + ": line too long, skipped");
            ++unparsable;
            continue;
        }
        auto e = state::parseHistoryLine(line);
        if (!e) {
            ++unparsable;
            continue;
        }
        events.push_back(std::move(*e));
    }
    return events;
}

std::string formatTime(Microseconds t, const char* fmt)
{
    const time_t sec = static_cast<time_t>(t / 1000000);
    tm local{};
    ::localtime_r(&sec, &local);
    char buf[64];
    std::strftime(buf, sizeof buf, fmt, &local);
    return buf;
}

// ctime() without the newline: "Fri Jul 19 04:29:40 2013"; loginTime is its first 16 chars.
std::string ctimeText(Microseconds t)
{
    return formatTime(t, "%a %b %e %H:%M:%S %Y");
}
std::string loginTime(Microseconds t)
{
    return formatTime(t, "%a %b %e %H:%M");
}

std::string duration(Microseconds from, Microseconds to)
{
    long long secs = (to / 1000000) - (from / 1000000);
    if (secs < 0)
        secs = 0;
    const long long mins = (secs / 60) % 60, hours = (secs / 3600) % 24, days = secs / 86400;
    char buf[64];
    if (days > 0)
        std::snprintf(buf, sizeof buf, "(%lld+%02lld:%02lld)", days, hours, mins);
    else
        std::snprintf(buf, sizeof buf, " (%02lld:%02lld)", hours, mins);
    return buf;
}

std::string lineOf(const HistoryEvent& e)
{
    std::string line = !e.x11DisplayDevice.empty() ? e.x11DisplayDevice : e.displayDevice;
    if (line.starts_with("/dev/"))
        line.erase(0, 5);
    return line;
}

// Keeps a printed field on one line: controls become '?'.
std::string printable(std::string s)
{
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return s;
}

struct Ending {
    std::string end;
    std::string length;
};

Ending sessionEnding(const std::vector<HistoryEvent>& events, std::size_t i)
{
    const HistoryEvent& added = events[i];
    const std::string id = state::idBasename(added.sessionId);
    for (std::size_t k = i + 1; k < events.size(); ++k) {
        const HistoryEvent& e = events[k];
        if (e.type == Type::SeatSessionRemoved && state::idBasename(e.sessionId) == id)
            return {"- " + formatTime(e.timestamp, "%H:%M"), duration(added.timestamp, e.timestamp)};
        if (e.type == Type::SystemStart)
            return {"- crash", duration(added.timestamp, e.timestamp)};
        if (e.type == Type::SystemStop || e.type == Type::SystemRestart)
            return {"- down ", duration(added.timestamp, e.timestamp)};
    }
    return {"  still", "logged in"};
}

Ending bootEnding(const std::vector<HistoryEvent>& events, std::size_t i)
{
    const HistoryEvent& boot = events[i];
    for (std::size_t k = i + 1; k < events.size(); ++k) {
        const HistoryEvent& e = events[k];
        if (e.type == Type::SystemStop || e.type == Type::SystemRestart)
            return {"- " + formatTime(e.timestamp, "%H:%M"), duration(boot.timestamp, e.timestamp)};
        if (e.type == Type::SystemStart)
            return {"- crash", duration(boot.timestamp, e.timestamp)};
    }
    return {"  still", "running"};
}

void printCounts(std::FILE* out, const char* title, const std::map<std::string, unsigned>& counts)
{
    std::vector<std::pair<std::string, unsigned>> sorted(counts.begin(), counts.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::fprintf(out, "\n%s:\n", title);
    for (const auto& [name, n] : sorted)
        std::fprintf(out, "  %-16s %u\n", printable(name).c_str(), n);
}

} // namespace

Result<LoadedLog> loadLog(const std::string& base, std::optional<Microseconds> since)
{
    std::vector<std::string> files;
    if (exists(base))
        files.push_back(base);
    for (unsigned n = 1;; ++n) {
        const std::string plain = base + "." + std::to_string(n);
        if (exists(plain))
            files.push_back(plain);
        else if (exists(plain + ".gz"))
            files.push_back(plain + ".gz");
        else
            break;
    }
    if (files.empty())
        return Error{ErrorCode::Failed, "cannot read " + base + ": " + std::strerror(ENOENT)};

    LoadedLog loaded;
    std::vector<std::vector<HistoryEvent>> perFile; // newest file first
    for (const auto& f : files) {
        auto data = readMaybeCompressed(f);
        if (!data) {
            log::warning(data.error().message);
            continue;
        }
        loaded.files.push_back(f);
        perFile.push_back(parseLines(f, *data, loaded.unparsableLines));
    }
    if (loaded.files.empty())
        return Error{ErrorCode::Failed, "cannot read any history file at " + base};
    const long long sinceSec = since ? *since / 1000000 : 0;
    for (auto it = perFile.rbegin(); it != perFile.rend(); ++it)
        for (auto& e : *it)
            if (!since || e.timestamp / 1000000 >= sinceSec)
                loaded.events.push_back(std::move(e));
    return loaded;
}

bool matches(const HistoryEvent& e, const Filters& f)
{
    if (state::isSessionEvent(e.type)) {
        if (f.uid && e.sessionUnixUser != *f.uid)
            return false;
        if (f.seat && state::idBasename(e.seatId) != state::idBasename(*f.seat))
            return false;
        if (f.sessionType && e.sessionType != *f.sessionType)
            return false;
        return true;
    }
    if (state::isSystemEvent(e.type) || e.type == Type::Unknown)
        return !f.any();
    // Other SEAT_* events.
    if (f.uid || f.sessionType)
        return false;
    return !f.seat || state::idBasename(e.seatId) == state::idBasename(*f.seat);
}

std::string userName(uid_t uid)
{
    static std::unordered_map<uid_t, std::string> cache;
    if (auto it = cache.find(uid); it != cache.end())
        return it->second;
    passwd pw{};
    passwd* result = nullptr;
    std::vector<char> buf(16384);
    std::string name;
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr)
        name = result->pw_name;
    else
        name = std::to_string(uid);
    cache.emplace(uid, name);
    return name;
}

void printLast(std::FILE* out, const LoadedLog& loaded, const Filters& f, bool compat)
{
    const auto& events = loaded.events;
    for (std::size_t i = events.size(); i-- > 0;) {
        const HistoryEvent& e = events[i];
        if (e.type != Type::SeatSessionAdded && e.type != Type::SystemStart)
            continue;
        if (!matches(e, f))
            continue;
        const bool boot = e.type == Type::SystemStart;
        const std::string user = boot ? "reboot" : userName(e.sessionUnixUser);
        const std::string line = boot ? "system boot" : lineOf(e);
        const std::string host = boot ? e.kernelRelease : !e.remoteHostName.empty() ? e.remoteHostName : e.x11Display;
        const Ending end = boot ? bootEnding(events, i) : sessionEnding(events, i);
        // --last-compat keeps last(1)'s 8-column user; --last uses ConsoleKit2's 24 columns so
        // that long names and numeric uids are not cut.
        if (compat) {
            std::fprintf(out, "%-8.8s %-12.12s %-16.16s %-16.16s", printable(user).c_str(), printable(line).c_str(),
                printable(host).c_str(), loginTime(e.timestamp).c_str());
        } else {
            std::fprintf(out, "%-24.24s %12s %-10.10s %-7.7s %-12.12s %-28.28s %-16.16s", printable(user).c_str(),
                printable(boot ? "" : e.sessionType).c_str(), printable(state::idBasename(e.sessionId)).c_str(),
                printable(state::idBasename(e.seatId)).c_str(), printable(line).c_str(), printable(host).c_str(),
                loginTime(e.timestamp).c_str());
        }
        std::fprintf(out, " %-7.7s %-12.12s\n", end.end.c_str(), end.length.c_str());
    }
    if (!events.empty())
        std::fprintf(out, "\nLog begins %s\n", ctimeText(events.front().timestamp).c_str());
}

void printFrequent(std::FILE* out, const LoadedLog& loaded, const Filters& f)
{
    std::map<uid_t, unsigned> counts;
    for (const auto& e : loaded.events)
        if (e.type == Type::SeatSessionAdded && matches(e, f))
            ++counts[e.sessionUnixUser];
    std::vector<std::pair<std::string, unsigned>> rows;
    for (const auto& [uid, n] : counts)
        rows.emplace_back(userName(uid), n);
    std::sort(rows.begin(), rows.end(),
        [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    for (const auto& [name, n] : rows)
        std::fprintf(out, "%-24s %u\n", name.c_str(), n);
}

void printLog(std::FILE* out, const LoadedLog& loaded, const Filters& f)
{
    for (const auto& e : loaded.events)
        if (matches(e, f))
            std::fprintf(out, "%s\n", state::formatHistoryLine(e).c_str());
}

void printSummary(std::FILE* out, const LoadedLog& loaded, const Filters& f)
{
    std::vector<const HistoryEvent*> shown;
    for (const auto& e : loaded.events)
        if (matches(e, f))
            shown.push_back(&e);
    std::string files;
    for (const auto& file : loaded.files)
        files += (files.empty() ? "" : ", ") + file;
    std::fprintf(out, "History files:    %s\n", files.c_str());
    std::fprintf(out, "Events:           %zu\n", shown.size());
    if (loaded.unparsableLines > 0)
        std::fprintf(out, "Unreadable lines: %zu\n", loaded.unparsableLines);
    if (shown.empty())
        return;
    std::fprintf(out, "First event:      %s\n", ctimeText(shown.front()->timestamp).c_str());
    std::fprintf(out, "Last event:       %s\n", ctimeText(shown.back()->timestamp).c_str());

    unsigned boots = 0, shutdowns = 0, sessions = 0;
    std::map<std::string, unsigned> perUser, perType, perSeat;
    for (const HistoryEvent* e : shown) {
        if (e->type == Type::SystemStart)
            ++boots;
        else if (e->type == Type::SystemStop || e->type == Type::SystemRestart)
            ++shutdowns;
        else if (e->type == Type::SeatSessionAdded) {
            ++sessions;
            ++perUser[userName(e->sessionUnixUser)];
            ++perType[e->sessionType.empty() ? "(none)" : e->sessionType];
            ++perSeat[state::idBasename(e->seatId)];
        }
    }
    std::fprintf(out, "Boots:            %u\n", boots);
    std::fprintf(out, "Shutdowns:        %u\n", shutdowns);
    std::fprintf(out, "Sessions:         %u\n", sessions);
    if (sessions == 0)
        return;
    printCounts(out, "Sessions per user", perUser);
    printCounts(out, "Sessions per type", perType);
    printCounts(out, "Sessions per seat", perSeat);
}

} // namespace ck::history
