// What every fuzz target defines (libFuzzer's entry point) and the helpers the targets share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace ck::fuzz {

inline std::string_view asText(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// A property the parser promises was broken: report and abort, so libFuzzer (and the replay
// test) records the input as a crash. Not assert(): it must also hold in release builds.
[[noreturn]] inline void violated(const char* what, const std::string& detail = {})
{
    std::fprintf(stderr, "fuzz property violated: %s\n%s\n", what, detail.c_str());
    std::abort();
}

// Splits at every `sep` byte (record-shaped targets take their fields this way).
inline std::vector<std::string> splitFields(std::string_view text, char sep)
{
    std::vector<std::string> out;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t end = text.find(sep, pos);
        out.emplace_back(text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        if (end == std::string_view::npos)
            return out;
        pos = end + 1;
    }
}

} // namespace ck::fuzz
