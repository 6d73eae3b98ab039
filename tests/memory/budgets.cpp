// Budgets file parser: a tiny key = value format so that every limit lives in one reviewed file.
#include "memory/budgets.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ck::memtest {

namespace {
std::string_view trim(std::string_view s)
{
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}
} // namespace

Result<Budgets> Budgets::parse(std::string_view text, const std::string& origin)
{
    Budgets b;
    b.origin_ = origin;
    std::size_t lineNo = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++lineNo;
        if (const auto hash = line.find('#'); hash != std::string_view::npos)
            line = line.substr(0, hash);
        line = trim(line);
        if (line.empty())
            continue;
        const std::string where = origin + ":" + std::to_string(lineNo) + ": ";
        const auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return Error{ErrorCode::InvalidInput, where + "expected `key = value`"};
        const std::string key(trim(line.substr(0, eq)));
        const std::string value(trim(line.substr(eq + 1)));
        if (key.empty())
            return Error{ErrorCode::InvalidInput, where + "empty key"};
        errno = 0;
        char* end = nullptr;
        const long n = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || errno != 0 || *end != '\0')
            return Error{
                ErrorCode::InvalidInput, where + "value of " + key + " is not a whole number: '" + value + "'"};
        if (!b.values_.emplace(key, n).second)
            return Error{ErrorCode::InvalidInput, where + key + " is given twice"};
    }
    return b;
}

Result<Budgets> Budgets::load(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return Error{ErrorCode::Failed, "cannot read the budgets file " + path};
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

Result<long> Budgets::get(const std::string& key) const
{
    auto it = values_.find(key);
    if (it == values_.end())
        return Error{ErrorCode::InvalidInput, origin_ + " has no budget '" + key + "'"};
    return it->second;
}

std::string defaultBudgetsPath()
{
    if (const char* p = std::getenv("CK_MEMORY_BUDGETS"); p != nullptr && *p != '\0')
        return p;
    const char* src = std::getenv("CK_SOURCE_ROOT");
    return std::string(src != nullptr ? src : ".") + "/tests/data/memory/budgets.conf";
}

} // namespace ck::memtest
