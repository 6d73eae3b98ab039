// VtWatcher: the VT_WAITEVENT thread, the VT_WAITACTIVE fallback pool, and their clean shutdown.
#include "vt/vt_watcher.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "util/log.h"

namespace ck::vt {

namespace {

constexpr long kJoinRetryNs = 20'000'000; // re-send the wake signal every 20 ms while joining
constexpr long kJoinWarnNs = 1'000'000'000; // then warn once if a thread is still not back

void ignoreWake(int) { }

void installWakeHandler()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa { };
        sa.sa_handler = ignoreWake;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART: the blocked ioctl must return EINTR
        ::sigaction(VtWatcher::wakeSignal(), &sa, nullptr);
    });
}

// Watcher threads take no process-directed signal (SIGTERM, SIGCHLD, ... go to the main loop's
// thread) but keep the fault signals, so a crash still crashes, and the wake signal.
void watcherSignalMask(sigset_t& mask)
{
    sigfillset(&mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS})
        sigdelset(&mask, sig);
    sigdelset(&mask, VtWatcher::wakeSignal());
}

timespec monotonicAfter(long ns)
{
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += ns;
    t.tv_sec += t.tv_nsec / 1'000'000'000;
    t.tv_nsec %= 1'000'000'000;
    return t;
}

std::string errnoText(int err)
{
    return std::strerror(err);
}

} // namespace

int VtWatcher::wakeSignal()
{
    return SIGRTMIN + 5;
}

VtWatcher::VtWatcher(VtDevice& dev, WatchMode mode, UniqueFd eventFd)
    : dev_(dev), mode_(mode), eventFd_(std::move(eventFd))
{
    for (unsigned n = 0; n < waiters_.size(); ++n) {
        waiters_[n].owner = this;
        waiters_[n].vt = n;
    }
}

Result<std::unique_ptr<VtWatcher>> VtWatcher::start(VtDevice& dev, WatchMode mode)
{
    WatchMode resolved = mode;
    if (mode == WatchMode::Auto || mode == WatchMode::WaitEvent) {
        const int probe = dev.probeWaitEvent();
        const bool supported = probe == EFAULT;
        if (mode == WatchMode::WaitEvent && !supported)
            return Error{
                ErrorCode::NotSupported, "The kernel does not support VT_WAITEVENT (probe: " + errnoText(probe) + ")"};
        if (mode == WatchMode::Auto) {
            resolved = supported ? WatchMode::WaitEvent : WatchMode::WaitActive;
            if (!supported && probe != ENOTTY && probe != EINVAL)
                log::warning("VT_WAITEVENT probe answered '" + errnoText(probe) + "'; using the VT_WAITACTIVE pool");
        }
    }

    UniqueFd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!efd)
        return Error{ErrorCode::Failed, "eventfd: " + errnoText(errno)};
    std::unique_ptr<VtWatcher> w(new VtWatcher(dev, resolved, std::move(efd)));

    if (auto active = dev.activeVt())
        w->lastActive_ = *active;

    if (resolved == WatchMode::WaitEvent) {
        installWakeHandler();
        if (int rc = w->spawn(w->waiters_[0], &VtWatcher::waitEventMain); rc != 0)
            return Error{ErrorCode::Failed, "Unable to start the VT watcher thread: " + errnoText(rc)};
    } else if (resolved == WatchMode::WaitActive) {
        installWakeHandler();
        w->rearmPool(w->lastActive_);
        if (w->threadCount() == 0)
            return Error{ErrorCode::Failed, "Unable to start any VT_WAITACTIVE thread"};
    }
    return w;
}

VtWatcher::~VtWatcher()
{
    stopAll();
}

int VtWatcher::spawn(Waiter& w, void* (*entry)(void*))
{
    sigset_t mask;
    watcherSignalMask(mask);
    int rc = EINVAL;
    for (std::size_t stack : {kStackSize, kFallbackStackSize}) {
        pthread_attr_t attr;
        ::pthread_attr_init(&attr);
        ::pthread_attr_setstacksize(&attr, stack);
        ::pthread_attr_setsigmask_np(&attr, &mask); // in force from the thread's first instruction
        w.error.store(0);
        w.armed.store(false);
        w.running.store(true);
        rc = ::pthread_create(&w.thread, &attr, entry, &w);
        ::pthread_attr_destroy(&attr);
        if (rc != EINVAL) // EINVAL: this stack is too small for the C library's static TLS
            break;
    }
    if (rc != 0) {
        w.running.store(false);
        return rc;
    }
    w.joinable = true;
    return 0;
}

void VtWatcher::notify() noexcept
{
    const std::uint64_t one = 1;
    // Only EAGAIN (counter full, i.e. already readable) can fail here.
    if (::write(eventFd_.get(), &one, sizeof one) < 0) { }
}

// --- thread bodies: no allocation, no logging, nothing but ioctls, atomics and the eventfd ----

void* VtWatcher::waitEventMain(void* arg)
{
    auto& w = *static_cast<Waiter*>(arg);
    VtWatcher& self = *w.owner;
    while (!self.stopping_.load()) {
        unsigned oldVt = 0;
        unsigned newVt = 0;
        w.armed.store(true);
        const int err = self.dev_.waitEvent(oldVt, newVt);
        w.armed.store(false);
        if (self.stopping_.load())
            break;
        if (err == EINTR)
            continue;
        if (err != 0) {
            w.error.store(err);
            self.notify();
            break;
        }
        // VT_WAITEVENT is one-shot: a switch between this return and the next call is lost, and
        // newVt may already be stale. The truth is VT_GETSTATE, read by the main loop after the
        // notification and again by its reconcile pass, which catches a switch lost meanwhile.
        self.notify();
    }
    w.running.store(false);
    return nullptr;
}

void* VtWatcher::waitActiveMain(void* arg)
{
    auto& w = *static_cast<Waiter*>(arg);
    VtWatcher& self = *w.owner;
    while (!self.stopping_.load()) {
        w.armed.store(true);
        const int err = self.dev_.waitActive(w.vt);
        w.armed.store(false);
        if (self.stopping_.load())
            break;
        if (err == EINTR)
            continue;
        // One-shot by design: VT_WAITACTIVE(n) would return at once again while n is in front,
        // so the thread ends and the main loop starts a new one once n is in the background.
        if (err != 0)
            w.error.store(err);
        self.notify();
        break;
    }
    w.running.store(false);
    return nullptr;
}

// --- main-loop side ---------------------------------------------------------------------------

void VtWatcher::reap(Waiter& w)
{
    if (!w.joinable || w.running.load())
        return;
    ::pthread_join(w.thread, nullptr); // it has left its loop: returns at once
    w.joinable = false;
    if (const int err = w.error.exchange(0); err != 0) {
        w.failed = true; // restarting would only fail again, in a loop
        if (w.vt == 0)
            log::warning("VT_WAITEVENT failed: " + errnoText(err) + "; VT switches are no longer watched");
        else
            log::warning("VT_WAITACTIVE(" + std::to_string(w.vt) + ") failed: " + errnoText(err) + "; VT "
                + std::to_string(w.vt) + " is no longer watched");
    }
}

void VtWatcher::rearmPool(unsigned active)
{
    // With `active` just read from VT_GETSTATE, a waiter exists for every other VT afterwards.
    // A switch to VT n at any later time is then seen by n's waiter, even before it reaches the
    // ioctl (VT_WAITACTIVE returns at once for the foreground VT), so the pool has no lost-event
    // window. The waiter of the VT now in front has ended (or will return at once and end).
    for (unsigned n = 1; n <= kMaxVt; ++n) {
        Waiter& w = waiters_[n];
        reap(w);
        if (n == active || w.joinable || w.failed)
            continue;
        if (active == 0) // unknown: a waiter for the foreground VT would return, notify, repeat
            continue;
        if (int rc = spawn(w, &VtWatcher::waitActiveMain); rc != 0 && !spawnWarned_) {
            spawnWarned_ = true;
            log::warning("Unable to start a VT_WAITACTIVE thread for VT " + std::to_string(n) + ": " + errnoText(rc)
                + " (will retry on the next VT change)");
        }
    }
}

unsigned VtWatcher::takeActiveVt()
{
    std::uint64_t count = 0;
    if (::read(eventFd_.get(), &count, sizeof count) < 0) {
        // EAGAIN: nothing pending; the caller may be reconciling without an event.
    }
    unsigned active = 0;
    if (auto r = dev_.activeVt())
        active = *r;
    else
        log::debug("VT watcher: " + r.error().message);
    if (active != 0)
        lastActive_ = active;

    if (mode_ == WatchMode::WaitEvent)
        reap(waiters_[0]);
    else if (mode_ == WatchMode::WaitActive)
        rearmPool(active);
    return active;
}

std::size_t VtWatcher::threadCount() const
{
    std::size_t n = 0;
    for (const Waiter& w : waiters_)
        n += w.running.load() ? 1 : 0;
    return n;
}

bool VtWatcher::settled() const
{
    switch (mode_) {
    case WatchMode::WaitEvent: {
        const Waiter& w = waiters_[0];
        return !w.running.load() || w.armed.load();
    }
    case WatchMode::WaitActive:
        for (unsigned n = 1; n <= kMaxVt; ++n) {
            const Waiter& w = waiters_[n];
            if (n != lastActive_ && !w.failed && !w.running.load())
                return false;
        }
        return true;
    case WatchMode::Auto:
    case WatchMode::None:
        break;
    }
    return true;
}

void VtWatcher::stopAll()
{
    stopping_.store(true);
    const int sig = wakeSignal();
    for (Waiter& w : waiters_) {
        if (w.joinable)
            ::pthread_kill(w.thread, sig);
    }
    for (Waiter& w : waiters_) {
        if (!w.joinable)
            continue;
        // If the signal arrived after the thread checked the stop flag but before it entered the
        // ioctl, the ioctl blocks again; so send it again until the join succeeds. A thread that
        // still has not stopped after a second is stuck in the kernel: say so, and keep trying.
        for (long waitedNs = 0;; waitedNs += kJoinRetryNs) {
            const timespec deadline = monotonicAfter(kJoinRetryNs);
            if (::pthread_clockjoin_np(w.thread, nullptr, CLOCK_MONOTONIC, &deadline) == 0)
                break;
            if (waitedNs < kJoinWarnNs && waitedNs + kJoinRetryNs >= kJoinWarnNs)
                log::warning(std::string("VT watcher thread (")
                    + (w.vt == 0 ? std::string("VT_WAITEVENT") : "VT_WAITACTIVE(" + std::to_string(w.vt) + ")")
                    + ") has not stopped after 1 s; still signalling it");
            ::pthread_kill(w.thread, sig);
        }
        w.joinable = false;
        w.running.store(false);
    }
}

} // namespace ck::vt
