// What the machine can do at all, from the kernel's own files: /sys/power/state lists the
// sleep states ("freeze mem disk"), /proc/meminfo tells whether a hibernation image fits in swap.
#pragma once

#include <string>
#include <string_view>

#include "power/power_action.h"

namespace ck::power {

// Where to read; tests point these at fakes.
struct MachineFiles {
    std::string sysPowerState = "/sys/power/state";
    std::string meminfo = "/proc/meminfo";
};

struct SleepSupport {
    bool suspend = false; // "mem" in /sys/power/state
    bool hibernate = false; // "disk" and swap that can hold the image
    bool hybridSleep = false; // both
    bool supports(PowerAction action) const;
};

// Reads both files now (they may change: swap can be switched on and off).
SleepSupport probeSleepSupport(const MachineFiles& files);

// Pure parts, for tests.
// Whether the whitespace-separated word list of /sys/power/state holds `word`.
bool powerStateOffers(std::string_view stateText, std::string_view word);
// A hibernation image is roughly the anonymous memory in use; it must fit into free swap.
// No swap at all (SwapFree 0 or missing) never fits. ConsoleKit2's "used swap < 98 %" rule
// accepted machines whose swap was too small and refused idle ones with full swap.
bool swapCanHoldImage(std::string_view meminfoText);

} // namespace ck::power
