// WatchMode: how the VT watcher learns about switches (the daemon's --vt-watch option).
#pragma once

#include <string_view>

#include "util/result.h"

namespace ck::vt {

enum class WatchMode {
    Auto, // VT_WAITEVENT when the kernel has it, else the VT_WAITACTIVE pool
    WaitEvent, // one thread in VT_WAITEVENT
    WaitActive, // one small-stack thread per inactive VT in VT_WAITACTIVE (pre-2.6.32 kernels)
    None, // no threads, no events; activeVt() and activate() still work
};

// Accepts exactly the names watchModeName() returns: "auto", "waitevent", "waitactive", "none".
Result<WatchMode> parseWatchMode(std::string_view text);
const char* watchModeName(WatchMode mode);

} // namespace ck::vt
