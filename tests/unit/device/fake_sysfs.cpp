// FakeSysfs: a sysfs/dev/udev tree in a temporary directory.
#include "fake_sysfs.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ck::device::test {

namespace fs = std::filesystem;

FakeSysfs::FakeSysfs()
{
    char tmpl[] = "/tmp/ck-fake-sysfs-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    addDevice("sys/devices/fake/drm/card0", "drm", 1, 3, "dri/card0");
    addDevice("sys/devices/fake/input/input0/event0", "input", 1, 5, "input/event0");
    addDevice("sys/devices/fake/hidraw/hidraw0", "hidraw", 1, 7, "hidraw0");
}

FakeSysfs::~FakeSysfs()
{
    std::error_code ec;
    fs::remove_all(root_, ec);
}

void FakeSysfs::write(const std::string& rel, const std::string& content)
{
    const fs::path p = fs::path(root_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
}

void FakeSysfs::symlink(const std::string& target, const std::string& rel)
{
    const fs::path p = fs::path(root_) / rel;
    fs::create_directories(p.parent_path());
    fs::create_symlink(target, p);
}

void FakeSysfs::setUdevSeat(const std::string& key, const std::string& seat)
{
    write("run/udev/data/" + key, "E:ID_SEAT=" + seat + "\nG:seat\n");
}

void FakeSysfs::addDevice(
    const std::string& devdir, const std::string& subsystem, unsigned major, unsigned minor, const std::string& devname)
{
    const std::string num = std::to_string(major) + ":" + std::to_string(minor);
    write(devdir + "/uevent",
        "MAJOR=" + std::to_string(major) + "\nMINOR=" + std::to_string(minor) + "\nDEVNAME=" + devname
            + "\nDEVMODE=0666\n");
    fs::create_directories(fs::path(root_) / "sys/class" / subsystem);
    fs::create_symlink(fs::path(root_) / "sys/class" / subsystem, fs::path(root_) / devdir / "subsystem");
    symlink(fs::path(root_) / devdir, "sys/dev/char/" + num);
    const fs::path node = fs::path(root_) / "dev" / devname;
    fs::create_directories(node.parent_path());
    if (::mknod(node.c_str(), S_IFCHR | 0666, makedev(major, minor)) != 0)
        nodesMade_ = false;
}

} // namespace ck::device::test
