// Memory statistics of a process from /proc: status, smaps, smaps_rollup, threads, names.
#include "procfs/memory_stats.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "procfs/proc_file.h"

namespace ck::procfs {

namespace {

// Iterates the lines of a text; the last line may lack its '\n'.
class LineReader {
public:
    explicit LineReader(std::string_view text) : text_(text) { }
    bool next(std::string_view& line)
    {
        if (pos_ >= text_.size())
            return false;
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string_view::npos)
            end = text_.size();
        line = text_.substr(pos_, end - pos_);
        pos_ = end + 1;
        ++number_;
        return true;
    }
    std::size_t number() const { return number_; }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t number_ = 0;
};

Error lineError(std::string_view file, std::size_t line, const std::string& why)
{
    return Error{ErrorCode::Failed, std::string(file) + " line " + std::to_string(line) + ": " + why};
}

// "   1688 kB" -> 1688.
std::optional<long> parseKib(std::string_view value)
{
    const auto tokens = splitWhitespace(value);
    if (tokens.size() != 2 || tokens[1] != "kB")
        return std::nullopt;
    auto n = parseNumber<long>(tokens[0]);
    if (!n || *n < 0)
        return std::nullopt;
    return n;
}

void addTo(long& total, long value)
{
    if (value < 0)
        return;
    total = (total < 0 ? 0 : total) + value;
}

bool isHex(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

// A mapping header is "start-end perms offset dev inode [path]"; field lines are "Key: value".
// A header's first token never contains ':' and a field's key never contains '-' with hex on
// both sides, so the first token tells them apart.
bool looksLikeHeader(std::string_view line)
{
    const auto space = line.find(' ');
    const std::string_view first = line.substr(0, space);
    const auto dash = first.find('-');
    return dash != std::string_view::npos && isHex(first.substr(0, dash)) && isHex(first.substr(dash + 1));
}

Result<Mapping> parseHeader(std::string_view line, std::size_t lineNo, std::string_view file)
{
    // Five fixed fields, then the path, which may contain spaces (and " (deleted)").
    std::size_t pos = 0;
    std::string_view fields[5];
    for (auto& field : fields) {
        pos = line.find_first_not_of(' ', pos);
        if (pos == std::string_view::npos)
            return lineError(file, lineNo, "truncated mapping header " + quoteForMessage(line));
        std::size_t end = line.find(' ', pos);
        if (end == std::string_view::npos)
            end = line.size();
        field = line.substr(pos, end - pos);
        pos = end;
    }
    Mapping m;
    const auto dash = fields[0].find('-');
    auto start = parseNumber<unsigned long>(fields[0].substr(0, dash), 16);
    auto end = parseNumber<unsigned long>(fields[0].substr(dash + 1), 16);
    if (!start || !end || *end < *start)
        return lineError(file, lineNo, "bad address range " + quoteForMessage(fields[0]));
    m.start = *start;
    m.end = *end;
    m.perms = std::string(fields[1]);
    if (pos < line.size()) {
        const auto pathStart = line.find_first_not_of(' ', pos);
        if (pathStart != std::string_view::npos)
            m.path = std::string(line.substr(pathStart));
    }
    return m;
}

struct Field {
    std::string_view key;
    std::string_view value;
};

Result<Field> splitField(std::string_view line, std::size_t lineNo, std::string_view file)
{
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return lineError(file, lineNo, "expected 'Name: value', got " + quoteForMessage(line));
    return Field{line.substr(0, colon), line.substr(colon + 1)};
}

// The smaps fields a total or a Mapping needs; others (VmFlags, THPeligible...) are not "kB".
long* totalsField(SmapsTotals& t, std::string_view key)
{
    if (key == "Size")
        return &t.size;
    if (key == "Rss")
        return &t.rss;
    if (key == "Pss")
        return &t.pss;
    if (key == "Shared_Clean")
        return &t.sharedClean;
    if (key == "Shared_Dirty")
        return &t.sharedDirty;
    if (key == "Private_Clean")
        return &t.privateClean;
    if (key == "Private_Dirty")
        return &t.privateDirty;
    if (key == "Swap")
        return &t.swap;
    return nullptr;
}

// Parses smaps (or smaps_rollup) text; mappings and/or per-text totals are filled when given.
Result<void> parseSmapsText(
    std::string_view text, std::string_view file, std::vector<Mapping>* mappings, SmapsTotals* totals)
{
    LineReader lines(text);
    std::string_view line;
    bool inMapping = false;
    SmapsTotals current; // fields of the current mapping
    auto finish = [&] {
        if (!inMapping)
            return;
        if (mappings) {
            Mapping& m = mappings->back();
            m.size = current.size;
            m.rss = current.rss;
            m.pss = current.pss;
            addTo(m.dirty, current.sharedDirty);
            addTo(m.dirty, current.privateDirty);
            m.swap = current.swap;
        }
        if (totals) {
            addTo(totals->size, current.size);
            addTo(totals->rss, current.rss);
            addTo(totals->pss, current.pss);
            addTo(totals->sharedClean, current.sharedClean);
            addTo(totals->sharedDirty, current.sharedDirty);
            addTo(totals->privateClean, current.privateClean);
            addTo(totals->privateDirty, current.privateDirty);
            addTo(totals->swap, current.swap);
        }
    };
    while (lines.next(line)) {
        if (trimWhitespace(line).empty())
            continue;
        if (looksLikeHeader(line)) {
            auto header = parseHeader(line, lines.number(), file);
            if (!header)
                return std::move(header).error();
            finish();
            inMapping = true;
            current = SmapsTotals{};
            if (mappings)
                mappings->push_back(std::move(header).value());
            continue;
        }
        auto field = splitField(line, lines.number(), file);
        if (!field)
            return std::move(field).error();
        if (!inMapping)
            return lineError(file, lines.number(), "field before the first mapping header");
        long* slot = totalsField(current, field->key);
        if (!slot)
            continue;
        auto kib = parseKib(field->value);
        if (!kib)
            return lineError(file, lines.number(),
                std::string(field->key) + " is not '<n> kB': " + quoteForMessage(trimWhitespace(field->value)));
        *slot = *kib;
    }
    finish();
    return {};
}

} // namespace

Result<StatusMemory> parseStatus(std::string_view text)
{
    static constexpr std::pair<std::string_view, long StatusMemory::*> kVmFields[] = {
        {"VmPeak", &StatusMemory::vmPeak},
        {"VmSize", &StatusMemory::vmSize},
        {"VmLck", &StatusMemory::vmLck},
        {"VmHWM", &StatusMemory::vmHWM},
        {"VmRSS", &StatusMemory::vmRSS},
        {"VmData", &StatusMemory::vmData},
        {"VmStk", &StatusMemory::vmStk},
        {"VmExe", &StatusMemory::vmExe},
        {"VmLib", &StatusMemory::vmLib},
        {"VmPTE", &StatusMemory::vmPTE},
        {"VmSwap", &StatusMemory::vmSwap},
    };
    StatusMemory out;
    bool haveName = false;
    LineReader lines(text);
    std::string_view line;
    while (lines.next(line)) {
        if (line.empty())
            continue;
        auto field = splitField(line, lines.number(), "status");
        if (!field)
            return std::move(field).error();
        const auto [key, value] = field.value();
        if (key == "Name") {
            // The name is the rest of the line after the tab; it may itself contain spaces.
            std::string_view name = value;
            if (!name.empty() && name.front() == '\t')
                name.remove_prefix(1);
            out.name = std::string(name);
            haveName = true;
        } else if (key == "Pid" || key == "Threads") {
            auto n = parseNumber<long>(trimWhitespace(value));
            if (!n || *n < 0)
                return lineError("status", lines.number(),
                    std::string(key) + " is not a number: " + quoteForMessage(trimWhitespace(value)));
            if (key == "Pid")
                out.pid = static_cast<pid_t>(*n);
            else
                out.threads = *n;
        } else {
            for (const auto& [vmKey, member] : kVmFields) {
                if (key != vmKey)
                    continue;
                auto kib = parseKib(value);
                if (!kib)
                    return lineError("status", lines.number(),
                        std::string(key) + " is not '<n> kB': " + quoteForMessage(trimWhitespace(value)));
                out.*member = *kib;
            }
        }
    }
    if (!haveName)
        return Error{ErrorCode::Failed, "status: no Name: line (empty or truncated file)"};
    return out;
}

Result<StatusMemory> readStatus(const std::string& root, pid_t pid)
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    auto text = readPidFile(root, pid, "status", kSmallFileCap);
    if (!text)
        return std::move(text).error();
    auto status = parseStatus(*text);
    if (!status)
        return Error{ErrorCode::Failed, pidDir(root, pid) + "/" + status.error().message};
    return status;
}

Result<SmapsTotals> parseSmapsRollup(std::string_view text)
{
    SmapsTotals totals;
    if (auto r = parseSmapsText(text, "smaps_rollup", nullptr, &totals); !r)
        return std::move(r).error();
    if (totals.rss < 0)
        return Error{ErrorCode::Failed, "smaps_rollup: no Rss: line (empty or truncated file)"};
    totals.size = -1; // the [rollup] header spans the whole address space, not the mapped size
    return totals;
}

Result<SmapsTotals> sumSmaps(std::string_view smapsText)
{
    SmapsTotals totals{0, 0, 0, 0, 0, 0, 0, 0};
    if (auto r = parseSmapsText(smapsText, "smaps", nullptr, &totals); !r)
        return std::move(r).error();
    return totals;
}

Result<std::vector<Mapping>> parseSmaps(std::string_view text)
{
    std::vector<Mapping> mappings;
    if (auto r = parseSmapsText(text, "smaps", &mappings, nullptr); !r)
        return std::move(r).error();
    return mappings;
}

Result<SmapsTotals> readSmapsRollup(const std::string& root, pid_t pid)
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    int err = 0;
    auto rollup = readPidFile(root, pid, "smaps_rollup", kSmallFileCap, &err);
    if (rollup) {
        auto totals = parseSmapsRollup(*rollup);
        if (!totals)
            return Error{ErrorCode::Failed, pidDir(root, pid) + "/" + totals.error().message};
        return totals;
    }
    // Kernel threads and zombies have no mm: the kernel answers ESRCH for smaps_rollup (and
    // an empty smaps) while the pid directory is still there. Nothing is mapped.
    struct stat st { };
    if (err == ESRCH && ::stat(pidDir(root, pid).c_str(), &st) == 0)
        return SmapsTotals{0, 0, 0, 0, 0, 0, 0, 0};
    if (err != ENOENT)
        return std::move(rollup).error();
    auto smaps = readPidFile(root, pid, "smaps", kSmapsCap);
    if (!smaps)
        return std::move(smaps).error();
    auto totals = sumSmaps(*smaps);
    if (!totals)
        return Error{ErrorCode::Failed, pidDir(root, pid) + "/" + totals.error().message};
    return totals;
}

Result<std::vector<Mapping>> readSmaps(const std::string& root, pid_t pid)
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    auto smaps = readPidFile(root, pid, "smaps", kSmapsCap);
    if (!smaps)
        return std::move(smaps).error();
    auto mappings = parseSmaps(*smaps);
    if (!mappings)
        return Error{ErrorCode::Failed, pidDir(root, pid) + "/" + mappings.error().message};
    return mappings;
}

Result<std::vector<ThreadInfo>> readThreads(const std::string& root, pid_t pid)
{
    if (pid <= 0)
        return Error{ErrorCode::InvalidInput, "invalid pid " + std::to_string(pid)};
    const std::string taskDir = joinPath(pidDir(root, pid), "task");
    auto tids = listPidEntries(taskDir);
    if (!tids) {
        // Same wording as the other readers when the process itself is gone.
        struct stat st { };
        if (::stat(pidDir(root, pid).c_str(), &st) != 0)
            return Error{ErrorCode::Failed, "No such process " + std::to_string(pid)};
        return std::move(tids).error();
    }
    std::vector<ThreadInfo> threads;
    for (pid_t tid : *tids) {
        auto comm = readProcFile(joinPath(joinPath(taskDir, std::to_string(tid)), "comm"), kSmallFileCap);
        if (!comm)
            continue; // the thread exited after the directory was listed
        std::string_view name = *comm;
        if (name.ends_with('\n'))
            name.remove_suffix(1);
        threads.push_back(ThreadInfo{tid, std::string(name)});
    }
    return threads;
}

Result<std::vector<pid_t>> findProcessesByName(const std::string& root, std::string_view comm)
{
    // TASK_COMM_LEN is 16 including the NUL: the kernel keeps at most 15 bytes of the name.
    constexpr std::size_t kCommMax = 15;
    auto pids = listPidEntries(root);
    if (!pids)
        return std::move(pids).error();
    const std::string_view truncated = comm.substr(0, kCommMax);
    std::vector<pid_t> found;
    for (pid_t pid : *pids) {
        auto text = readPidFile(root, pid, "comm", kSmallFileCap);
        if (!text)
            continue; // exited during the scan
        std::string_view name = *text;
        if (name.ends_with('\n'))
            name.remove_suffix(1);
        if (name == comm) {
            found.push_back(pid);
            continue;
        }
        if (comm.size() <= kCommMax || name != truncated)
            continue;
        // A truncated match: check argv[0] so "console-kit-daemon" does not match an unrelated
        // "console-kit-daemonizer". Zombies and kernel threads have an empty cmdline; accept those.
        auto cmdline = readPidFile(root, pid, "cmdline", kSmallFileCap);
        if (!cmdline || cmdline->empty() || (*cmdline)[0] == '\0') {
            found.push_back(pid);
            continue;
        }
        std::string_view argv0(cmdline->c_str());
        if (auto slash = argv0.rfind('/'); slash != std::string_view::npos)
            argv0.remove_prefix(slash + 1);
        if (argv0 == comm)
            found.push_back(pid);
    }
    return found;
}

} // namespace ck::procfs
