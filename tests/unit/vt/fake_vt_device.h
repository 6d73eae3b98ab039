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
// with EINTR exactly like the real ioctls (no SA_RESTART). A switch wakes only the waiters that
// are inside waitEvent()/waitActive() at that moment; one that comes later never hears of it.
// Nothing on the waiting paths allocates.
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
    void failWaitEvent(int err) { waitEventError_.store(err); }
    void failWaitActive(unsigned vt, int err) { waitActiveError_[vt].store(err); }

    int waitEventCallers() const { return insideWaitEvent_.load(); }
    int waitActiveCallers(unsigned vt) const { return insideWaitActive_[vt].load(); }
    std::uint64_t waitActiveCalls() const { return waitActiveCalls_.load(); }
    std::uint64_t waitActiveCalls(unsigned vt) const { return waitActiveCallsPerVt_[vt].load(); }
    std::uint64_t switches() const { return switches_.load(); }
    std::vector<unsigned> activations() const;

private:
    void post(unsigned vt);
    // 0 when woken by a switch, EINTR when a signal handler ran.
    int waitForSwitchAfter(std::uint32_t seen);

    std::atomic<unsigned> active_;
    alignas(4) std::uint32_t seq_ = 0; // switch counter, the futex word (use through atomic_ref)
    std::atomic<unsigned> lastOld_{0};
    std::atomic<unsigned> lastNew_{0};
    std::atomic<int> probeErrno_{EFAULT};
    std::atomic<unsigned> entrySwitch_{0};
    std::atomic<bool> entrySwitchDone_{false};
    std::atomic<int> waitEventError_{0};
    std::atomic<int> insideWaitEvent_{0};
    std::atomic<std::uint64_t> waitActiveCalls_{0};
    std::atomic<std::uint64_t> switches_{0};
    std::array<std::atomic<int>, kMaxVt + 1> insideWaitActive_{};
    std::array<std::atomic<int>, kMaxVt + 1> waitActiveError_{};
    std::array<std::atomic<std::uint64_t>, kMaxVt + 1> waitActiveCallsPerVt_{};
    mutable std::mutex mutex_; // guards activations_ and serializes switches
    std::vector<unsigned> activations_;
};

} // namespace ck::vt::test
