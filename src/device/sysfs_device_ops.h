// SysfsDeviceOps: the real DeviceOps — devices found through sysfs, opened by the daemon, DRM
// master and revoke through the kernel's ioctls.
//
// How a device is found (no udev needed): /sys/dev/char/MAJ:MIN is resolved; its `uevent` gives
// DEVNAME (the node under /dev), the basename of its `subsystem` link the subsystem and its own
// basename the sysname: drm + card* is a DRM card (render nodes are refused), input + event* an
// evdev node, hidraw + hidraw* a hidraw node. The seat is ID_SEAT from the udev database
// (/run/udev/data/cMAJ:MIN, for evdev also its parent's +input:inputN) when udev keeps one, else
// seat0 — a machine without udev has only seat0. sd-device (libsystemd) is not used: it reads the
// fixed /sys and /run/udev, and the tests need a tree of their own.
//
// `root` prefixes every path (sys/, dev/, run/udev/data/): "/" in production, a temporary tree
// in tests (console-kit-daemon --sysfs-root).
#pragma once

#include <string>

#include "device/device_ops.h"

namespace ck::device {

class SysfsDeviceOps : public DeviceOps {
public:
    explicit SysfsDeviceOps(std::string root = "/");

    Result<Info> lookup(unsigned major, unsigned minor) override;
    Result<UniqueFd> open(const Info& info) override;
    int setMaster(int fd) override;
    int dropMaster(int fd) override;
    int revoke(int fd, Type type) override;

private:
    std::string path(const std::string& rel) const; // root + rel
    std::string seatOf(unsigned major, unsigned minor, Type type, const std::string& dir) const;

    std::string root_;
};

// A test stand-in for DRM master with the kernel's semantics on any file: master is an
// open-file-description lock (F_OFD_SETLK, write lock on the whole file), so it belongs to the
// open file description, is shared by dup()s and fds passed over the bus, refuses a second
// description (EBUSY, "another master") and ends with the last close. Devices are still found
// and opened like SysfsDeviceOps (console-kit-daemon --drm-master=ofd-lock).
class OfdLockMasterOps final : public SysfsDeviceOps {
public:
    using SysfsDeviceOps::SysfsDeviceOps;
    int setMaster(int fd) override;
    int dropMaster(int fd) override;
};

} // namespace ck::device
