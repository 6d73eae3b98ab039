// FakeVtDevice: a thread-safe in-memory console with the kernel's one-shot VT_WAITEVENT semantics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "vt/vt_device.h"

namespace ck::vt::test {

// Waiters block in FUTEX_WAIT on a switch counter, so the watcher's wake signal interrupts them
// with EINTR exactly like the real ioctls (no SA_RESTART). Like the kernel, the fake remembers
// nothing for a caller that is not inside a wait yet: a switch wakes only the waiters inside
// waitEvent()/waitActive() at that moment, and a wake signal that arrives before a call enters is
// lost (the call then sleeps until the next switch or signal). The latch controls below put a
// thread into exactly those windows, so the watcher's re-send/join loop and the monitor's
// reconcile pass each have a test that fails without them. Nothing on the waiting paths allocates.
class FakeVtDevice final : public VtDevice {
public:
    explicit FakeVtDevice(unsigned initialVt = 1) : active_(initialVt) { }

    Result<unsigned> activeVt() override;
    Result<void> activate(unsigned vt) override; // records the request and switches at once
    int waitEvent(unsigned& oldVt, unsigned& newVt) override;
    int waitActive(unsigned vt) override;
    int probeWaitEvent() override { return probeErrno_.load(); }

    // --- test controls ---
    void setProbeErrno(int err) { probeErrno_.store(err); }
    // The kernel switches to `vt` (no-op if it is already in front) and posts the event.
    void switchTo(unsigned vt);
    // The next waitEvent() call switches to `vt` on entry, before it is queued: the watcher is
    // not inside VT_WAITEVENT, so nobody is told (the race that made ConsoleKit revert it).
    void switchOnNextWaitEventEntry(unsigned vt) { entrySwitch_.store(vt); }
    bool entrySwitchDone() const { return entrySwitchDone_.load(); }
    // The lost switch after the main loop has looked: the next waitEvent() call is held on entry
    // (not yet queued) until activeVt() has been read (by the main loop, after the wake-up that
    // brought the thread back), then the device switches to `vt` and lets the caller in. The
    // reader saw the old VT and the waiter never hears of the new one; only a later fresh read
    // finds it.
    void loseSwitchAfterNextRead(unsigned vt) { lostSwitch_.store(vt); }
    bool lostSwitchDone() const { return lostSwitchDone_.load(); }
    // The next waitEvent()/waitActive() call stops on entry, before it is queued, until
    // releaseEntry(): the thread is outside the ioctl, where the kernel loses a wake signal.
    void holdNextEntry() { holdNext_.store(true); }
    bool entryHeld() const { return held_.load(); }
    unsigned heldVt() const { return heldVt_.load(); } // 0: the held call is waitEvent()
    bool wakeSignalWhileHeld() const { return wakeWhileHeld_.load(); }
    void releaseEntry();
    void failWaitEvent(int err) { waitEventError_.store(err); }
    void failWaitActive(unsigned vt, int err) { waitActiveError_[vt].store(err); }

    int waitEventCallers() const { return insideWaitEvent_.load(); }
    int waitActiveCallers(unsigned vt) const { return insideWaitActive_[vt].load(); }
    std::uint64_t waitActiveCalls() const { return waitActiveCalls_.load(); }
    std::uint64_t waitActiveCalls(unsigned vt) const { return waitActiveCallsPerVt_[vt].load(); }
    std::uint64_t switches() const { return switches_.load(); }
    std::uint64_t reads() const { return reads_.load(); } // activeVt() calls (VT_GETSTATE)
    std::vector<unsigned> activations() const;

private:
    void post(unsigned vt);
    // 0 when woken by a switch, EINTR when a signal handler ran.
    int waitForSwitchAfter(std::uint32_t seen);
    // Everything a call does before it is queued: the entry latch, then the kernel's amnesia.
    void enter(unsigned vt);

    std::atomic<unsigned> active_;
    alignas(4) std::uint32_t seq_ = 0; // switch counter, the futex word (use through atomic_ref)
    std::atomic<unsigned> lastOld_{0};
    std::atomic<unsigned> lastNew_{0};
    std::atomic<int> probeErrno_{EFAULT};
    std::atomic<unsigned> entrySwitch_{0};
    std::atomic<bool> entrySwitchDone_{false};
    std::atomic<int> waitEventError_{0};
    std::atomic<unsigned> lostSwitch_{0};
    std::atomic<bool> lostSwitchRead_{false}; // activeVt() was read while a lost switch was pending
    std::atomic<bool> lostSwitchDone_{false};
    std::atomic<bool> holdNext_{false};
    std::atomic<bool> held_{false};
    std::atomic<unsigned> heldVt_{0};
    std::atomic<bool> wakeWhileHeld_{false};
    alignas(4) std::uint32_t latch_ = 0; // futex word: 1 while a call is held at the entry latch
    std::atomic<int> insideWaitEvent_{0};
    std::atomic<std::uint64_t> waitActiveCalls_{0};
    std::atomic<std::uint64_t> switches_{0};
    std::atomic<std::uint64_t> reads_{0};
    std::array<std::atomic<int>, kMaxVt + 1> insideWaitActive_{};
    std::array<std::atomic<int>, kMaxVt + 1> waitActiveError_{};
    std::array<std::atomic<std::uint64_t>, kMaxVt + 1> waitActiveCallsPerVt_{};
    mutable std::mutex mutex_; // guards activations_ and serializes switches
    std::vector<unsigned> activations_;
};

} // namespace ck::vt::test
