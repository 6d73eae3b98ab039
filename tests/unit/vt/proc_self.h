// Test helpers that read this process's own /proc entries: thread count and VmSize.
#pragma once

#include <dirent.h>

#include <cstddef>
#include <fstream>
#include <string>

namespace ck::vt::test {

inline std::size_t taskCount()
{
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/task")) {
        while (const dirent* e = ::readdir(d)) {
            if (e->d_name[0] != '.')
                ++n;
        }
        ::closedir(d);
    }
    return n;
}

// A field of /proc/self/status in kB ("VmSize", "VmRSS", ...); -1 if absent.
inline long statusKb(const std::string& field)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0)
            return std::stol(line.substr(field.size() + 1));
    }
    return -1;
}

} // namespace ck::vt::test
