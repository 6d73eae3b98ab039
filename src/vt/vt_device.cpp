// The Linux console device: VT_GETSTATE, VT_ACTIVATE, VT_WAITEVENT and VT_WAITACTIVE on one fd.
#include "vt/vt_device.h"

#include <fcntl.h>
#include <linux/vt.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.h"

namespace ck::vt {

namespace {

std::string errnoText(int err)
{
    return std::strerror(err);
}

class ConsoleDevice final : public VtDevice {
public:
    explicit ConsoleDevice(UniqueFd fd) : fd_(std::move(fd)) { }

    Result<unsigned> activeVt() override
    {
        vt_stat st{};
        if (::ioctl(fd_.get(), VT_GETSTATE, &st) < 0)
            return Error{ErrorCode::Failed, "VT_GETSTATE failed: " + errnoText(errno)};
        return static_cast<unsigned>(st.v_active);
    }

    Result<void> activate(unsigned vt) override
    {
        if (vt < 1 || vt > kMaxVt)
            return Error{ErrorCode::InvalidInput, "VT " + std::to_string(vt) + " is out of range 1..63"};
        // VT_ACTIVATE only queues the switch: it completes asynchronously (and may be refused by a
        // VT in VT_PROCESS mode); the watcher reports it when it happens.
        if (::ioctl(fd_.get(), VT_ACTIVATE, static_cast<unsigned long>(vt)) < 0)
            return Error{ErrorCode::Failed, "Unable to activate VT " + std::to_string(vt) + ": " + errnoText(errno)};
        return {};
    }

    // Runs on the watcher thread: no allocation here.
    int waitEvent(unsigned& oldVt, unsigned& newVt) override
    {
        // The kernel overwrites .event with what happened and fills oldev/newev (1-based). The call
        // is one-shot: the waiter is queued on entry and gone on return, so a switch between two
        // calls is never reported. The caller re-reads VT_GETSTATE instead of trusting newev.
        vt_event ev{};
        ev.event = VT_EVENT_SWITCH;
        if (::ioctl(fd_.get(), VT_WAITEVENT, &ev) < 0)
            return errno;
        oldVt = ev.oldev;
        newVt = ev.newev;
        return 0;
    }

    // Runs on a pool thread: no allocation here. Returns at once if `vt` is already in front.
    int waitActive(unsigned vt) override
    {
        if (::ioctl(fd_.get(), VT_WAITACTIVE, static_cast<unsigned long>(vt)) < 0)
            return errno;
        return 0;
    }

    int probeWaitEvent() override
    {
        // A NULL argument makes a kernel that knows VT_WAITEVENT fail copy_from_user with EFAULT
        // before it waits; kernels without it answer ENOTTY (current tty core) or EINVAL (old).
        if (::ioctl(fd_.get(), VT_WAITEVENT, nullptr) < 0)
            return errno;
        return 0;
    }

private:
    UniqueFd fd_;
};

} // namespace

Result<std::unique_ptr<VtDevice>> openConsole(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
    if (!fd && errno == EACCES)
        fd.reset(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
    if (!fd)
        return Error{ErrorCode::Failed, "Unable to open console " + path + ": " + errnoText(errno)};
    vt_stat st{};
    if (::ioctl(fd.get(), VT_GETSTATE, &st) < 0)
        return Error{
            ErrorCode::NotSupported, path + " is not a virtual terminal (VT_GETSTATE: " + errnoText(errno) + ")"};
    return std::unique_ptr<VtDevice>(std::make_unique<ConsoleDevice>(std::move(fd)));
}

} // namespace ck::vt
