// VT probe: VT_GETSTATE / VT_ACTIVATE on a console fd, with bounded waits.
#include "support/vt_probe.h"

#include <fcntl.h>
#include <linux/vt.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <thread>

namespace ck::test {

unsigned activeVtOf(int consoleFd)
{
    vt_stat st{};
    if (consoleFd < 0 || ::ioctl(consoleFd, VT_GETSTATE, &st) < 0)
        return 0;
    return st.v_active;
}

unsigned readActiveVt(const char* console)
{
    const int fd = ::open(console, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    const unsigned vt = activeVtOf(fd);
    ::close(fd);
    return vt;
}

bool requestVtOf(int consoleFd, unsigned vt)
{
    return ::ioctl(consoleFd, VT_ACTIVATE, static_cast<unsigned long>(vt)) == 0;
}

bool waitForVtOf(int consoleFd, unsigned vt, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (activeVtOf(consoleFd) != vt) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
}

bool switchVtOf(int consoleFd, unsigned vt, std::chrono::milliseconds timeout)
{
    return requestVtOf(consoleFd, vt) && waitForVtOf(consoleFd, vt, timeout);
}

} // namespace ck::test
