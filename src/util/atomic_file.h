// Atomic file replacement: write a temp file in the same directory, fsync, rename.
// Readers never see a partial or stale file.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

#include "util/result.h"

namespace ck {

// Creates missing parent directories (mode dirMode) first.
Result<void> writeFileAtomically(
    const std::string& path, std::string_view content, mode_t mode = 0644, mode_t dirMode = 0755);
Result<void> makeDirectories(const std::string& path, mode_t mode = 0755);
Result<std::string> readFile(const std::string& path, std::size_t maxBytes = 16 * 1024 * 1024);

} // namespace ck
