// DeviceOps: the kernel side of session device control (look up by number, open, DRM master,
// revoke) behind an interface, so that the rules in device_control.h are tested with a fake.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/result.h"
#include "util/unique_fd.h"

namespace ck::device {

// The device kinds a session controller may take; everything else is refused.
enum class Type { Drm, Evdev, Hidraw };
const char* typeName(Type type);

// Limits of a Linux dev_t (major < 2^12, minor < 2^20), checked before anything is looked up.
inline constexpr unsigned kMaxMajor = (1u << 12) - 1;
inline constexpr unsigned kMaxMinor = (1u << 20) - 1;

struct Info {
    unsigned major = 0;
    unsigned minor = 0;
    Type type = Type::Drm;
    std::string devnode; // absolute path to open
    std::string syspath;
    std::string seat; // ID_SEAT, "seat0" when the device has none
};

// Every ioctl wrapper returns 0 or an errno value; they never throw.
class DeviceOps {
public:
    virtual ~DeviceOps() = default;
    // Resolves /sys/dev/char/MAJ:MIN: NotSupported for an absent or unsupported device.
    virtual Result<Info> lookup(unsigned major, unsigned minor) = 0;
    // Opens the node O_RDWR|O_CLOEXEC|O_NOCTTY|O_NONBLOCK and checks with fstat that it is the
    // character device MAJ:MIN (a node replaced behind our back is refused).
    virtual Result<UniqueFd> open(const Info& info) = 0;
    virtual int setMaster(int fd) = 0; // DRM_IOCTL_SET_MASTER
    virtual int dropMaster(int fd) = 0; // DRM_IOCTL_DROP_MASTER
    virtual int revoke(int fd, Type type) = 0; // EVIOCREVOKE / HIDIOCREVOKE
};

} // namespace ck::device
