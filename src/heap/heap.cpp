// The slab allocator behind the daemon's malloc (see heap.h). It calls only mmap, munmap,
// mremap, futex and write: nothing here may allocate.
#include "heap/heap.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ck::heap {
namespace {

constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kPageBytes = 4096;
constexpr std::size_t kMinAlignment = 16;
static_assert(kSlabBytes == kPageBytes, "a slab is found by rounding a block's address down to its page");

// Size classes, in bytes: 16 to 128 by 16, then four steps per doubling up to 1024. Small steps
// where most blocks are (GLib's lists, closures, strings), at most 25 % waste above.
constexpr std::uint32_t kClassSizes[]
    = {16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024};
constexpr std::size_t kClasses = sizeof kClassSizes / sizeof kClassSizes[0];
static_assert(kClassSizes[kClasses - 1] == kLargestSmallBlock);

// The class of every size up to kLargestSmallBlock, indexed by the size in 16-byte granules
// (rounded up).
struct ClassTable {
    std::uint8_t byGranule[kLargestSmallBlock / kMinAlignment + 1] = {};
    constexpr ClassTable()
    {
        std::size_t c = 0;
        for (std::size_t g = 0; g < sizeof byGranule; ++g) {
            while (kClassSizes[c] < g * kMinAlignment)
                ++c;
            byGranule[g] = static_cast<std::uint8_t>(c);
        }
    }
};
constexpr ClassTable kClassTable;

std::size_t classOf(std::size_t size)
{
    return kClassTable.byGranule[(size + kMinAlignment - 1) / kMinAlignment];
}

constexpr std::uint32_t kSlabMagic = 0x434b534c; // "CKSL"
constexpr std::uint32_t kLargeMagic = 0x434b4c47; // "CKLG"
constexpr std::uint32_t kSpareMagic = 0x434b5350; // "CKSP": an empty slab kept for reuse

struct FreeBlock {
    FreeBlock* next;
};

// At the start of every slab and of every large block's mapping, which the block starts at most
// one page into: the header of the block at address p is at (p - 1) rounded down to the page.
struct Header {
    std::uint32_t magic;
    std::uint32_t sizeClass; // slab
    std::uint32_t blockBytes; // slab
    std::uint32_t used; // slab: blocks handed out
    std::uint32_t capacity; // slab: blocks it holds
    std::uint32_t untouched; // slab: blocks from here on were never handed out
    FreeBlock* freeList; // slab
    Header* prev; // slab: neighbours in its class's list of slabs with room
    Header* next;
    union {
        std::uint64_t serial; // slab: when it came into use (the oldest is used first)
        char* mapBase; // large: the mapping, to unmap
    };
    std::size_t mapBytes; // large
};
static_assert(sizeof(Header) <= kHeaderBytes);

// A lock of one word (the futex-based mutex of Drepper's "Futexes Are Tricky"): 0 free,
// 1 taken, 2 taken with a waiter. Cheaper than pthread_mutex_t on every malloc and free.
class Lock {
public:
    void lock()
    {
        int seen = 0;
        if (state_.compare_exchange_strong(seen, 1, std::memory_order_acquire))
            return;
        if (seen != 2)
            seen = state_.exchange(2, std::memory_order_acquire);
        const int saved = errno;
        while (seen != 0) {
            ::syscall(SYS_futex, word(), FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
            seen = state_.exchange(2, std::memory_order_acquire);
        }
        errno = saved;
    }
    void unlock()
    {
        if (state_.exchange(0, std::memory_order_release) == 2) {
            const int saved = errno;
            ::syscall(SYS_futex, word(), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
            errno = saved;
        }
    }
    // In a child after fork(): the one thread there is the one that took the lock to fork.
    void reset() { state_.store(0, std::memory_order_relaxed); }

private:
    int* word() { return reinterpret_cast<int*>(&state_); }
    std::atomic<int> state_{0};
};
static_assert(sizeof(std::atomic<int>) == sizeof(int) && std::atomic<int>::is_always_lock_free);

struct CachedMapping {
    char* base;
    std::size_t bytes;
};

struct State {
    Lock lock;
    // Per class: the slabs with room, oldest first. Blocks come from the first, so that what
    // lives on gathers in the slabs that were there before a burst and the burst's slabs empty.
    // (Age, not address: the kernel maps top-down or bottom-up depending on the stack limit.)
    Header* withRoom[kClasses] = {};
    std::uint64_t slabsEverUsed = 0;
    Header* spare[kSpareSlabs] = {};
    CachedMapping cached[kCachedMappings] = {};
    std::size_t cachedBytes = 0;
    Stats stats;
};
constinit State g;

class Locked {
public:
    Locked() { g.lock.lock(); }
    ~Locked() { g.lock.unlock(); }
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;
};

[[noreturn]] void corrupt(const char* what)
{
    // No stdio: it allocates.
    constexpr char prefix[] = "console-kit-daemon: heap: ";
    (void)!::write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!::write(STDERR_FILENO, what, std::strlen(what));
    (void)!::write(STDERR_FILENO, "\n", 1);
    std::abort();
}

std::uintptr_t address(const void* p)
{
    return reinterpret_cast<std::uintptr_t>(p);
}

Header* headerAt(const void* block)
{
    return reinterpret_cast<Header*>((address(block) - 1) & ~(kPageBytes - 1));
}

Header* headerOf(const void* block)
{
    Header* h = headerAt(block);
    if (h->magic != kSlabMagic && h->magic != kLargeMagic)
        corrupt(h->magic == kSpareMagic ? "block freed twice" : "not a block of this heap");
    return h;
}

std::size_t roundUp(std::size_t n, std::size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

bool isPowerOfTwo(std::size_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

char* mapPages(std::size_t bytes)
{
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}

// `bytes` of fresh memory at an address m with (m + residue) % alignment == 0 (all multiples
// of the page size): maps alignment bytes more and unmaps what lies before and after m.
char* mapAligned(std::size_t bytes, std::size_t alignment, std::size_t residue)
{
    if (alignment <= kPageBytes)
        return mapPages(bytes);
    if (bytes > SIZE_MAX - alignment)
        return nullptr;
    char* raw = mapPages(bytes + alignment);
    if (raw == nullptr)
        return nullptr;
    const std::size_t head = (alignment - (address(raw) + residue) % alignment) % alignment;
    if (head != 0)
        ::munmap(raw, head);
    if (alignment - head != 0)
        ::munmap(raw + head + bytes, alignment - head);
    return raw + head;
}

// --- slabs (with g.lock held) -----------------------------------------------------------------

void unlink(Header* s)
{
    if (s->prev != nullptr)
        s->prev->next = s->next;
    else
        g.withRoom[s->sizeClass] = s->next;
    if (s->next != nullptr)
        s->next->prev = s->prev;
    s->prev = s->next = nullptr;
}

void insertByAge(Header* s)
{
    Header** link = &g.withRoom[s->sizeClass];
    Header* prev = nullptr;
    while (*link != nullptr && (*link)->serial < s->serial) {
        prev = *link;
        link = &(*link)->next;
    }
    s->prev = prev;
    s->next = *link;
    if (*link != nullptr)
        (*link)->prev = s;
    *link = s;
}

Header* newSlab(std::size_t sizeClass)
{
    Header* s = nullptr;
    if (g.stats.spareSlabs > 0) {
        s = g.spare[--g.stats.spareSlabs];
    } else {
        s = reinterpret_cast<Header*>(mapPages(kSlabBytes));
        if (s == nullptr)
            return nullptr;
        g.stats.mappedBytes += kSlabBytes;
    }
    *s = Header{};
    s->magic = kSlabMagic;
    s->sizeClass = static_cast<std::uint32_t>(sizeClass);
    s->blockBytes = kClassSizes[sizeClass];
    s->capacity = static_cast<std::uint32_t>((kSlabBytes - kHeaderBytes) / s->blockBytes);
    s->serial = ++g.slabsEverUsed;
    ++g.stats.slabs;
    insertByAge(s);
    return s;
}

// An empty slab: kept for reuse while there is room among the spares, unmapped otherwise.
void retire(Header* s)
{
    unlink(s);
    --g.stats.slabs;
    if (g.stats.spareSlabs < kSpareSlabs) {
        s->magic = kSpareMagic;
        g.spare[g.stats.spareSlabs++] = s;
        return;
    }
    s->magic = 0;
    ::munmap(s, kSlabBytes);
    g.stats.mappedBytes -= kSlabBytes;
}

void* allocateSmall(std::size_t sizeClass)
{
    Locked locked;
    Header* s = g.withRoom[sizeClass];
    if (s == nullptr && (s = newSlab(sizeClass)) == nullptr)
        return nullptr;
    void* block;
    if (s->freeList != nullptr) {
        block = s->freeList;
        s->freeList = s->freeList->next;
    } else {
        block = reinterpret_cast<char*>(s) + kHeaderBytes + std::size_t{s->untouched} * s->blockBytes;
        ++s->untouched;
    }
    if (++s->used == s->capacity)
        unlink(s);
    ++g.stats.blocks;
    return block;
}

void releaseSmall(Header* s, void* block)
{
    Locked locked;
    auto* f = static_cast<FreeBlock*>(block);
    f->next = s->freeList;
    s->freeList = f;
    --g.stats.blocks;
    if (s->used-- == s->capacity)
        insertByAge(s);
    if (s->used == 0)
        retire(s);
}

// --- large blocks -----------------------------------------------------------------------------

// Where a large block with this alignment starts in its mapping, and how the mapping is aligned,
// so that its header lands at (block - 1) rounded down to the page.
struct LargePlacement {
    std::size_t offset;
    std::size_t alignment;
    std::size_t residue;
};

LargePlacement largePlacement(std::size_t alignment)
{
    if (alignment <= kPageBytes)
        return {roundUp(kHeaderBytes, alignment), kPageBytes, 0};
    // The block starts one page into the mapping, at a multiple of `alignment`.
    return {kPageBytes, alignment, kPageBytes};
}

// A cached mapping of at least `bytes` and at most twice that, taken out of the cache.
char* takeCached(std::size_t& bytes)
{
    Locked locked;
    std::size_t best = kCachedMappings;
    for (std::size_t i = 0; i < g.stats.cachedMappings; ++i) {
        const std::size_t b = g.cached[i].bytes;
        if (b >= bytes && b / 2 <= bytes && (best == kCachedMappings || b < g.cached[best].bytes))
            best = i;
    }
    if (best == kCachedMappings)
        return nullptr;
    char* base = g.cached[best].base;
    bytes = g.cached[best].bytes;
    g.cachedBytes -= bytes;
    g.cached[best] = g.cached[--g.stats.cachedMappings];
    ++g.stats.largeBlocks;
    ++g.stats.blocks;
    return base;
}

// `fresh` (optional) tells whether the block's memory came zeroed from the kernel.
void* allocateLarge(std::size_t size, std::size_t alignment, bool* fresh = nullptr)
{
    const LargePlacement at = largePlacement(alignment);
    if (size > SIZE_MAX / 2 - at.offset - kPageBytes)
        return nullptr;
    std::size_t bytes = roundUp(at.offset + size, kPageBytes);
    char* base = at.alignment == kPageBytes ? takeCached(bytes) : nullptr;
    if (fresh != nullptr)
        *fresh = base == nullptr;
    if (base == nullptr) {
        base = mapAligned(bytes, at.alignment, at.residue);
        if (base == nullptr)
            return nullptr;
        Locked locked;
        ++g.stats.largeBlocks;
        ++g.stats.blocks;
        g.stats.mappedBytes += bytes;
    }
    char* block = base + at.offset;
    Header* h = headerAt(block);
    *h = Header{};
    h->magic = kLargeMagic;
    h->mapBase = base;
    h->mapBytes = bytes;
    return block;
}

void releaseLarge(Header* h)
{
    char* const base = h->mapBase;
    const std::size_t bytes = h->mapBytes;
    h->magic = 0;
    {
        Locked locked;
        --g.stats.largeBlocks;
        --g.stats.blocks;
        if (bytes <= kCachedMappingMaxBytes && g.stats.cachedMappings < kCachedMappings
            && g.cachedBytes + bytes <= kCachedMappingBytes) {
            g.cached[g.stats.cachedMappings++] = {base, bytes};
            g.cachedBytes += bytes;
            return;
        }
        g.stats.mappedBytes -= bytes;
    }
    ::munmap(base, bytes);
}

// Grows or shrinks a large block's mapping where it lies; false when its neighbour is in the way.
bool resizeLargeInPlace(Header* h, void* block, std::size_t size)
{
    const std::size_t offset = static_cast<std::size_t>(static_cast<char*>(block) - h->mapBase);
    if (size > SIZE_MAX / 2 - offset - kPageBytes)
        return false;
    const std::size_t bytes = roundUp(offset + size, kPageBytes);
    if (bytes == h->mapBytes)
        return true;
    if (bytes < h->mapBytes)
        ::munmap(h->mapBase + bytes, h->mapBytes - bytes);
    else if (::mremap(h->mapBase, h->mapBytes, bytes, 0) == MAP_FAILED)
        return false;
    Locked locked;
    g.stats.mappedBytes = g.stats.mappedBytes - h->mapBytes + bytes;
    h->mapBytes = bytes;
    return true;
}

std::size_t usable(const Header* h, const void* block)
{
    if (h->magic == kSlabMagic)
        return h->blockBytes;
    return static_cast<std::size_t>(h->mapBase + h->mapBytes - static_cast<const char*>(block));
}

void* failed(int error)
{
    errno = error;
    return nullptr;
}

} // namespace

void* allocate(std::size_t size)
{
    void* block = size <= kLargestSmallBlock ? allocateSmall(classOf(size)) : allocateLarge(size, kMinAlignment);
    return block != nullptr ? block : failed(ENOMEM);
}

void* allocateZeroed(std::size_t count, std::size_t size)
{
    std::size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes))
        return failed(ENOMEM);
    if (bytes <= kLargestSmallBlock) {
        void* block = allocateSmall(classOf(bytes));
        if (block == nullptr)
            return failed(ENOMEM);
        std::memset(block, 0, bytes);
        return block;
    }
    // A fresh mapping is zero already: not touching it keeps its pages out of RSS until used.
    bool fresh = false;
    void* block = allocateLarge(bytes, kMinAlignment, &fresh);
    if (block == nullptr)
        return failed(ENOMEM);
    if (!fresh)
        std::memset(block, 0, bytes);
    return block;
}

void* allocateAligned(std::size_t alignment, std::size_t size)
{
    if (!isPowerOfTwo(alignment))
        return failed(EINVAL);
    if (alignment <= kMinAlignment)
        return allocate(size);
    // Blocks of a class whose size is a multiple of the alignment are aligned (the header is
    // 64 bytes and slabs start on a page).
    if (alignment <= kHeaderBytes && size <= kLargestSmallBlock) {
        for (std::size_t c = classOf(size); c < kClasses; ++c) {
            if (kClassSizes[c] % alignment == 0) {
                void* block = allocateSmall(c);
                return block != nullptr ? block : failed(ENOMEM);
            }
        }
    }
    void* block = allocateLarge(size, alignment);
    return block != nullptr ? block : failed(ENOMEM);
}

void* reallocate(void* block, std::size_t size)
{
    if (block == nullptr)
        return allocate(size);
    if (size == 0) {
        release(block);
        return nullptr;
    }
    Header* h = headerOf(block);
    const std::size_t old = usable(h, block);
    if (h->magic == kSlabMagic) {
        if (size <= old && classOf(size) == h->sizeClass)
            return block;
    } else if (size > kLargestSmallBlock && resizeLargeInPlace(h, block, size)) {
        return block;
    }
    void* moved = allocate(size);
    if (moved == nullptr)
        return nullptr; // `block` stays as it was
    std::memcpy(moved, block, old < size ? old : size);
    release(block);
    return moved;
}

void release(void* block)
{
    if (block == nullptr)
        return;
    const int saved = errno;
    Header* h = headerOf(block);
    if (h->magic == kSlabMagic)
        releaseSmall(h, block);
    else
        releaseLarge(h);
    errno = saved;
}

std::size_t usableSize(const void* block)
{
    return block != nullptr ? usable(headerOf(block), block) : 0;
}

bool trim()
{
    Locked locked;
    const bool any = g.stats.spareSlabs > 0 || g.stats.cachedMappings > 0;
    while (g.stats.spareSlabs > 0) {
        Header* s = g.spare[--g.stats.spareSlabs];
        s->magic = 0;
        ::munmap(s, kSlabBytes);
        g.stats.mappedBytes -= kSlabBytes;
    }
    while (g.stats.cachedMappings > 0) {
        const CachedMapping m = g.cached[--g.stats.cachedMappings];
        ::munmap(m.base, m.bytes);
        g.stats.mappedBytes -= m.bytes;
    }
    g.cachedBytes = 0;
    return any;
}

Stats stats()
{
    Locked locked;
    return g.stats;
}

namespace {

// fork() copies the lock as it is: take it across the fork so that the child does not inherit
// it taken by a thread that does not exist there.
[[gnu::constructor]] void registerForkHandlers()
{
    ::pthread_atfork([] { g.lock.lock(); }, [] { g.lock.unlock(); }, [] { g.lock.reset(); });
}

} // namespace

} // namespace ck::heap
