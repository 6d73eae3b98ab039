// Bounded reads of /proc files and strict number parsing shared by the procfs readers.
#pragma once

#include <sys/types.h>

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "util/result.h"

namespace ck::procfs {

// Caps keep a corrupt or hostile file from exhausting memory. stat/status/comm/sessionid are a
// few KiB; environ is limited by the kernel to a quarter of the stack rlimit (2 MiB by default);
// smaps is ~1 KiB per mapping, so a process with many thousands of mappings still fits.
inline constexpr std::size_t kSmallFileCap = 1024 * 1024;
inline constexpr std::size_t kEnvironCap = 4 * 1024 * 1024;
inline constexpr std::size_t kSmapsCap = 64 * 1024 * 1024;

// "<root>/<a>" without doubling a trailing slash of root.
std::string joinPath(std::string_view root, std::string_view name);
std::string pidDir(std::string_view root, pid_t pid);

// Reads a whole file, at most maxBytes (more is an error naming the file). /proc files report
// size 0, so this reads until EOF instead of trusting st_size. On failure *errnoOut (if given)
// receives the errno (0 for "too large").
Result<std::string> readProcFile(const std::string& path, std::size_t maxBytes, int* errnoOut = nullptr);

// Reads <root>/<pid>/<name>. A missing pid directory (or ESRCH from a process that exited while
// we read) becomes "No such process <pid>", so callers get one message for a vanished process.
Result<std::string> readPidFile(
    std::string_view root, pid_t pid, std::string_view name, std::size_t maxBytes, int* errnoOut = nullptr);

// Numeric directory entries of dir ("1234"), sorted ascending; other names are skipped.
Result<std::vector<pid_t>> listPidEntries(const std::string& dir);

// The whole of text must be a number (no sign for unsigned types, no spaces).
template <typename T> std::optional<T> parseNumber(std::string_view text, int base = 10)
{
    T value{};
    if (text.empty())
        return std::nullopt;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    if (ec != std::errc{} || ptr != end)
        return std::nullopt;
    return value;
}

// Splits on runs of spaces and tabs.
std::vector<std::string_view> splitWhitespace(std::string_view text);
std::string_view trimWhitespace(std::string_view text);

// A short, printable rendering of untrusted file content for error messages.
std::string quoteForMessage(std::string_view text);

} // namespace ck::procfs
