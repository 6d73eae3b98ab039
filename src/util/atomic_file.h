// Atomic file replacement: write a temp file in the same directory, fsync, rename.
// Readers never see a partial or stale file.
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

namespace ck {

// Creates missing parent directories (mode dirMode) first.
Result<void> writeFileAtomically(
    const std::string& path, std::string_view content, mode_t mode = 0644, mode_t dirMode = 0755);
// The same for content made of pieces (written with writev, never joined in memory).
Result<void> writeFileAtomically(
    const std::string& path, std::span<const std::string_view> parts, mode_t mode = 0644, mode_t dirMode = 0755);
// Writes every part to `fd` (writev, retried on EINTR and short writes); false with errno set.
bool writeAll(int fd, std::span<const std::string_view> parts);
Result<void> makeDirectories(const std::string& path, mode_t mode = 0755);
Result<std::string> readFile(const std::string& path, std::size_t maxBytes = 16 * 1024 * 1024);

} // namespace ck
