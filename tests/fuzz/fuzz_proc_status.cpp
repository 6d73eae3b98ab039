// Fuzz target: /proc/PID/status (the real uid) and /proc/PID/sessionid through ProcReader::read().
// The input is the status file; its first line, when it starts with "sessionid=", is the
// sessionid file instead.
#include "fuzz_target.h"
#include "proc_root.h"
#include "procfs/process_info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const ck::fuzz::ProcRoot root;
    static const bool once = (root.write("1/stat", ck::fuzz::kValidStat), true);
    (void)once;
    std::string_view status = ck::fuzz::asText(data, size);
    std::string_view sessionId = "4294967295\n";
    constexpr std::string_view kPrefix = "sessionid=";
    if (status.starts_with(kPrefix)) {
        const auto nl = status.find('\n');
        sessionId = status.substr(kPrefix.size(), nl == std::string_view::npos ? nl : nl - kPrefix.size());
        status = nl == std::string_view::npos ? std::string_view{} : status.substr(nl + 1);
    }
    root.write("1/status", status);
    root.write("1/sessionid", sessionId);
    auto info = ck::procfs::ProcReader(root.path()).read(1);
    if (info && info->loginSessionId.find_first_not_of("0123456789") != std::string::npos)
        ck::fuzz::violated("a login session id that is not a number", info->loginSessionId);
    return 0;
}
