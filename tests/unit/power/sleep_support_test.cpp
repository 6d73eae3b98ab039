// What the machine can do, from fake /sys/power/state and /proc/meminfo files.
#include <gtest/gtest.h>

#include <fstream>

#include "power/sleep_support.h"
#include "power_test_support.h"

namespace ck::power {
namespace {

TEST(APowerStateList, OffersOnlyWholeWords)
{
    EXPECT_TRUE(powerStateOffers("freeze mem disk\n", "mem"));
    EXPECT_TRUE(powerStateOffers("freeze mem disk\n", "disk"));
    EXPECT_FALSE(powerStateOffers("freeze memory\n", "mem"));
    EXPECT_FALSE(powerStateOffers("", "mem"));
    EXPECT_TRUE(powerStateOffers("mem", "mem"));
}

TEST(TheSwapRule, NeedsFreeSwapThatHoldsTheActiveAnonymousMemory)
{
    EXPECT_FALSE(swapCanHoldImage("SwapTotal: 0 kB\nSwapFree: 0 kB\n"));
    EXPECT_FALSE(swapCanHoldImage("MemTotal: 100 kB\n"));
    EXPECT_TRUE(swapCanHoldImage("Active(anon): 100 kB\nSwapFree: 200 kB\n"));
    EXPECT_FALSE(swapCanHoldImage("Active(anon): 300 kB\nSwapFree: 200 kB\n"));
    EXPECT_TRUE(swapCanHoldImage("SwapFree:   4096 kB\n")); // no Active(anon): swap alone decides
    EXPECT_FALSE(swapCanHoldImage("SwapFree: lots\n"));
}

class AMachine : public ::testing::Test {
protected:
    SleepSupport probe(const std::string& state, const std::string& meminfo)
    {
        std::ofstream(dir_.path() + "/state") << state;
        std::ofstream(dir_.path() + "/meminfo") << meminfo;
        return probeSleepSupport({dir_.path() + "/state", dir_.path() + "/meminfo"});
    }
    test::ScratchDir dir_;
};

TEST_F(AMachine, WithMemAndDiskAndSwapCanDoEverything)
{
    auto s = probe("freeze mem disk\n", "Active(anon): 10 kB\nSwapFree: 100 kB\n");
    EXPECT_TRUE(s.suspend);
    EXPECT_TRUE(s.hibernate);
    EXPECT_TRUE(s.hybridSleep);
    EXPECT_TRUE(s.supports(PowerAction::Stop));
}

TEST_F(AMachine, WithoutSwapCanOnlySuspend)
{
    auto s = probe("freeze mem disk\n", "SwapFree: 0 kB\n");
    EXPECT_TRUE(s.supports(PowerAction::Suspend));
    EXPECT_FALSE(s.supports(PowerAction::Hibernate));
    EXPECT_FALSE(s.supports(PowerAction::HybridSleep));
}

TEST_F(AMachine, WithoutMemCannotSuspendOrHybridSleep)
{
    auto s = probe("disk\n", "SwapFree: 100 kB\n");
    EXPECT_FALSE(s.suspend);
    EXPECT_TRUE(s.hibernate);
    EXPECT_FALSE(s.hybridSleep);
}

TEST_F(AMachine, WithoutAPowerStateFileCanOnlyStopAndRestart)
{
    auto s = probeSleepSupport({dir_.path() + "/missing", dir_.path() + "/missing"});
    EXPECT_FALSE(s.suspend);
    EXPECT_FALSE(s.hibernate);
    EXPECT_TRUE(s.supports(PowerAction::Restart));
}

} // namespace
} // namespace ck::power
