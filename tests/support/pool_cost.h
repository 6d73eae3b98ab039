// VmSize cost of the VT watcher threads, measured in a fresh copy of the test binary: glibc caches
// the stacks of joined threads, so a process that already ran other tests would hide the cost.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace ck::test {

struct PoolCost {
    long noneKb = -1; // VmSize without watcher threads
    long eventKb = -1; // with the VT_WAITEVENT thread
    long poolKb = -1; // with the VT_WAITACTIVE pool
    std::size_t threads = 0;
};

// True in the fresh copy: the test measures and calls reportPoolCost() instead of asserting.
inline bool measuringPoolCost()
{
    return std::getenv("CK_VT_MEASURE_CHILD") != nullptr;
}

inline void reportPoolCost(const PoolCost& c)
{
    std::printf(
        "MEASURE none=%ld waitevent=%ld waitactive=%ld threads=%zu\n", c.noneKb, c.eventKb, c.poolKb, c.threads);
}

// Runs `testName` (Suite.Test) of this binary again in a fresh process and reads what it reported.
inline std::optional<PoolCost> measurePoolCostInFreshProcess(const std::string& testName)
{
    char self[4096] = {};
    if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0)
        return std::nullopt;
    const std::string cmd = std::string("CK_VT_MEASURE_CHILD=1 '") + self + "' --gtest_filter=" + testName + " 2>&1";
    FILE* child = ::popen(cmd.c_str(), "r");
    if (child == nullptr)
        return std::nullopt;
    PoolCost c;
    bool found = false;
    char line[512];
    while (std::fgets(line, sizeof line, child)) {
        if (!found
            && std::sscanf(line, "MEASURE none=%ld waitevent=%ld waitactive=%ld threads=%zu", &c.noneKb, &c.eventKb,
                   &c.poolKb, &c.threads)
                == 4)
            found = true;
    }
    const int status = ::pclose(child);
    if (!found || status != 0 || c.noneKb <= 0)
        return std::nullopt;
    return c;
}

} // namespace ck::test
