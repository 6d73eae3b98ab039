// Budgets: the memory limits of tests/data/memory/budgets.conf (`key = value`, '#' comments).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/result.h"

namespace ck::memtest {

class Budgets {
public:
    // Reads the file; a malformed line (no '=', an empty key, a value that is not a whole number)
    // or a key given twice is an error naming the line.
    static Result<Budgets> load(const std::string& path);
    static Result<Budgets> parse(std::string_view text, const std::string& origin = "budgets");

    bool has(const std::string& key) const { return values_.contains(key); }
    // The value; an unknown key is an error naming the key and the file.
    Result<long> get(const std::string& key) const;
    const std::map<std::string, long>& values() const { return values_; }

private:
    std::string origin_;
    std::map<std::string, long> values_;
};

// The checked-in budgets: $CK_MEMORY_BUDGETS, else <source root>/tests/data/memory/budgets.conf.
std::string defaultBudgetsPath();

} // namespace ck::memtest
