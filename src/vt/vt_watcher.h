// VtWatcher: threads that wait for VT switches in the kernel and wake the main loop through an
// eventfd. One VT_WAITEVENT thread, or (old kernels, or forced) a pool of VT_WAITACTIVE threads.
#pragma once

#include <pthread.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>

#include "util/result.h"
#include "util/unique_fd.h"
#include "vt/vt_device.h"
#include "vt/watch_mode.h"

namespace ck::vt {

// Not thread-safe itself: start(), takeActiveVt() and the destructor belong to one thread (the
// main loop). The device must outlive the watcher.
//
// Threads: each is created with an explicit kStackSize stack, never allocates (no glibc malloc
// arena), blocks every signal except the synchronous fault signals and wakeSignal(), and is stopped
// by pthread_kill(wakeSignal()): its handler does nothing and is installed without SA_RESTART, so
// the blocking ioctl returns EINTR and the thread sees the stop flag. The signal is thread-directed,
// so other threads need not block it; the daemon may block it in its main thread to be safe from a
// stray process-directed one (the only effect would be one EINTR).
class VtWatcher {
public:
    static constexpr std::size_t kStackSize = 32 * 1024;
    // Used instead when the C library refuses kStackSize (its static TLS does not fit).
    static constexpr std::size_t kFallbackStackSize = 64 * 1024;

    // Auto probes VT_WAITEVENT: EFAULT → WaitEvent; ENOTTY/EINVAL (or anything else) → WaitActive.
    // A forced WaitEvent on a kernel without it is a NotSupported error.
    static Result<std::unique_ptr<VtWatcher>> start(VtDevice& dev, WatchMode mode);
    ~VtWatcher(); // stops and joins every thread
    VtWatcher(const VtWatcher&) = delete;
    VtWatcher& operator=(const VtWatcher&) = delete;

    int eventFd() const { return eventFd_.get(); } // readable when the active VT may have changed
    // Clears the eventfd and returns VT_GETSTATE's v_active (0 if unknown). In WaitActive mode it
    // also re-arms the pool for the VT it read: every VT but that one gets a waiter.
    unsigned takeActiveVt();
    WatchMode mode() const { return mode_; } // never Auto
    std::size_t threadCount() const; // watcher threads alive now
    // False while a waiter has woken and not yet re-entered its ioctl (or a pool slot waits to be
    // re-armed): a switch now could go unreported, so the caller should look again a little later.
    bool settled() const;

    static int wakeSignal(); // SIGRTMIN + 5, reserved for this module

private:
    struct Waiter {
        VtWatcher* owner = nullptr;
        unsigned vt = 0; // 0 for the VT_WAITEVENT thread
        pthread_t thread{};
        bool joinable = false; // main thread only
        bool failed = false; // main thread only: ended on an error, not restarted
        std::atomic<bool> running{false}; // cleared by the thread as its last act
        std::atomic<bool> armed{false}; // about to enter, or inside, the blocking ioctl
        std::atomic<int> error{0}; // the errno that ended the thread
    };

    VtWatcher(VtDevice& dev, WatchMode mode, UniqueFd eventFd);

    int spawn(Waiter& w, void* (*entry)(void*));
    void reap(Waiter& w);
    void rearmPool(unsigned active);
    void stopAll();
    void notify() noexcept;
    static void* waitEventMain(void* arg);
    static void* waitActiveMain(void* arg);

    VtDevice& dev_;
    WatchMode mode_;
    UniqueFd eventFd_;
    std::atomic<bool> stopping_{false};
    std::array<Waiter, kMaxVt + 1> waiters_{}; // [0]: VT_WAITEVENT thread; [n]: VT_WAITACTIVE(n)
    unsigned lastActive_ = 0;
    bool spawnWarned_ = false;
};

} // namespace ck::vt
