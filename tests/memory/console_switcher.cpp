// ConsoleSwitcher implementation: VT_ACTIVATE + VT_WAITACTIVE bounded by a per-thread timer, and
// signal handlers that put the original VT back if the test is killed (meson's timeout: SIGTERM).
#include "memory/console_switcher.h"

#include "support/vt_probe.h"

#include <fcntl.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ck::memtest {

namespace {
// Read by the signal handler: plain ints written before the handlers are installed.
volatile sig_atomic_t gConsoleFd = -1;
volatile sig_atomic_t gOriginalVt = 0;
constexpr int kFatalSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};

void restoreAndDie(int sig)
{
    // Only async-signal-safe calls: one ioctl, then die of the same signal.
    if (gConsoleFd >= 0 && gOriginalVt > 0)
        ::ioctl(gConsoleFd, VT_ACTIVATE, static_cast<unsigned long>(gOriginalVt));
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// The timer's signal only has to interrupt VT_WAITACTIVE (a handler without SA_RESTART).
int tickSignal()
{
    return SIGRTMIN + 6;
}
void onTick(int) { }

// A periodic timer whose signal goes to the calling thread only: other threads of the test (the
// sampler, GDBus's worker) must not swallow it.
class ThreadTimer {
public:
    explicit ThreadTimer(std::chrono::milliseconds period)
    {
        struct sigaction sa { };
        sa.sa_handler = &onTick;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART: the ioctl must return EINTR
        ::sigaction(tickSignal(), &sa, nullptr);
        sigevent sev{};
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = tickSignal();
        sev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
        if (::timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0) {
            ok_ = false;
            return;
        }
        const long ns = static_cast<long>(std::chrono::nanoseconds(period).count());
        itimerspec spec{};
        spec.it_value.tv_sec = ns / 1000000000L;
        spec.it_value.tv_nsec = ns % 1000000000L;
        spec.it_interval = spec.it_value;
        ::timer_settime(timer_, 0, &spec, nullptr);
    }
    ~ThreadTimer()
    {
        if (ok_)
            ::timer_delete(timer_);
    }
    ThreadTimer(const ThreadTimer&) = delete;
    ThreadTimer& operator=(const ThreadTimer&) = delete;
    bool ok() const { return ok_; }

private:
    timer_t timer_{};
    bool ok_ = true;
};
} // namespace

Result<std::unique_ptr<ConsoleSwitcher>> ConsoleSwitcher::open(const std::string& device)
{
    if (::geteuid() != 0)
        return Error{ErrorCode::InsufficientPermission, "VT switching needs root"};
    UniqueFd fd(::open(device.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!fd)
        return Error{ErrorCode::NotSupported, "cannot open " + device + ": " + std::strerror(errno)};
    const unsigned active = test::activeVtOf(fd.get());
    if (active == 0)
        return Error{ErrorCode::NotSupported, device + " is not a VT console: " + std::strerror(errno)};
    return std::unique_ptr<ConsoleSwitcher>(new ConsoleSwitcher(std::move(fd), active));
}

ConsoleSwitcher::ConsoleSwitcher(UniqueFd fd, unsigned original) : fd_(std::move(fd)), original_(original)
{
    gConsoleFd = fd_.get();
    gOriginalVt = static_cast<sig_atomic_t>(original_);
    for (int sig : kFatalSignals) {
        struct sigaction sa { };
        sa.sa_handler = &restoreAndDie;
        sigemptyset(&sa.sa_mask);
        ::sigaction(sig, &sa, nullptr);
    }
}

ConsoleSwitcher::~ConsoleSwitcher()
{
    if (active() != original_) {
        if (auto r = restore(); !r)
            std::fprintf(stderr, "could not switch back to VT %u: %s\n", original_, r.error().message.c_str());
    }
    for (int sig : kFatalSignals)
        ::signal(sig, SIG_DFL);
    gConsoleFd = -1;
}

unsigned ConsoleSwitcher::active() const
{
    return test::activeVtOf(fd_.get());
}

Result<void> ConsoleSwitcher::switchTo(unsigned vt, std::chrono::milliseconds timeout)
{
    if (vt < 1 || vt > 63)
        return Error{ErrorCode::InvalidInput, "no VT " + std::to_string(vt)};
    if (::ioctl(fd_.get(), VT_ACTIVATE, static_cast<unsigned long>(vt)) < 0)
        return Error{ErrorCode::Failed, "VT_ACTIVATE " + std::to_string(vt) + ": " + std::strerror(errno)};
    ThreadTimer tick(std::chrono::milliseconds(50));
    if (!tick.ok())
        return Error{ErrorCode::Failed, std::string("timer_create: ") + std::strerror(errno)};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        // Returns at once when `vt` is already in front; a tick that fired before we entered the
        // ioctl costs at most one more period, as the timer repeats.
        if (::ioctl(fd_.get(), VT_WAITACTIVE, static_cast<unsigned long>(vt)) == 0)
            return {};
        if (errno != EINTR)
            return Error{ErrorCode::Failed, "VT_WAITACTIVE " + std::to_string(vt) + ": " + std::strerror(errno)};
        if (active() == vt)
            return {};
        if (std::chrono::steady_clock::now() >= deadline)
            return Error{ErrorCode::Failed,
                "VT " + std::to_string(vt) + " did not come to the front within " + std::to_string(timeout.count())
                    + " ms (VT " + std::to_string(active()) + " is active)"};
    }
}

} // namespace ck::memtest
