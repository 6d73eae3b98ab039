// ConsoleVtOps: KDSKBMODE/KDSETMODE/VT_SETMODE/VT_RELDISP on a controlled session's VT.
#include "device/console_vt_ops.h"

#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/log.h"

namespace ck::device {

ConsoleVtOps::ConsoleVtOps(std::string ttyPrefix, std::string defaultUtf8)
    : ttyPrefix_(std::move(ttyPrefix)), defaultUtf8_(std::move(defaultUtf8))
{ }

ConsoleVtOps::~ConsoleVtOps()
{
    while (!prepared_.empty())
        restore(prepared_.begin()->first);
}

int ConsoleVtOps::releaseSignal()
{
    return SIGRTMIN + 1;
}

int ConsoleVtOps::acquireSignal()
{
    return SIGRTMIN + 2;
}

void ConsoleVtOps::blockSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, releaseSignal());
    sigaddset(&set, acquireSignal());
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

UniqueFd ConsoleVtOps::openVt(unsigned vt) const
{
    // Only VTs of sessions (which exist) and tty0: opening /dev/ttyN allocates the VT.
    const std::string path = ttyPrefix_ + std::to_string(vt);
    return UniqueFd(::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
}

Result<void> ConsoleVtOps::prepare(unsigned vt, uid_t owner)
{
    UniqueFd fd = openVt(vt);
    if (!fd)
        return Error{ErrorCode::Failed, "cannot open " + ttyPrefix_ + std::to_string(vt) + ": " + std::strerror(errno)};
    Prepared p;
    int mode = 0;
    if (::ioctl(fd.get(), KDGKBMODE, &mode) == 0) // writes an int
        p.keyboardMode = mode;
    auto fail = [&](const char* what) -> Result<void> {
        const int err = errno;
        reset(fd.get(), p.keyboardMode);
        return Error{ErrorCode::Failed, std::string(what) + ": " + std::strerror(err)};
    };
    if (::fchown(fd.get(), owner, static_cast<gid_t>(-1)) < 0)
        return fail("fchown");
    if (::ioctl(fd.get(), KDSKBMODE, K_OFF) < 0)
        return fail("KDSKBMODE K_OFF");
    if (::ioctl(fd.get(), KDSETMODE, KD_GRAPHICS) < 0)
        return fail("KDSETMODE KD_GRAPHICS");
    // Always, also when the VT was in graphics mode already (a crashed compositor): the kernel
    // ignores switches away from a KD_GRAPHICS VT in VT_AUTO — the user would be stuck on it.
    vt_mode vm{};
    vm.mode = VT_PROCESS;
    vm.relsig = static_cast<short>(releaseSignal());
    vm.acqsig = static_cast<short>(acquireSignal());
    if (::ioctl(fd.get(), VT_SETMODE, &vm) < 0)
        return fail("VT_SETMODE VT_PROCESS");
    p.fd = std::move(fd);
    prepared_[vt] = std::move(p);
    return {};
}

void ConsoleVtOps::reset(int fd, int keyboardMode) const
{
    int kb = keyboardMode;
    if (kb < 0) {
        std::ifstream in(defaultUtf8_);
        int utf8 = 1;
        in >> utf8;
        kb = utf8 != 0 ? K_UNICODE : K_XLATE;
    }
    if (::ioctl(fd, KDSETMODE, KD_TEXT) < 0)
        log::warning(std::string("KDSETMODE KD_TEXT: ") + std::strerror(errno));
    if (::ioctl(fd, KDSKBMODE, kb) < 0)
        log::warning(std::string("KDSKBMODE: ") + std::strerror(errno));
    vt_mode vm{};
    vm.mode = VT_AUTO;
    if (::ioctl(fd, VT_SETMODE, &vm) < 0)
        log::warning(std::string("VT_SETMODE VT_AUTO: ") + std::strerror(errno));
    if (::fchown(fd, 0, static_cast<gid_t>(-1)) < 0 || ::fchmod(fd, 0620) < 0)
        log::warning(std::string("cannot give the VT back to root: ") + std::strerror(errno));
}

void ConsoleVtOps::restore(unsigned vt)
{
    int kb = -1;
    UniqueFd fd;
    if (auto it = prepared_.find(vt); it != prepared_.end()) {
        kb = it->second.keyboardMode;
        fd = std::move(it->second.fd);
        prepared_.erase(it);
    }
    // A VT whose last other opener went away hangs up our fd (EIO): reopen it then.
    vt_mode probe{};
    if (!fd || (::ioctl(fd.get(), VT_GETMODE, &probe) < 0 && errno == EIO))
        fd = openVt(vt);
    if (!fd) {
        log::warning("cannot restore VT " + std::to_string(vt) + ": " + std::strerror(errno));
        return;
    }
    reset(fd.get(), kb);
}

void ConsoleVtOps::allowRelease(unsigned vt)
{
    auto it = prepared_.find(vt);
    UniqueFd own;
    const int fd = it != prepared_.end() ? it->second.fd.get() : (own = openVt(vt)).get();
    if (::ioctl(fd, VT_RELDISP, 1) < 0)
        log::warning("VT_RELDISP on VT " + std::to_string(vt) + ": " + std::strerror(errno));
}

void ConsoleVtOps::acknowledgeAcquire(unsigned vt)
{
    auto it = prepared_.find(vt);
    if (it == prepared_.end())
        return;
    if (::ioctl(it->second.fd.get(), VT_RELDISP, VT_ACKACQ) < 0)
        log::debug("VT_RELDISP VT_ACKACQ on VT " + std::to_string(vt) + ": " + std::strerror(errno));
}

unsigned ConsoleVtOps::foregroundVt() const
{
    vt_stat st{};
    for (const auto& [vt, p] : prepared_)
        if (::ioctl(p.fd.get(), VT_GETSTATE, &st) == 0)
            return st.v_active;
    // None prepared (a signal after control ended): tty0, the foreground VT, allocates nothing.
    UniqueFd console = openVt(0);
    if (console && ::ioctl(console.get(), VT_GETSTATE, &st) == 0)
        return st.v_active;
    return 0;
}

} // namespace ck::device
