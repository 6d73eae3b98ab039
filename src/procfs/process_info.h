// Process facts a session needs from /proc: parent, real uid, start time, controlling tty,
// audit login session id and environment lookups (what ck-collect-session-info used to read).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace ck::procfs {

struct ProcessInfo {
    pid_t pid = 0;
    pid_t ppid = 0;
    uid_t uid = 0; // real uid: first field of "Uid:" in /proc/PID/status
    uid_t effectiveUid = 0; // second field of "Uid:"
    unsigned long long startTime = 0; // stat field 22, clock ticks since boot: with the pid it
                                      // identifies one incarnation of a process
    std::string ttyDevice; // "/dev/tty3", "/dev/pts/0"; "" when there is none
    std::string loginSessionId; // /proc/PID/sessionid; "" when missing or unset
};

// Now, in the unit of ProcessInfo::startTime (clock ticks of CLOCK_BOOTTIME): a process whose
// startTime is above a value taken earlier started after that moment.
unsigned long long ticksSinceBoot();

// Reads a proc tree rooted at root ("/proc" normally, a fixture directory in tests).
class ProcReader {
public:
    explicit ProcReader(std::string root = "/proc");

    const std::string& root() const { return root_; }

    // InvalidInput for pid <= 0; Failed "No such process <pid>" when it does not exist; Failed
    // with the file name for unreadable or malformed files.
    Result<ProcessInfo> read(pid_t pid) const;
    Result<unsigned long long> startTime(pid_t pid) const;

    // Value of name in /proc/PID/environ (the environment as of exec; later setenv() calls are
    // invisible). The first occurrence wins; std::nullopt when absent; an error when unreadable.
    Result<std::optional<std::string>> environValue(pid_t pid, std::string_view name) const;

    // Device number as in stat's tty_nr to a device path; "" for 0 or an unknown device.
    std::string ttyPathFromDeviceNumber(unsigned long ttyNr) const;

private:
    std::string root_;
};

} // namespace ck::procfs
