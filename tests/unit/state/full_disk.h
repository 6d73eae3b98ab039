// FullDisk: makes every write of this process past a few bytes fail, as on a full file system.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <cstddef>

namespace ck::state::test {

// RLIMIT_FSIZE (with SIGXFSZ ignored) turns a write past `bytes` into EFBIG, for root too: a
// full disk without mounting anything. The limit and the signal come back on destruction.
class FullDisk {
public:
    explicit FullDisk(std::size_t bytes = 16)
    {
        ::getrlimit(RLIMIT_FSIZE, &saved_);
        oldHandler_ = ::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit = saved_;
        limit.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FullDisk()
    {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        ::signal(SIGXFSZ, oldHandler_);
    }
    FullDisk(const FullDisk&) = delete;
    FullDisk& operator=(const FullDisk&) = delete;

private:
    struct rlimit saved_ { };
    sighandler_t oldHandler_ = SIG_DFL;
};

} // namespace ck::state::test
