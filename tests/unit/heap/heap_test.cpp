// The daemon's allocator (src/heap/heap.h): what malloc and friends promise, and the property it
// exists for — memory freed after a burst leaves the address space, whatever survived the burst.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "heap/heap.h"

namespace ck::heap {
namespace {

std::uintptr_t address(const void* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

std::uintptr_t pageOf(const void* p)
{
    return address(p) & ~std::uintptr_t{kSlabBytes - 1};
}

// Each test starts from a trimmed heap and checks that it frees what it allocates.
class TheHeap : public ::testing::Test {
protected:
    void SetUp() override
    {
        trim();
        before_ = stats();
    }
    void TearDown() override
    {
        trim();
        const Stats after = stats();
        EXPECT_EQ(after.blocks, before_.blocks) << "blocks left allocated";
        EXPECT_EQ(after.mappedBytes, before_.mappedBytes) << "mapped bytes left after trim()";
    }
    Stats before_;
};

TEST_F(TheHeap, GivesEverySizeAnAlignedBlockOfItsOwn)
{
    std::vector<std::pair<unsigned char*, std::size_t>> blocks;
    for (std::size_t size = 0; size <= 5000; size += (size < 300 ? 1 : 37)) {
        auto* p = static_cast<unsigned char*>(allocate(size));
        ASSERT_NE(p, nullptr) << size;
        EXPECT_EQ(address(p) % 16, 0u) << size;
        EXPECT_GE(usableSize(p), size);
        std::memset(p, static_cast<int>(size & 0xff), size);
        blocks.emplace_back(p, size);
    }
    // No block was handed out twice: every one still holds its own pattern.
    for (auto [p, size] : blocks) {
        for (std::size_t i = 0; i < size; ++i)
            ASSERT_EQ(p[i], static_cast<unsigned char>(size & 0xff)) << "block of " << size << " overwritten";
        release(p);
    }
}

TEST_F(TheHeap, UnmapsASlabOnceItsLastBlockIsFreedAndTrimmed)
{
    const std::size_t perSlab = (kSlabBytes - 64) / 64;
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < perSlab * 10; ++i)
        blocks.push_back(allocate(64));
    EXPECT_EQ(stats().slabs, before_.slabs + 10);
    EXPECT_EQ(stats().mappedBytes, before_.mappedBytes + 10 * kSlabBytes);
    for (void* p : blocks)
        release(p);
    // Up to kSpareSlabs empty slabs stay mapped for reuse, the others are gone already.
    EXPECT_EQ(stats().slabs, before_.slabs);
    EXPECT_LE(stats().mappedBytes, before_.mappedBytes + kSpareSlabs * kSlabBytes);
    EXPECT_TRUE(trim());
    EXPECT_EQ(stats().mappedBytes, before_.mappedBytes);
    EXPECT_FALSE(trim()) << "nothing left to trim";
}

TEST_F(TheHeap, KeepsOnlyTheSlabsThatSurvivorsOfABurstLieIn)
{
    // 20 000 blocks of mixed small sizes, as a burst of sessions leaves them; 10 survive.
    std::mt19937 random(7);
    std::vector<void*> blocks;
    for (int i = 0; i < 20000; ++i)
        blocks.push_back(allocate(16 + random() % (kLargestSmallBlock - 15)));
    const std::size_t burstBytes = stats().mappedBytes - before_.mappedBytes;
    EXPECT_GT(burstBytes, 4u * 1024 * 1024);
    std::vector<void*> survivors;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i % 2000 == 999)
            survivors.push_back(blocks[i]);
        else
            release(blocks[i]);
    }
    trim();
    EXPECT_LE(stats().mappedBytes, before_.mappedBytes + survivors.size() * kSlabBytes)
        << "what the burst mapped: " << burstBytes << " bytes";
    for (void* p : survivors)
        release(p);
}

TEST_F(TheHeap, TakesNewBlocksFromTheOldestSlabWithRoom)
{
    const std::size_t perSlab = (kSlabBytes - 64) / 32;
    std::vector<void*> older, newer;
    for (std::size_t i = 0; i < perSlab; ++i)
        older.push_back(allocate(32));
    for (std::size_t i = 0; i < perSlab; ++i)
        newer.push_back(allocate(32));
    ASSERT_NE(pageOf(older.back()), pageOf(newer.back()));
    // One hole in each: the next block goes to the older slab, wherever the kernel put it.
    release(newer[3]);
    release(older[5]);
    void* next = allocate(32);
    EXPECT_EQ(next, older[5]);
    older[5] = next;
    newer[3] = allocate(32);
    for (void* p : older)
        release(p);
    for (void* p : newer)
        release(p);
}

TEST_F(TheHeap, MapsALargeBlockOnItsOwnAndReusesItsMappingUntilTrimmed)
{
    auto* p = static_cast<char*>(allocate(100 * 1024));
    ASSERT_NE(p, nullptr);
    EXPECT_GE(usableSize(p), 100u * 1024);
    std::memset(p, 0x5a, 100 * 1024);
    EXPECT_EQ(stats().largeBlocks, before_.largeBlocks + 1);
    release(p);
    // Larger than a cached mapping may be: unmapped at once.
    EXPECT_EQ(stats().mappedBytes, before_.mappedBytes);

    void* q = allocate(8000);
    release(q);
    EXPECT_EQ(stats().cachedMappings, before_.cachedMappings + 1);
    void* again = allocate(7000);
    EXPECT_EQ(again, q) << "the cached mapping is reused";
    std::memset(again, 0xff, 7000);
    release(again);
    auto* zeroed = static_cast<unsigned char*>(allocateZeroed(1, 7000));
    EXPECT_EQ(zeroed, q);
    for (int i = 0; i < 7000; ++i)
        ASSERT_EQ(zeroed[i], 0) << "calloc() of a reused mapping, byte " << i;
    release(zeroed);
}

TEST_F(TheHeap, AllocatesZeroedMemoryAndRefusesAnOverflowingCount)
{
    // Dirty a block first so that a reused one would show.
    auto* dirty = static_cast<unsigned char*>(allocate(200));
    std::memset(dirty, 0xff, 200);
    release(dirty);
    auto* p = static_cast<unsigned char*>(allocateZeroed(25, 8));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 200; ++i)
        ASSERT_EQ(p[i], 0);
    release(p);

    errno = 0;
    EXPECT_EQ(allocateZeroed(SIZE_MAX / 2, 3), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    errno = 0;
    EXPECT_EQ(allocate(SIZE_MAX - 100), nullptr);
    EXPECT_EQ(errno, ENOMEM);
}

TEST_F(TheHeap, AlignsBlocksAsAskedAndRefusesAnAlignmentThatIsNotAPowerOfTwo)
{
    for (std::size_t alignment : {1, 8, 16, 32, 64, 128, 4096, 65536}) {
        for (std::size_t size : {1, 100, 1000, 20000}) {
            void* p = allocateAligned(alignment, size);
            ASSERT_NE(p, nullptr) << alignment << "/" << size;
            EXPECT_EQ(address(p) % alignment, 0u) << alignment << "/" << size;
            EXPECT_GE(usableSize(p), size);
            std::memset(p, 1, size);
            release(p);
        }
    }
    errno = 0;
    EXPECT_EQ(allocateAligned(24, 10), nullptr);
    EXPECT_EQ(errno, EINVAL);
}

TEST_F(TheHeap, ReallocatesKeepingTheContentsAcrossSmallAndLargeBlocks)
{
    auto* p = static_cast<unsigned char*>(reallocate(nullptr, 10));
    ASSERT_NE(p, nullptr);
    for (int i = 0; i < 10; ++i)
        p[i] = static_cast<unsigned char>(i);
    std::size_t size = 10;
    // Through every small class, into large mappings, and back down.
    for (std::size_t next : {16, 17, 100, 1024, 1025, 4000, 9000, 70000, 300000, 5000, 500, 12}) {
        p = static_cast<unsigned char*>(reallocate(p, next));
        ASSERT_NE(p, nullptr) << next;
        EXPECT_GE(usableSize(p), next);
        const std::size_t kept = size < next ? size : next;
        for (std::size_t i = 0; i < kept; ++i)
            ASSERT_EQ(p[i], static_cast<unsigned char>(i)) << "byte " << i << " after realloc to " << next;
        for (std::size_t i = kept; i < next; ++i)
            p[i] = static_cast<unsigned char>(i);
        size = next;
    }
    // realloc(p, 0) frees, as glibc's does.
    EXPECT_EQ(reallocate(p, 0), nullptr);
}

TEST_F(TheHeap, FreesNullAndKeepsErrno)
{
    void* p = allocate(40);
    errno = EBADF;
    release(p);
    release(nullptr);
    EXPECT_EQ(errno, EBADF);
    EXPECT_EQ(usableSize(nullptr), 0u);
}

TEST_F(TheHeap, SurvivesThreadsThatFreeWhatOthersAllocated)
{
    // Each thread hands its blocks to the next one, which frees them: the D-Bus worker allocates
    // messages that the main thread frees.
    constexpr int kThreads = 4;
    constexpr int kRounds = 20000;
    std::vector<std::atomic<void*>> mailbox(kThreads);
    for (auto& m : mailbox)
        m.store(nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t, &mailbox] {
            std::mt19937 random(static_cast<unsigned>(t));
            for (int i = 0; i < kRounds; ++i) {
                const std::size_t size = random() % 3 == 0 ? 2000 + random() % 9000 : 1 + random() % 600;
                auto* p = static_cast<unsigned char*>(allocate(size));
                ASSERT_NE(p, nullptr);
                p[0] = p[size - 1] = static_cast<unsigned char>(t);
                release(mailbox[static_cast<std::size_t>((t + 1) % kThreads)].exchange(p));
            }
        });
    }
    for (auto& th : threads)
        th.join();
    for (auto& m : mailbox)
        release(m.exchange(nullptr));
}

std::atomic<bool> stopAllocating{false};

void* allocateUntilStopped(void*)
{
    while (!stopAllocating.load())
        release(allocate(64));
    return nullptr;
}

TEST_F(TheHeap, CanBeUsedInAChildForkedWhileOtherThreadsAllocate)
{
    // A plain pthread: a std::thread's state, allocated by the parent, would count as lost in
    // the children when the suite runs under valgrind.
    pthread_t busy;
    ASSERT_EQ(::pthread_create(&busy, nullptr, allocateUntilStopped, nullptr), 0);
    for (int i = 0; i < 50; ++i) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            void* p = allocate(64);
            release(p);
            ::_exit(p != nullptr ? 0 : 1);
        }
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << i << " status " << status;
    }
    stopAllocating.store(true);
    ::pthread_join(busy, nullptr);
}

TEST(TheHeapDeathTest, AbortsOnADoubleFree)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // The only block of its slab (a fresh process, as the death test runs in one): freed, the
    // slab becomes a spare, and the second free finds it. A double free of a block whose slab
    // still holds others goes unnoticed, as in most allocators.
    EXPECT_DEATH(
        {
            void* p = allocate(1000);
            release(p);
            release(p);
        },
        "block freed twice");
}

} // namespace
} // namespace ck::heap
