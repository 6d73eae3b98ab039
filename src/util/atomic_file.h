// Atomic file replacement: write a temp file in the same directory, fsync, rename.
// Readers never see a partial or stale file.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "util/result.h"

namespace ck {

// Creates missing parent directories (mode dirMode) first.
Result<void> writeFileAtomically(
    const std::string& path, std::string_view content, mode_t mode = 0644, mode_t dirMode = 0755);
// Writes `data` to `fd`, retried on EINTR and short writes. Returns how much was written: all of
// it, or less with errno set (a caller may resume a partly written record).
std::size_t writeAll(int fd, std::string_view data);
Result<void> makeDirectories(const std::string& path, mode_t mode = 0755);
// A whole regular file, at most maxBytes. Never blocks on a FIFO or device: those are errors.
Result<std::string> readFile(const std::string& path, std::size_t maxBytes = 16 * 1024 * 1024);

} // namespace ck
