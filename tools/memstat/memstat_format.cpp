// ck-memstat's output: aligned text tables and JSON for each report, kept apart from reading.
#include "memstat/memstat_format.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace ck::memstat {

namespace {

enum class Align { Left, Right };

// Columns sized to their widest cell; one space between columns, no trailing blanks.
class TextTable {
public:
    explicit TextTable(std::vector<std::pair<std::string, Align>> columns) : columns_(std::move(columns))
    {
        std::vector<std::string> header;
        for (const auto& c : columns_)
            header.push_back(c.first);
        rows_.push_back(std::move(header));
    }
    void add(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    // A line of dashes under the first count columns, as wide as each column.
    void addRule(std::size_t count)
    {
        rules_.emplace_back(rows_.size(), count);
        rows_.emplace_back();
    }
    std::string render() const
    {
        std::vector<std::size_t> widths(columns_.size(), 0);
        for (const auto& row : rows_)
            for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
                widths[i] = std::max(widths[i], displayWidth(row[i]));
        std::string out;
        for (std::size_t r = 0; r < rows_.size(); ++r) {
            const auto& row = rows_[r];
            const auto rule = std::find_if(rules_.begin(), rules_.end(), [&](const auto& x) { return x.first == r; });
            std::string line;
            for (std::size_t i = 0; i < columns_.size(); ++i) {
                if (rule != rules_.end()) {
                    if (i < rule->second)
                        line += (i > 0 ? " " : "") + std::string(widths[i], '-');
                    continue;
                }
                const std::string cell = i < row.size() ? row[i] : std::string();
                const std::string pad(widths[i] - displayWidth(cell), ' ');
                if (i > 0)
                    line += ' ';
                line += columns_[i].second == Align::Right ? pad + cell : cell + pad;
            }
            line.erase(line.find_last_not_of(' ') + 1);
            out += line + '\n';
        }
        return out;
    }

private:
    // Code points, not bytes: UTF-8 continuation bytes take no column.
    static std::size_t displayWidth(const std::string& s)
    {
        return static_cast<std::size_t>(
            std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
    }

    std::vector<std::pair<std::string, Align>> columns_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::pair<std::size_t, std::size_t>> rules_; // row index, columns covered
};

std::string kib(long value)
{
    return value < 0 ? "-" : std::to_string(value);
}

std::string jsonNumber(long value)
{
    return value < 0 ? "null" : std::to_string(value);
}

std::string hexAddress(unsigned long address)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016lx", address);
    return buf;
}

// Length of the valid UTF-8 sequence at s[i], 0 when it is not one (overlongs, surrogates and
// values above U+10FFFF included).
std::size_t utf8Sequence(std::string_view s, std::size_t i)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0;
        if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else
        return 0;
    if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((byte(i + k) & 0xc0) != 0x80)
            return 0;
    return len;
}

} // namespace

std::string jsonString(std::string_view text)
{
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t len = utf8Sequence(text, i);
        if (len == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        if (len > 1) {
            out.append(text.substr(i, len));
            i += len;
            continue;
        }
        ++i;
        switch (c) {
        case '"':
            out += "\\\"";
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
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    out += '"';
    return out;
}

std::string displayName(std::string_view text)
{
    std::string out(text);
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return out;
}

std::string formatTable(const std::vector<Row>& rows)
{
    TextTable table({{"Chg", Align::Left}, {"PID", Align::Right}, {"Name", Align::Left}, {"VmStk", Align::Right},
        {"VmData", Align::Right}, {"VmSize", Align::Right}, {"VmPeak", Align::Right}, {"VmRSS", Align::Right},
        {"VmHWM", Align::Right}, {"Threads", Align::Right}});
    for (const Row& r : rows) {
        const auto& s = r.status;
        table.add({r.change, std::to_string(s.pid), displayName(s.name), kib(s.vmStk), kib(s.vmData), kib(s.vmSize),
            kib(s.vmPeak), kib(s.vmRSS), kib(s.vmHWM), kib(s.threads)});
    }
    return table.render();
}

std::string formatTableJson(const std::vector<Row>& rows)
{
    std::string out = "{\"processes\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const auto& s = r.status;
        if (i > 0)
            out += ',';
        out += "{\"pid\":" + std::to_string(s.pid) + ",\"name\":" + jsonString(s.name) + ",\"startTime\":"
            + std::to_string(r.startTime) + ",\"change\":" + jsonString(r.change) + ",\"vmStk\":" + jsonNumber(s.vmStk)
            + ",\"vmData\":" + jsonNumber(s.vmData) + ",\"vmSize\":" + jsonNumber(s.vmSize)
            + ",\"vmPeak\":" + jsonNumber(s.vmPeak) + ",\"vmRSS\":" + jsonNumber(s.vmRSS)
            + ",\"vmHWM\":" + jsonNumber(s.vmHWM) + ",\"threads\":" + jsonNumber(s.threads) + "}";
    }
    out += "]}\n";
    return out;
}

std::string formatThreads(const std::vector<ThreadRow>& rows)
{
    TextTable table({{"PID", Align::Right}, {"LWP", Align::Right}, {"NLWP", Align::Right}, {"COMM", Align::Left}});
    for (const auto& r : rows)
        table.add({std::to_string(r.pid), std::to_string(r.lwp), std::to_string(r.nlwp), displayName(r.comm)});
    return table.render();
}

std::string formatThreadsJson(const std::vector<ThreadRow>& rows)
{
    std::string out = "{\"threads\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (i > 0)
            out += ',';
        out += "{\"pid\":" + std::to_string(r.pid) + ",\"lwp\":" + std::to_string(r.lwp)
            + ",\"nlwp\":" + std::to_string(r.nlwp) + ",\"comm\":" + jsonString(r.comm) + "}";
    }
    out += "]}\n";
    return out;
}

std::string formatMaps(const std::vector<MapsReport>& reports, bool all)
{
    if (!all) {
        TextTable table({{"PID", Align::Right}, {"Name", Align::Left}, {"Size", Align::Right}, {"RSS", Align::Right},
            {"PSS", Align::Right}, {"Dirty", Align::Right}, {"Swap", Align::Right}});
        for (const auto& r : reports)
            table.add({std::to_string(r.pid), displayName(r.name), kib(r.size), kib(r.rss), kib(r.pss), kib(r.dirty),
                kib(r.swap)});
        return table.render();
    }
    std::string out;
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const auto& r = reports[i];
        if (i > 0)
            out += '\n';
        out += std::to_string(r.pid) + ": " + displayName(r.name) + '\n';
        TextTable table({{"Address", Align::Left}, {"Size", Align::Right}, {"RSS", Align::Right}, {"PSS", Align::Right},
            {"Dirty", Align::Right}, {"Swap", Align::Right}, {"Mode", Align::Left}, {"Mapping", Align::Left}});
        for (const auto& m : r.mappings)
            table.add({hexAddress(m.start), kib(m.size), kib(m.rss), kib(m.pss), kib(m.dirty), kib(m.swap), m.perms,
                m.path.empty() ? "[ anon ]" : displayName(m.path)});
        table.addRule(6);
        table.add({"total kB", kib(r.size), kib(r.rss), kib(r.pss), kib(r.dirty), kib(r.swap)});
        out += table.render();
    }
    return out;
}

std::string formatMapsJson(const std::vector<MapsReport>& reports, bool all)
{
    std::string out = "{\"processes\":[";
    for (std::size_t i = 0; i < reports.size(); ++i) {
        const auto& r = reports[i];
        if (i > 0)
            out += ',';
        out += "{\"pid\":" + std::to_string(r.pid) + ",\"name\":" + jsonString(r.name)
            + ",\"size\":" + jsonNumber(r.size) + ",\"rss\":" + jsonNumber(r.rss) + ",\"pss\":" + jsonNumber(r.pss)
            + ",\"dirty\":" + jsonNumber(r.dirty) + ",\"swap\":" + jsonNumber(r.swap);
        if (all) {
            out += ",\"mappings\":[";
            for (std::size_t k = 0; k < r.mappings.size(); ++k) {
                const auto& m = r.mappings[k];
                if (k > 0)
                    out += ',';
                out += "{\"start\":\"" + hexAddress(m.start) + "\",\"end\":\"" + hexAddress(m.end) + "\",\"perms\":"
                    + jsonString(m.perms) + ",\"path\":" + jsonString(m.path) + ",\"size\":" + jsonNumber(m.size)
                    + ",\"rss\":" + jsonNumber(m.rss) + ",\"pss\":" + jsonNumber(m.pss)
                    + ",\"dirty\":" + jsonNumber(m.dirty) + ",\"swap\":" + jsonNumber(m.swap) + "}";
            }
            out += ']';
        }
        out += '}';
    }
    out += "]}\n";
    return out;
}

std::string formatSmaps(const std::vector<SmapsRow>& rows)
{
    TextTable table({{"PID", Align::Right}, {"Name", Align::Left}, {"RSS", Align::Right}, {"Pss", Align::Right},
        {"Private_Dirty", Align::Right}, {"Swap", Align::Right}});
    for (const auto& r : rows)
        table.add({std::to_string(r.pid), displayName(r.name), kib(r.totals.rss), kib(r.totals.pss),
            kib(r.totals.privateDirty), kib(r.totals.swap)});
    return table.render();
}

std::string formatSmapsJson(const std::vector<SmapsRow>& rows)
{
    std::string out = "{\"processes\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (i > 0)
            out += ',';
        out += "{\"pid\":" + std::to_string(r.pid) + ",\"name\":" + jsonString(r.name)
            + ",\"rss\":" + jsonNumber(r.totals.rss) + ",\"pss\":" + jsonNumber(r.totals.pss)
            + ",\"privateDirty\":" + jsonNumber(r.totals.privateDirty) + ",\"swap\":" + jsonNumber(r.totals.swap) + "}";
    }
    out += "]}\n";
    return out;
}

std::string formatByName(const std::vector<NameTotal>& totals)
{
    TextTable table({{"Name", Align::Left}, {"RSS", Align::Right}, {"Procs", Align::Right}});
    for (const auto& t : totals)
        table.add({displayName(t.name), std::to_string(t.rss), std::to_string(t.processes)});
    return table.render();
}

std::string formatByNameJson(const std::vector<NameTotal>& totals)
{
    std::string out = "{\"names\":[";
    for (std::size_t i = 0; i < totals.size(); ++i) {
        const auto& t = totals[i];
        if (i > 0)
            out += ',';
        out += "{\"name\":" + jsonString(t.name) + ",\"rss\":" + std::to_string(t.rss)
            + ",\"processes\":" + std::to_string(t.processes) + "}";
    }
    out += "]}\n";
    return out;
}

} // namespace ck::memstat
