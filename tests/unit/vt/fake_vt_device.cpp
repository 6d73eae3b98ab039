// FakeVtDevice: futex-based waits that a signal interrupts, like the kernel's VT ioctls.
#include "fake_vt_device.h"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <string>

#include "vt/vt_watcher.h"

namespace ck::vt::test {

namespace {

std::atomic_ref<std::uint32_t> word(std::uint32_t& w)
{
    return std::atomic_ref<std::uint32_t>(w);
}

// The kernel notices a pending signal anywhere inside its wait loop. The fake's loop partly runs
// in user space, where a handler would run without making any syscall fail, so the fake installs
// its own handler for the watcher's wake signal (still without SA_RESTART) that leaves a mark the
// loop checks. Replacing the watcher's no-op handler changes nothing else.
thread_local volatile sig_atomic_t tInterrupted = 0;

void onWakeSignal(int)
{
    tInterrupted = 1;
}

void ensureWakeHandler()
{
    const int sig = VtWatcher::wakeSignal();
    struct sigaction current { };
    ::sigaction(sig, nullptr, &current);
    if (current.sa_handler == &onWakeSignal)
        return;
    struct sigaction sa { };
    sa.sa_handler = &onWakeSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    ::sigaction(sig, &sa, nullptr);
}

bool takeInterrupt()
{
    if (!tInterrupted)
        return false;
    tInterrupted = 0;
    return true;
}

// Bounds every wait that only a test control ends, so a broken test fails instead of hanging.
constexpr auto kLatchLimit = std::chrono::seconds(5);

void sleepBriefly()
{
    const timespec t{0, 1'000'000};
    ::nanosleep(&t, nullptr);
}

} // namespace

Result<unsigned> FakeVtDevice::activeVt()
{
    reads_.fetch_add(1);
    const unsigned vt = active_.load();
    if (lostSwitch_.load() != 0)
        lostSwitchRead_.store(true); // the held waitEvent() may now make its switch
    return vt;
}

void FakeVtDevice::releaseEntry()
{
    word(latch_).store(0);
    ::syscall(SYS_futex, &latch_, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

void FakeVtDevice::enter(unsigned vt)
{
    if (holdNext_.exchange(false)) {
        heldVt_.store(vt);
        word(latch_).store(1);
        held_.store(true);
        const auto deadline = std::chrono::steady_clock::now() + kLatchLimit;
        const timespec slice{0, 10'000'000};
        while (word(latch_).load() == 1 && std::chrono::steady_clock::now() < deadline) {
            ::syscall(SYS_futex, &latch_, FUTEX_WAIT_PRIVATE, 1, &slice, nullptr, 0);
            if (takeInterrupt())
                wakeWhileHeld_.store(true);
        }
        held_.store(false);
    }
    // Not queued yet: the kernel keeps no trace of a signal whose handler ran before the call.
    tInterrupted = 0;
}

Result<void> FakeVtDevice::activate(unsigned vt)
{
    if (vt < 1 || vt > kMaxVt)
        return Error{ErrorCode::InvalidInput, "VT " + std::to_string(vt) + " out of range"};
    {
        std::lock_guard lock(mutex_);
        activations_.push_back(vt);
    }
    switchTo(vt);
    return {};
}

std::vector<unsigned> FakeVtDevice::activations() const
{
    std::lock_guard lock(mutex_);
    return activations_;
}

void FakeVtDevice::switchTo(unsigned vt)
{
    std::lock_guard lock(mutex_);
    post(vt);
}

void FakeVtDevice::post(unsigned vt)
{
    const unsigned old = active_.load();
    if (old == vt)
        return; // like the kernel: activating the foreground VT is no switch
    // As in the kernel: fg_console changes first, then the event is posted to current waiters.
    active_.store(vt);
    lostSwitchRead_.store(false); // a pending lost switch waits for a read of this VT
    lastOld_.store(old);
    lastNew_.store(vt);
    switches_.fetch_add(1);
    word(seq_).fetch_add(1);
    ::syscall(SYS_futex, &seq_, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

int FakeVtDevice::waitForSwitchAfter(std::uint32_t seen)
{
    while (word(seq_).load() == seen) {
        if (takeInterrupt())
            return EINTR;
        // FUTEX_WAIT returns EINTR when a handler without SA_RESTART ran, EAGAIN if seq_ moved.
        if (::syscall(SYS_futex, &seq_, FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0) < 0 && errno == EINTR) {
            takeInterrupt();
            return EINTR;
        }
    }
    return 0;
}

int FakeVtDevice::waitEvent(unsigned& oldVt, unsigned& newVt)
{
    ensureWakeHandler();
    if (const unsigned vt = entrySwitch_.exchange(0); vt != 0) {
        std::lock_guard lock(mutex_);
        post(vt); // not yet queued: this switch is lost for us
        entrySwitchDone_.store(true);
    }
    if (lostSwitch_.load() != 0) {
        const auto deadline = std::chrono::steady_clock::now() + kLatchLimit;
        while (!lostSwitchRead_.load() && std::chrono::steady_clock::now() < deadline)
            sleepBriefly();
        std::lock_guard lock(mutex_);
        post(lostSwitch_.exchange(0)); // after the reader looked, before we are queued: lost
        lostSwitchDone_.store(true);
    }
    enter(0);
    if (const int err = waitEventError_.load(); err != 0)
        return err;
    const std::uint32_t seen = word(seq_).load(); // queued from here on
    insideWaitEvent_.fetch_add(1);
    const int rc = waitForSwitchAfter(seen);
    insideWaitEvent_.fetch_sub(1);
    if (rc != 0)
        return rc;
    oldVt = lastOld_.load();
    newVt = lastNew_.load();
    return 0;
}

int FakeVtDevice::waitActive(unsigned vt)
{
    ensureWakeHandler();
    enter(vt);
    waitActiveCalls_.fetch_add(1);
    waitActiveCallsPerVt_[vt].fetch_add(1);
    if (const int err = waitActiveError_[vt].load(); err != 0)
        return err;
    insideWaitActive_[vt].fetch_add(1);
    int rc = 0;
    for (;;) {
        // Queue first (read the counter), then test: a switch in between moves the counter and
        // the futex wait returns at once, as the kernel's vt_waitactive() does.
        const std::uint32_t seen = word(seq_).load();
        if (active_.load() == vt)
            break;
        if (takeInterrupt()) {
            rc = EINTR;
            break;
        }
        if (waitForSwitchAfter(seen) == EINTR) {
            rc = EINTR;
            break;
        }
    }
    insideWaitActive_[vt].fetch_sub(1);
    return rc;
}

} // namespace ck::vt::test
