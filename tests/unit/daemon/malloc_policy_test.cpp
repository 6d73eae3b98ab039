// The GLIBC_TUNABLES value console-kit-daemon restarts itself with (src/daemon/malloc_policy.h).
// The restart itself is checked on the real daemon by the lifecycle suite.
#include <gtest/gtest.h>

#include "daemon/malloc_policy.h"

namespace ck::daemon {
namespace {

TEST(TheTunablesWithoutTcache, AreTheTcacheCountAloneWhenNothingIsInherited)
{
    EXPECT_EQ(tunablesWithoutTcache(nullptr), "glibc.malloc.tcache_count=0");
    EXPECT_EQ(tunablesWithoutTcache(""), "glibc.malloc.tcache_count=0");
}

TEST(TheTunablesWithoutTcache, KeepWhatWasInheritedAndAddTheTcacheCount)
{
    EXPECT_EQ(tunablesWithoutTcache("glibc.malloc.mxfast=0"), "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0");
    EXPECT_EQ(tunablesWithoutTcache("glibc.malloc.check=3:glibc.mem.tagging=1"),
        "glibc.malloc.check=3:glibc.mem.tagging=1:glibc.malloc.tcache_count=0");
}

TEST(TheTunablesWithoutTcache, AreNotNeededWhenTheTcacheCountIsAlreadySet)
{
    // Whoever started the daemon chose a count, whatever it is: no restart.
    EXPECT_EQ(tunablesWithoutTcache("glibc.malloc.tcache_count=7"), std::nullopt);
    EXPECT_EQ(
        tunablesWithoutTcache("glibc.malloc.mxfast=0:glibc.malloc.tcache_count=3:glibc.malloc.check=1"), std::nullopt);
    EXPECT_EQ(tunablesWithoutTcache("glibc.malloc.tcache_count"), std::nullopt);
}

TEST(TheTunablesWithoutTcache, DoNotTakeAnotherTunableForTheTcacheCount)
{
    EXPECT_EQ(tunablesWithoutTcache("glibc.malloc.tcache_counter=1"),
        "glibc.malloc.tcache_counter=1:glibc.malloc.tcache_count=0");
    EXPECT_EQ(
        tunablesWithoutTcache("glibc.malloc.tcache_max=64"), "glibc.malloc.tcache_max=64:glibc.malloc.tcache_count=0");
    EXPECT_EQ(tunablesWithoutTcache("x.glibc.malloc.tcache_count=0"),
        "x.glibc.malloc.tcache_count=0:glibc.malloc.tcache_count=0");
}

} // namespace
} // namespace ck::daemon
