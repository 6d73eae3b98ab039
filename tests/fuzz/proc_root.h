// A private fake /proc tree for the procfs fuzz targets: ProcReader takes a root directory (its
// test seam), so the targets write the fuzz input where it reads /proc/1/<file>.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace ck::fuzz {

class ProcRoot {
public:
    ProcRoot()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/ck-fuzz-proc.XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::abort();
        }
        root_ = pattern;
        ::mkdir((root_ + "/1").c_str(), 0700);
        ::mkdir((root_ + "/tty").c_str(), 0700);
        // The usual non-VT, non-pts drivers, so stat's tty_nr also reaches the drivers table.
        write("tty/drivers",
            "/dev/tty             /dev/tty        5       0 system:/dev/tty\n"
            "/dev/console         /dev/console    5       1 system:console\n"
            "serial               /dev/ttyS       4 64-111 serial\n"
            "usbserial            /dev/ttyUSB   188 0-511 serial\n"
            "hvc                  /dev/hvc      229 0-7 system\n");
    }
    ~ProcRoot()
    {
        for (const char* name : {"1/stat", "1/status", "1/environ", "1/sessionid", "tty/drivers"})
            ::unlink((root_ + "/" + name).c_str());
        ::rmdir((root_ + "/1").c_str());
        ::rmdir((root_ + "/tty").c_str());
        ::rmdir(root_.c_str());
    }
    ProcRoot(const ProcRoot&) = delete;
    ProcRoot& operator=(const ProcRoot&) = delete;

    const std::string& path() const { return root_; }

    // Replaces <root>/<name> with exactly `content`.
    void write(const char* name, std::string_view content) const
    {
        const std::string file = root_ + "/" + name;
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
            std::perror(file.c_str());
            std::abort();
        }
        ::close(fd);
    }

private:
    std::string root_;
};

// Valid files for the parts of /proc/1 a target does not fuzz.
inline constexpr std::string_view kValidStat
    = "1 (bash) S 0 1 1 34817 1 4194560 2000 0 0 0 5 3 0 0 20 0 1 0 1234 9000000 900 "
      "18446744073709551615 1 1 0 0 0 0 65536 3686404 1266761467 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
inline constexpr std::string_view kValidStatus
    = "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n";

} // namespace ck::fuzz
