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
// Writes all of `data` to `fd` (retried on EINTR and short writes); false with errno set.
bool writeAll(int fd, std::string_view data);
Result<void> makeDirectories(const std::string& path, mode_t mode = 0755);
Result<std::string> readFile(const std::string& path, std::size_t maxBytes = 16 * 1024 * 1024);

} // namespace ck
