// malloc, free and the rest of glibc's allocation functions, defined in the daemon's executable
// so that they replace glibc's for the whole process (GLib, libstdc++, glibc itself: the glibc
// manual's "Replacing malloc"). src/meson.build exports each name dynamically; valgrind finds
// them with --soname-synonyms=somalloc=NONE.
//
// (*) valgrind 3.19 replaces malloc, free, calloc, realloc, memalign, aligned_alloc,
// posix_memalign, valloc and malloc_usable_size, not reallocarray or pvalloc (systemd's NSS
// module calls reallocarray): those two call the replaced names, which valgrind redirects at
// their entry (hence noipa: not inlined into their callers here), so that under valgrind their
// blocks come from valgrind's heap like every other.
#include <malloc.h>

#include <cerrno>
#include <cstdlib>

#include "heap/heap.h"

extern "C" {

void* malloc(std::size_t size) noexcept
{
    return ck::heap::allocate(size);
}

void free(void* block) noexcept
{
    ck::heap::release(block);
}

void* calloc(std::size_t count, std::size_t size) noexcept
{
    return ck::heap::allocateZeroed(count, size);
}

[[gnu::noipa]] void* realloc(void* block, std::size_t size) noexcept
{
    return ck::heap::reallocate(block, size);
}

void* reallocarray(void* block, std::size_t count, std::size_t size) noexcept
{
    std::size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(block, bytes); // (*)
}

[[gnu::noipa]] void* memalign(std::size_t alignment, std::size_t size) noexcept
{
    return ck::heap::allocateAligned(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept
{
    return ck::heap::allocateAligned(alignment, size);
}

int posix_memalign(void** result, std::size_t alignment, std::size_t size) noexcept
{
    if (alignment % sizeof(void*) != 0)
        return EINVAL;
    const int saved = errno;
    void* block = ck::heap::allocateAligned(alignment, size);
    const int error = errno;
    errno = saved;
    if (block == nullptr)
        return error;
    *result = block;
    return 0;
}

void* valloc(std::size_t size) noexcept
{
    return ck::heap::allocateAligned(4096, size);
}

void* pvalloc(std::size_t size) noexcept
{
    return memalign(4096, (size + 4095) & ~std::size_t{4095}); // (*)
}

std::size_t malloc_usable_size(void* block) noexcept
{
    return ck::heap::usableSize(block);
}

int malloc_trim(std::size_t) noexcept
{
    return ck::heap::trim() ? 1 : 0;
}

} // extern "C"
