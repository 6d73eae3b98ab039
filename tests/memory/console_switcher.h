// ConsoleSwitcher: switches VTs from a test through /dev/tty0 and always switches back to the VT
// that was in front when it was opened (at destruction, and on SIGTERM/SIGINT/SIGHUP/SIGQUIT).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::memtest {

class ConsoleSwitcher {
public:
    // Opens /dev/tty0 (never /dev/ttyN: opening a VT's device allocates that VT). An error means
    // the machine has no VT console or we are not root: the caller skips its VT part.
    static Result<std::unique_ptr<ConsoleSwitcher>> open(const std::string& device = "/dev/tty0");
    ~ConsoleSwitcher(); // back to original()
    ConsoleSwitcher(const ConsoleSwitcher&) = delete;
    ConsoleSwitcher& operator=(const ConsoleSwitcher&) = delete;

    unsigned original() const { return original_; }
    unsigned active() const; // VT_GETSTATE's v_active, 0 on error
    // VT_ACTIVATE, then VT_WAITACTIVE until `vt` is in front. VT_WAITACTIVE has no timeout of its
    // own (a VT in VT_PROCESS mode whose owner never releases it would block us forever), so a
    // thread-directed interval timer interrupts it and we give up after `timeout`.
    Result<void> switchTo(unsigned vt, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    Result<void> restore() { return switchTo(original_); }

private:
    ConsoleSwitcher(UniqueFd fd, unsigned original);

    UniqueFd fd_;
    unsigned original_ = 0;
};

} // namespace ck::memtest
