// ConsoleVtOps: the real VtOps on /dev/ttyN — a controlled VT in graphics mode with its keyboard
// off and VT_PROCESS switching, acknowledged by the daemon, and put back afterwards.
//
// VT_PROCESS sends relsig/acqsig to the process that set the mode (the daemon), process-directed:
// the daemon blocks both signals in every thread before it starts any (blockSignals()) and reads
// them from a signalfd on its main loop, so no thread can swallow one. SIGUSR1 is taken (debug
// toggle) and SIGRTMIN+5 by the VT watcher: relsig is SIGRTMIN+1, acqsig SIGRTMIN+2.
#pragma once

#include <map>
#include <string>

#include "device/vt_ops.h"
#include "util/unique_fd.h"

namespace ck::device {

class ConsoleVtOps final : public VtOps {
public:
    // `ttyPrefix` + N is the VT's node ("/dev/tty"); `defaultUtf8` is read from
    // /sys/module/vt/parameters/default_utf8 when a VT's saved keyboard mode is unknown.
    explicit ConsoleVtOps(
        std::string ttyPrefix = "/dev/tty", std::string defaultUtf8 = "/sys/module/vt/parameters/default_utf8");
    ~ConsoleVtOps() override; // restores every VT still prepared

    static int releaseSignal(); // SIGRTMIN + 1
    static int acquireSignal(); // SIGRTMIN + 2
    // Blocks both signals in the calling thread; call before any thread exists.
    static void blockSignals();

    Result<void> prepare(unsigned vt, uid_t owner) override;
    void restore(unsigned vt) override;
    void allowRelease(unsigned vt) override;
    void acknowledgeAcquire(unsigned vt) override;

    // VT_GETSTATE's v_active (0 when it fails).
    unsigned foregroundVt() const;

private:
    struct Prepared {
        UniqueFd fd;
        int keyboardMode = -1; // KDGKBMODE before we touched it
    };
    UniqueFd openVt(unsigned vt) const;
    void reset(int fd, int keyboardMode) const;

    std::string ttyPrefix_;
    std::string defaultUtf8_;
    std::map<unsigned, Prepared> prepared_;
};

} // namespace ck::device
