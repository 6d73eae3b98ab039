// The daemon's memory allocator: size classes in small mapped slabs, handed back to the kernel as
// soon as they are empty, so that the address space (VmSize) returns with the memory (VmRSS).
//
// Why the daemon does not use glibc's malloc: glibc's main heap is one contiguous brk region,
// and it can give back only what lies above its highest live block. After a burst of 1000
// sessions, a dozen small blocks that GLib's D-Bus worker re-creates for every message it reads
// (its GTask, socket and cancellable sources) sit at the burst's high-water mark, and VmSize
// stays 2 MiB above idle although the live heap is back to 0.2 MiB (tests/data/memory). Here
// every slab is one page of its own: a block that survives a burst keeps one page mapped, not
// the span below it, and new blocks go to the oldest slab with room, so survivors gather in the
// slabs that were there before the burst.
//
// Layout:
// - A slab is one page (kSlabBytes) and holds blocks of one size class (16 B to 1 KiB) after a
//   64-byte header; a block's slab is its address rounded down to the page.
// - A larger block (or one with a larger alignment) gets a mapping of its own, with the same
//   header at the start of the page the block starts in (or of the page before it).
// - A few empty slabs and freed large mappings are kept for reuse, so that a block that comes
//   and goes does not cost an mmap and an munmap each time; trim() unmaps them.
// - One lock for everything: the daemon has four threads, and only the main thread and GLib's
//   D-Bus worker allocate much.
//
// These functions are what malloc, free, realloc, … of the daemon call (malloc_interpose.cpp);
// they take no allocation themselves, and they set errno like their glibc counterparts.
#pragma once

#include <cstddef>

namespace ck::heap {

inline constexpr std::size_t kSlabBytes = 4096;
// The largest block served from a slab; anything larger is mapped on its own.
inline constexpr std::size_t kLargestSmallBlock = 1024;
// What is kept for reuse until trim(): empty slabs, and freed large mappings of up to
// kCachedMappingMaxBytes each, kCachedMappingBytes in all.
inline constexpr std::size_t kSpareSlabs = 8;
inline constexpr std::size_t kCachedMappings = 8;
inline constexpr std::size_t kCachedMappingMaxBytes = 64 * 1024;
inline constexpr std::size_t kCachedMappingBytes = 128 * 1024;

// malloc(): at least `size` bytes aligned to 16, or null with errno = ENOMEM.
void* allocate(std::size_t size);
// calloc(): zeroed; null with errno = ENOMEM when count * size overflows or memory runs out.
void* allocateZeroed(std::size_t count, std::size_t size);
// memalign(): `alignment` must be a power of two (null with errno = EINVAL otherwise).
void* allocateAligned(std::size_t alignment, std::size_t size);
// realloc(): null `block` allocates; size 0 frees and returns null (as glibc does).
void* reallocate(void* block, std::size_t size);
// free(): null is ignored; errno is preserved.
void release(void* block);
// malloc_usable_size(): how many bytes `block` may use; 0 for null.
std::size_t usableSize(const void* block);
// malloc_trim(): unmaps the spare slabs and the cached large mappings. Returns whether it
// unmapped anything.
bool trim();

struct Stats {
    std::size_t slabs = 0; // mapped slabs holding at least one block
    std::size_t spareSlabs = 0; // mapped empty slabs kept for reuse
    std::size_t largeBlocks = 0; // blocks with a mapping of their own
    std::size_t cachedMappings = 0; // freed large mappings kept for reuse
    std::size_t mappedBytes = 0; // everything the allocator has mapped
    std::size_t blocks = 0; // live blocks, small and large
};
Stats stats();

} // namespace ck::heap
