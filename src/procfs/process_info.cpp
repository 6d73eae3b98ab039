// Process facts a session needs from /proc: parent, uid, start time, tty, login session, environ.
#include "procfs/process_info.h"

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include "procfs/proc_file.h"

namespace ck::procfs {

namespace {

// The audit subsystem's "no login session" value (AUDIT_SID_UNSET, (u32)-1). ConsoleKit 0.4.6
// compared with G_MAXULONG and so reported it as a real id on 64-bit (spec §12 item 8).
constexpr std::string_view kUnsetSessionId = "4294967295";

constexpr unsigned kTtyMajor = 4; // VTs (minor 1..63) and legacy serial ttyS (64..)
constexpr unsigned kFirstSerialMinor = 64;
constexpr unsigned kPtsFirstMajor = 136; // UNIX98_PTY_SLAVE_MAJOR .. +7
constexpr unsigned kPtsLastMajor = 143;

struct StatFields {
    pid_t ppid = 0;
    std::uint32_t ttyNr = 0;
    unsigned long long startTime = 0;
};

Error malformed(const std::string& path, const std::string& why)
{
    return Error{ErrorCode::Failed, "malformed '" + path + "': " + why};
}

// /proc/PID/stat is "pid (comm) state ppid ...". comm is up to 15 arbitrary bytes, including
// spaces and ')', so the fields start after the LAST ')'.
Result<StatFields> parseStat(std::string_view text, const std::string& path)
{
    const auto close = text.rfind(')');
    if (text.empty())
        return malformed(path, "file is empty");
    if (close == std::string_view::npos || text.find('(') > close)
        return malformed(path, "no '(comm)' field");
    const auto fields = splitWhitespace(trimWhitespace(text.substr(close + 1)));
    // fields[0] is field 3 (state); field N is fields[N - 3].
    constexpr std::size_t kPpid = 4 - 3, kTtyNr = 7 - 3, kStartTime = 22 - 3;
    if (fields.size() <= kStartTime)
        return malformed(path, "truncated: " + std::to_string(fields.size() + 2) + " fields, need 22");
    StatFields out;
    auto ppid = parseNumber<pid_t>(fields[kPpid]);
    if (!ppid || *ppid < 0)
        return malformed(path, "ppid (field 4) is not a number: " + quoteForMessage(fields[kPpid]));
    out.ppid = *ppid;
    // tty_nr is printed with %d although it is an encoded dev_t: large pts minors come out negative.
    auto tty = parseNumber<long long>(fields[kTtyNr]);
    if (!tty || *tty < INT32_MIN || *tty > UINT32_MAX)
        return malformed(path, "tty_nr (field 7) is not a number: " + quoteForMessage(fields[kTtyNr]));
    out.ttyNr = static_cast<std::uint32_t>(*tty);
    auto start = parseNumber<unsigned long long>(fields[kStartTime]);
    if (!start)
        return malformed(path, "starttime (field 22) is not a number: " + quoteForMessage(fields[kStartTime]));
    out.startTime = *start;
    return out;
}

struct Uids {
    uid_t real = 0;
    uid_t effective = 0;
};

Result<Uids> parseUids(std::string_view status, const std::string& path)
{
    std::size_t pos = 0;
    while (pos < status.size()) {
        std::size_t end = status.find('\n', pos);
        if (end == std::string_view::npos)
            end = status.size();
        const std::string_view line = status.substr(pos, end - pos);
        pos = end + 1;
        if (!line.starts_with("Uid:"))
            continue;
        const auto ids = splitWhitespace(line.substr(4));
        if (ids.empty())
            return malformed(path, "empty Uid: line");
        auto uid = parseNumber<uid_t>(ids[0]);
        if (!uid)
            return malformed(path, "Uid: is not a number: " + quoteForMessage(ids[0]));
        auto euid = ids.size() > 1 ? parseNumber<uid_t>(ids[1]) : uid;
        if (!euid)
            return malformed(path, "Uid: effective uid is not a number: " + quoteForMessage(ids[1]));
        return Uids{*uid, *euid};
    }
    return malformed(path, "no Uid: line");
}

Result<StatFields> readStat(const std::string& root, pid_t pid)
{
    auto text = readPidFile(root, pid, "stat", kSmallFileCap);
    if (!text)
        return std::move(text).error();
    return parseStat(*text, pidDir(root, pid) + "/stat");
}

} // namespace

unsigned long long ticksSinceBoot()
{
    // The kernel prints starttime from the task's boot-based start time divided by USER_HZ.
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    const long hz = ::sysconf(_SC_CLK_TCK);
    const auto ticks = static_cast<unsigned long long>(hz > 0 ? hz : 100);
    return static_cast<unsigned long long>(now.tv_sec) * ticks
        + static_cast<unsigned long long>(now.tv_nsec) / (1000000000ULL / ticks);
}

ProcReader::ProcReader(std::string root) : root_(std::move(root)) { }

Result<ProcessInfo> ProcReader::read(pid_t pid) const
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    auto stat = readStat(root_, pid);
    if (!stat)
        return std::move(stat).error();
    auto statusText = readPidFile(root_, pid, "status", kSmallFileCap);
    if (!statusText)
        return std::move(statusText).error();
    auto uid = parseUids(*statusText, pidDir(root_, pid) + "/status");
    if (!uid)
        return std::move(uid).error();

    ProcessInfo info;
    info.pid = pid;
    info.ppid = stat->ppid;
    info.uid = uid->real;
    info.effectiveUid = uid->effective;
    info.startTime = stat->startTime;
    info.ttyDevice = ttyPathFromDeviceNumber(stat->ttyNr);

    // sessionid exists only with CONFIG_AUDIT; its absence means "no login session".
    int err = 0;
    auto sessionText = readPidFile(root_, pid, "sessionid", kSmallFileCap, &err);
    if (sessionText) {
        const auto id = trimWhitespace(*sessionText);
        if (!id.empty() && !parseNumber<std::uint32_t>(id))
            return malformed(pidDir(root_, pid) + "/sessionid", "not a number: " + quoteForMessage(id));
        if (id != kUnsetSessionId)
            info.loginSessionId = std::string(id);
    } else if (err != ENOENT) {
        return std::move(sessionText).error();
    }
    return info;
}

Result<unsigned long long> ProcReader::startTime(pid_t pid) const
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    auto stat = readStat(root_, pid);
    if (!stat)
        return std::move(stat).error();
    return stat->startTime;
}

Result<std::optional<std::string>> ProcReader::environValue(pid_t pid, std::string_view name) const
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    if (name.empty() || name.find('=') != std::string_view::npos || name.find('\0') != std::string_view::npos)
        return Error{ErrorCode::InvalidInput, "invalid environment variable name " + quoteForMessage(name)};
    auto text = readPidFile(root_, pid, "environ", kEnvironCap);
    if (!text)
        return std::move(text).error();
    // NUL-separated "NAME=value" entries; the last one may lack its NUL (a process can overwrite
    // its environment block). Entries without '=' are not variables and are skipped.
    const std::string_view env = *text;
    std::size_t pos = 0;
    while (pos < env.size()) {
        std::size_t end = env.find('\0', pos);
        if (end == std::string_view::npos)
            end = env.size();
        const std::string_view entry = env.substr(pos, end - pos);
        pos = end + 1;
        if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
            return std::optional<std::string>(std::string(entry.substr(name.size() + 1)));
    }
    return std::optional<std::string>();
}

std::string ProcReader::ttyPathFromDeviceNumber(unsigned long ttyNr) const
{
    if (ttyNr == 0)
        return {};
    // Linux's new_encode_dev(): minor bits 0-7, major bits 8-19, minor bits 8-19 at 20-31.
    const unsigned major = (ttyNr >> 8) & 0xfff;
    const unsigned minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
    if (major == kTtyMajor && minor >= 1 && minor < kFirstSerialMinor)
        return "/dev/tty" + std::to_string(minor);
    if (major == kTtyMajor && minor >= kFirstSerialMinor)
        return "/dev/ttyS" + std::to_string(minor - kFirstSerialMinor);
    if (major >= kPtsFirstMajor && major <= kPtsLastMajor)
        return "/dev/pts/" + std::to_string((major - kPtsFirstMajor) * 256 + minor);

    // Other drivers (USB serial, hvc, rfcomm, console...): /proc/tty/drivers lines are
    // "name  /dev/prefix  major  minor-or-range  type".
    auto drivers = readProcFile(joinPath(root_, "tty/drivers"), kSmallFileCap);
    if (!drivers)
        return {};
    const std::string_view text = *drivers;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        const auto cols = splitWhitespace(text.substr(pos, end - pos));
        pos = end + 1;
        if (cols.size() < 5)
            continue;
        auto lineMajor = parseNumber<unsigned>(cols[2]);
        if (!lineMajor || *lineMajor != major)
            continue;
        const std::string_view range = cols[3];
        const auto dash = range.find('-');
        auto first = parseNumber<unsigned>(range.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : parseNumber<unsigned>(range.substr(dash + 1));
        if (!first || !last || minor < *first || minor > *last)
            continue;
        const std::string prefix(cols[1]);
        const std::string_view type = cols[4];
        const std::string index = std::to_string(minor - *first);
        if (type.starts_with("pty:slave"))
            return prefix + "/" + index;
        // A single-minor system/console driver names one device exactly (/dev/console); a
        // serial driver with one port still numbers it (/dev/ttyS0).
        if (dash == std::string_view::npos && !type.starts_with("serial"))
            return prefix;
        return prefix + index;
    }
    return {};
}

} // namespace ck::procfs
