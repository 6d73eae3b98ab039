// Fixture locations and a scratch proc tree for the procfs and ck-memstat tests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ck::procfs::test {

// tests/data, from CK_TEST_DATA (set by meson) or the path compiled in.
inline std::string dataDir()
{
    if (const char* env = ::getenv("CK_TEST_DATA"); env && *env)
        return env;
    return CK_TEST_DATA_DEFAULT;
}

inline std::string basicRoot()
{
    return dataDir() + "/procfs/basic";
}

inline std::string malformedRoot()
{
    return dataDir() + "/procfs/malformed";
}

// A temporary proc tree, removed with its contents on destruction.
class ScratchTree {
public:
    ScratchTree()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ck-procfs-XXXXXX").string();
        if (::mkdtemp(tmpl.data()))
            path_ = tmpl;
    }
    ~ScratchTree()
    {
        std::error_code ec;
        if (!path_.empty())
            std::filesystem::remove_all(path_, ec);
    }
    ScratchTree(const ScratchTree&) = delete;
    ScratchTree& operator=(const ScratchTree&) = delete;

    const std::string& path() const { return path_; }

    void write(const std::string& relative, std::string_view content) const
    {
        const auto file = std::filesystem::path(path_) / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    }

private:
    std::string path_;
};

} // namespace ck::procfs::test
