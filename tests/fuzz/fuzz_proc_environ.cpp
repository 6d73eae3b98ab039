// Fuzz target: /proc/PID/environ through ProcReader::environValue(). The input's first line is
// the variable name looked up (DISPLAY when it is empty), the rest the environ file.
#include "fuzz_target.h"
#include "proc_root.h"
#include "procfs/process_info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const ck::fuzz::ProcRoot root;
    const std::string_view input = ck::fuzz::asText(data, size);
    const auto nl = input.find('\n');
    std::string_view name = input.substr(0, nl);
    const std::string_view envText = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    if (name.empty())
        name = "DISPLAY";
    root.write("1/environ", envText);
    auto value = ck::procfs::ProcReader(root.path()).environValue(1, name);
    if (value && value->has_value()) {
        // The value found is one entry's tail: it holds no NUL and was in the file after "name=".
        if ((*value)->find('\0') != std::string::npos)
            ck::fuzz::violated("a value with a NUL");
        if (envText.find(std::string(name) + "=" + **value) == std::string_view::npos)
            ck::fuzz::violated("a value that is not in the file", **value);
    }
    return 0;
}
