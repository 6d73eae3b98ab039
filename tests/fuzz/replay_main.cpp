// Replays a fuzz target's checked-in corpus (tests/fuzz/<target>/) without libFuzzer, in every
// build: each file is one input; a crash, sanitizer report or broken property fails the test.
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

bool replayFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy of exactly the input's size, so ASan sees a read past its end as libFuzzer would.
    std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(input.data(), input.size());
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    std::size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        std::vector<std::string> files;
        if (DIR* dir = ::opendir(argv[i])) {
            while (const dirent* entry = ::readdir(dir))
                if (entry->d_name[0] != '.')
                    files.push_back(std::string(argv[i]) + "/" + entry->d_name);
            ::closedir(dir);
            std::sort(files.begin(), files.end());
        } else {
            files.push_back(argv[i]);
        }
        for (const auto& file : files) {
            if (!replayFile(file)) {
                std::fprintf(stderr, "cannot read %s\n", file.c_str());
                return 1;
            }
            ++replayed;
        }
    }
    std::printf("replayed %zu inputs\n", replayed);
    // An empty corpus would make this test pass while testing nothing.
    return replayed > 0 ? 0 : 1;
}
