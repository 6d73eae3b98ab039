// Fuzz target: /proc/PID/stat through ProcReader (parent, tty_nr -> device path, start time).
#include "fuzz_target.h"
#include "proc_root.h"
#include "procfs/process_info.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const ck::fuzz::ProcRoot root;
    static const bool once = (root.write("1/status", ck::fuzz::kValidStatus), true);
    (void)once;
    root.write("1/stat", ck::fuzz::asText(data, size));
    const ck::procfs::ProcReader reader(root.path());
    auto info = reader.read(1);
    auto start = reader.startTime(1);
    if (info.ok() != start.ok() || (info && info->startTime != *start))
        ck::fuzz::violated("read() and startTime() disagree on one stat file");
    if (info && !info->ttyDevice.empty() && !info->ttyDevice.starts_with("/dev/"))
        ck::fuzz::violated("a tty outside /dev", info->ttyDevice);
    return 0;
}
