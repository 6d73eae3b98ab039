// SysfsDeviceOps: devices by number through sysfs, opened and checked by the daemon.
#include "device/sysfs_device_ops.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace ck::device {

namespace {
// Numbers from the uapi headers (spec/device-control.md §13); hidraw's HIDIOCREVOKE is missing from
// older headers, so all four are spelled out here and checked against the kernel's encoding.
constexpr unsigned long kDrmSetMaster = 0x641e; // _IO('d', 0x1e)
constexpr unsigned long kDrmDropMaster = 0x641f; // _IO('d', 0x1f)
constexpr unsigned long kEvIocRevoke = 0x40044591; // _IOW('E', 0x91, int)
constexpr unsigned long kHidIocRevoke = 0x4004480d; // _IOW('H', 0x0D, int)
static_assert(kDrmSetMaster == _IO('d', 0x1e));
static_assert(kDrmDropMaster == _IO('d', 0x1f));
static_assert(kEvIocRevoke == _IOW('E', 0x91, int));
static_assert(kHidIocRevoke == _IOW('H', 0x0D, int));

std::string baseName(const std::string& p)
{
    const auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string realPath(const std::string& p)
{
    std::unique_ptr<char, decltype(&::free)> r(::realpath(p.c_str(), nullptr), &::free);
    return r ? std::string(r.get()) : std::string();
}

std::string readLink(const std::string& p)
{
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf - 1);
    return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

// "E:ID_SEAT=seat1" from a udev database file; "" when absent.
std::string udevSeat(const std::string& file)
{
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("E:ID_SEAT="))
            return line.substr(10);
    return {};
}
} // namespace

SysfsDeviceOps::SysfsDeviceOps(std::string root) : root_(std::move(root))
{
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
    if (root_ == "/")
        root_.clear();
}

std::string SysfsDeviceOps::path(const std::string& rel) const
{
    return root_ + "/" + rel;
}

Result<Info> SysfsDeviceOps::lookup(unsigned major, unsigned minor)
{
    const std::string num = std::to_string(major) + ":" + std::to_string(minor);
    const std::string dir = realPath(path("sys/dev/char/" + num));
    if (dir.empty())
        return Error{ErrorCode::NotSupported, "no character device " + num};
    std::ifstream uevent(dir + "/uevent");
    std::string line, devname;
    while (std::getline(uevent, line))
        if (line.starts_with("DEVNAME="))
            devname = line.substr(8);
    if (devname.empty() || devname.find("..") != std::string::npos)
        return Error{ErrorCode::NotSupported, "character device " + num + " has no device node"};
    const std::string subsystem = baseName(readLink(dir + "/subsystem"));
    const std::string sysname = baseName(dir);
    Info info;
    info.major = major;
    info.minor = minor;
    if (subsystem == "drm" && sysname.starts_with("card"))
        info.type = Type::Drm;
    else if (subsystem == "input" && sysname.starts_with("event"))
        info.type = Type::Evdev;
    else if (subsystem == "hidraw" && sysname.starts_with("hidraw"))
        info.type = Type::Hidraw;
    else
        return Error{ErrorCode::NotSupported,
            "device " + num + " (" + subsystem + " " + sysname + ") is not a DRM card, evdev or hidraw node"};
    info.devnode = path("dev/" + devname);
    info.syspath = dir;
    info.seat = seatOf(major, minor, info.type, dir);
    return info;
}

std::string SysfsDeviceOps::seatOf(unsigned major, unsigned minor, Type type, const std::string& dir) const
{
    const std::string db = path("run/udev/data/");
    std::string seat = udevSeat(db + "c" + std::to_string(major) + ":" + std::to_string(minor));
    // An evdev node carries the seat of its input device (logind looks at the parent).
    if (seat.empty() && type == Type::Evdev)
        seat = udevSeat(db + "+input:" + baseName(dir.substr(0, dir.rfind('/'))));
    return seat.empty() ? std::string("seat0") : seat;
}

Result<UniqueFd> SysfsDeviceOps::open(const Info& info)
{
    // O_NOFOLLOW: the node itself, never a link planted in its place.
    UniqueFd fd(::open(info.devnode.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
    if (!fd)
        return Error{ErrorCode::Failed, std::strerror(errno)};
    struct stat st { };
    if (::fstat(fd.get(), &st) < 0)
        return Error{ErrorCode::Failed, std::string("fstat: ") + std::strerror(errno)};
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(info.major, info.minor))
        return Error{ErrorCode::Failed,
            info.devnode + " is not the character device " + std::to_string(info.major) + ":"
                + std::to_string(info.minor)};
    return fd;
}

int SysfsDeviceOps::setMaster(int fd)
{
    return ::ioctl(fd, kDrmSetMaster, 0) < 0 ? errno : 0;
}

int SysfsDeviceOps::dropMaster(int fd)
{
    return ::ioctl(fd, kDrmDropMaster, 0) < 0 ? errno : 0;
}

int SysfsDeviceOps::revoke(int fd, Type type)
{
    // The argument must be 0: evdev answers anything else with EINVAL and revokes nothing (an old
    // logind passed 1 and never revoked).
    const unsigned long request = type == Type::Hidraw ? kHidIocRevoke : kEvIocRevoke;
    return ::ioctl(fd, request, nullptr) < 0 ? errno : 0;
}

int OfdLockMasterOps::setMaster(int fd)
{
    struct flock lock { };
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0)
        return 0;
    // Another description holds it: the kernel's "another master exists".
    return errno == EAGAIN || errno == EACCES ? EBUSY : errno;
}

int OfdLockMasterOps::dropMaster(int fd)
{
    struct flock lock { };
    lock.l_type = F_UNLCK;
    lock.l_whence = SEEK_SET;
    return ::fcntl(fd, F_OFD_SETLK, &lock) == 0 ? 0 : errno;
}

} // namespace ck::device
