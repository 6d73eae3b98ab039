// FakeSysfs: a temporary root with sys/, dev/ and run/udev/data/ that presents harmless real
// character devices (/dev/null 1:3, /dev/zero 1:5, /dev/full 1:7) as a DRM card, an evdev node
// and a hidraw node. The nodes are mknod'ed copies (root only): private inodes, so the OFD-lock
// stand-in for DRM master never meets another test's lock.
#pragma once

#include <string>

namespace ck::device::test {

class FakeSysfs {
public:
    FakeSysfs(); // builds card0 = 1:3, input0/event0 = 1:5, hidraw0 = 1:7
    ~FakeSysfs();
    FakeSysfs(const FakeSysfs&) = delete;
    FakeSysfs& operator=(const FakeSysfs&) = delete;

    const std::string& root() const { return root_; }
    bool nodesMade() const { return nodesMade_; } // false when not root
    // E:ID_SEAT=seat in run/udev/data/<key> ("c1:3", "+input:input0").
    void setUdevSeat(const std::string& key, const std::string& seat);
    void write(const std::string& rel, const std::string& content);
    void symlink(const std::string& target, const std::string& rel);

private:
    void addDevice(const std::string& devdir, const std::string& subsystem, unsigned major, unsigned minor,
        const std::string& devname);

    std::string root_;
    bool nodesMade_ = true;
};

} // namespace ck::device::test
