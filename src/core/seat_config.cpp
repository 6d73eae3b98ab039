// A small reader for the GKeyFile syntax of .seat files (groups, key=value, ';' lists).
#include "core/seat_config.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>

#include "core/session_strings.h"
#include "util/atomic_file.h"

namespace ck::core {

namespace {
std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// GKeyFile list: ';'-separated, "\;" is a literal ';', "\\" a backslash, trailing ';' optional.
std::vector<std::string> splitList(std::string_view v)
{
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 0; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\\' && i + 1 < v.size()) {
            char n = v[++i];
            cur.push_back(n == 's' ? ' ' : n == 'n' ? '\n' : n == 't' ? '\t' : n);
        } else if (c == ';') {
            out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty())
        out.push_back(std::move(cur));
    return out;
}
} // namespace

Result<SeatConfig> parseSeatFile(std::string_view text, const std::string& fileName)
{
    // Device names reach the bus as strings, which must be UTF-8 (GVariant refuses anything else).
    if (!isValidUtf8(text))
        return Error{ErrorCode::InvalidInput, fileName + ": not a seat file (not UTF-8)"};
    SeatConfig cfg;
    cfg.file = fileName;
    std::string group;
    bool sawGroup = false;
    bool hidden = false;
    std::size_t lineNo = 0;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineNo;
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '[') {
            if (line.back() != ']')
                return Error{ErrorCode::InvalidInput, fileName + ":" + std::to_string(lineNo) + ": bad group line"};
            group = std::string(line.substr(1, line.size() - 2));
            if (!sawGroup && group != "Seat Entry")
                return Error{ErrorCode::InvalidInput, fileName + ": not a seat file (first group is not [Seat Entry])"};
            sawGroup = true;
            continue;
        }
        if (!sawGroup)
            return Error{ErrorCode::InvalidInput, fileName + ":" + std::to_string(lineNo) + ": key outside a group"};
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return Error{ErrorCode::InvalidInput, fileName + ":" + std::to_string(lineNo) + ": expected key=value"};
        if (group != "Seat Entry")
            continue;
        std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (key == "Hidden") {
            hidden = value == "true" || value == "1";
        } else if (key == "Devices") {
            for (auto& item : splitList(value)) {
                auto colon = item.find(':');
                if (colon == std::string::npos || colon == 0)
                    return Error{
                        ErrorCode::InvalidInput, fileName + ": device '" + item + "' is not of the form type:id"};
                cfg.devices.emplace_back(item.substr(0, colon), item.substr(colon + 1));
            }
        }
    }
    if (!sawGroup)
        return Error{ErrorCode::InvalidInput, fileName + ": not a seat file (no [Seat Entry] group)"};
    if (hidden)
        cfg.file.clear();
    return cfg;
}

std::vector<SeatConfig> loadSeatConfigs(const std::string& dir, std::vector<std::string>& problems)
{
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string_view n = e->d_name;
            if (n.size() > 5 && n.ends_with(".seat"))
                names.emplace_back(n);
        }
        ::closedir(d);
    } else if (errno == ENOENT) {
        // No configuration at all (a daemon run by hand, an install without data/): the console
        // seat as the shipped 00-primary.seat describes it, so VT tracking is not silently lost.
        return {SeatConfig{std::string(kBuiltInConsoleSeat), {}}};
    }
    std::sort(names.begin(), names.end());
    std::vector<SeatConfig> out;
    for (const auto& n : names) {
        const std::string path = dir + "/" + n;
        auto text = readFile(path, 1024 * 1024);
        if (!text) {
            problems.push_back(text.error().message);
            continue;
        }
        auto cfg = parseSeatFile(*text, path);
        if (!cfg) {
            problems.push_back(cfg.error().message);
            continue;
        }
        if (!cfg->file.empty())
            out.push_back(std::move(cfg).value());
    }
    return out;
}

} // namespace ck::core
