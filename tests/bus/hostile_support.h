// Helpers of the hostile-caller tests: an X display number of our own, the daemon's RSS, a root
// prober that measures how long the daemon takes to answer, a fake X server, a fake /proc in
// which a pid stands for another process, and a shared audit login session.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/test_bus.h"

namespace ck::test {

// A display number no other test (nor a real X server) uses: from the pid, in 5000..5999.
unsigned privateDisplayNumber();

// VmRSS of a process in KiB (0 when unreadable).
long rssKib(pid_t pid);

// Calls GetSeats as root every few milliseconds on its own connection and thread, and records
// the slowest answer (a failed or timed-out call counts as its timeout).
class LatencyProber {
public:
    explicit LatencyProber(const std::string& address);
    ~LatencyProber();
    LatencyProber(const LatencyProber&) = delete;
    LatencyProber& operator=(const LatencyProber&) = delete;
    // Stops and returns the slowest answer and how many calls were made.
    std::chrono::milliseconds stop();
    int calls() const { return calls_; }
    int failures() const { return failures_; }

private:
    std::string address_;
    std::atomic<bool> stop_{false};
    std::atomic<long long> worstMs_{0};
    std::atomic<int> calls_{0};
    std::atomic<int> failures_{0};
    std::thread thread_;
};

// ck-fake-x-server listening on an abstract or path socket, optionally as another uid, with
// extra arguments (such as "vt1") on its command line.
class FakeXServer {
public:
    FakeXServer(bool abstract, const std::string& name, uid_t uid, const std::vector<std::string>& args);
    bool ready() const { return ready_; }
    pid_t pid() const { return child_ ? child_->pid() : -1; }

private:
    std::unique_ptr<Child> child_;
    bool ready_ = false;
};

// A proc tree for --proc-root: every pid maps to its real /proc entry unless told otherwise,
// which is how a test makes the caller's pid lead to another process (a reused pid).
class FakeProc {
public:
    FakeProc();
    const std::string& path() const { return dir_.path(); }
    // <root>/<pid> shows /proc/<target>.
    void map(pid_t pid, pid_t target);
    void unmap(pid_t pid);

private:
    TempDir dir_;
};

// Gives this test process (and so every child it starts: the daemon's clients, peers as other
// uids) one audit login session id, as a login would. Returns it, or "" when the kernel refuses.
std::string shareAnAuditSession();

} // namespace ck::test
