// FakeDeviceLayer: real, passable fds (/dev/null) standing for devices; every call logged in order.
#include "fake_device_layer.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

namespace ck::device::test {

FakeDeviceLayer::FakeDeviceLayer() = default;
FakeDeviceLayer::~FakeDeviceLayer() = default;

std::string FakeDeviceLayer::label(int fd) const
{
    auto it = labels_.find(fd);
    if (it == labels_.end())
        return "fd" + std::to_string(fd) + "?";
    // The model must never act on an fd it closed: a closed fd is reported as such.
    if (::fcntl(fd, F_GETFD) < 0)
        return it->second + "(closed)";
    return it->second;
}

Result<Info> FakeDeviceLayer::lookup(unsigned major, unsigned minor)
{
    log.push_back("lookup " + std::to_string(major) + ":" + std::to_string(minor));
    Info info;
    info.major = major;
    info.minor = minor;
    std::string name;
    if (major == 226) {
        info.type = Type::Drm;
        name = "card" + std::to_string(minor);
    } else if (major == 13 && minor >= 64) {
        info.type = Type::Evdev;
        name = "event" + std::to_string(minor - 64);
    } else if (major == 240) {
        info.type = Type::Hidraw;
        name = "hidraw" + std::to_string(minor);
    } else {
        return Error{ErrorCode::NotSupported, "not a DRM card, evdev or hidraw node"};
    }
    info.devnode = name; // the fake's node name
    info.syspath = "/sys/fake/" + name;
    auto s = seats.find(major);
    info.seat = s == seats.end() ? "seat0" : s->second;
    return info;
}

Result<UniqueFd> FakeDeviceLayer::open(const Info& info)
{
    if (auto e = openErrors.find(info.devnode); e != openErrors.end() && e->second != 0) {
        log.push_back("open " + info.devnode + " failed");
        return Error{ErrorCode::Failed, "scripted failure"};
    }
    UniqueFd fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    const std::string l = info.devnode + "#" + std::to_string(++opens_[info.devnode]);
    labels_[fd.get()] = l;
    log.push_back("open " + l);
    return fd;
}

int FakeDeviceLayer::setMaster(int fd)
{
    const std::string l = label(fd);
    const std::string node = l.substr(0, l.find('#'));
    int err = 0;
    if (auto it = setMasterErrors.find(node); it != setMasterErrors.end() && !it->second.empty()) {
        err = it->second.front();
        it->second.pop_front();
    }
    log.push_back("setMaster " + l + (err != 0 ? std::string(" -> ") + strerrorname_np(err) : std::string()));
    return err;
}

int FakeDeviceLayer::dropMaster(int fd)
{
    log.push_back("dropMaster " + label(fd));
    return 0;
}

int FakeDeviceLayer::revoke(int fd, Type)
{
    log.push_back("revoke " + label(fd));
    return 0;
}

Result<void> FakeDeviceLayer::prepare(unsigned vt, uid_t owner)
{
    log.push_back("prepare vt" + std::to_string(vt) + " uid " + std::to_string(owner));
    if (failPrepare)
        return Error{ErrorCode::Failed, "KDSETMODE: Input/output error"};
    return {};
}

void FakeDeviceLayer::restore(unsigned vt)
{
    log.push_back("restore vt" + std::to_string(vt));
}

void FakeDeviceLayer::allowRelease(unsigned vt)
{
    log.push_back("reldisp vt" + std::to_string(vt));
}

void FakeDeviceLayer::acknowledgeAcquire(unsigned vt)
{
    log.push_back("ackacq vt" + std::to_string(vt));
}

void FakeDeviceLayer::pauseDevice(
    const std::string& session, const std::string& controller, unsigned major, unsigned minor, const char* type)
{
    log.push_back("PauseDevice " + session + " -> " + controller + " " + std::to_string(major) + ":"
        + std::to_string(minor) + " " + type);
}

void FakeDeviceLayer::resumeDevice(
    const std::string& session, const std::string& controller, unsigned major, unsigned minor, int fd)
{
    log.push_back("ResumeDevice " + session + " -> " + controller + " " + std::to_string(major) + ":"
        + std::to_string(minor) + " " + label(fd));
}

void FakeDeviceLayer::activeChanged(const std::string& session, bool active)
{
    log.push_back("ActiveChanged " + session + (active ? " true" : " false"));
}

void FakeDeviceLayer::armPauseTimer(const std::string& session, unsigned ms)
{
    log.push_back("arm timer " + session + " " + std::to_string(ms));
}

void FakeDeviceLayer::cancelPauseTimer(const std::string& session)
{
    log.push_back("cancel timer " + session);
}

void FakeDeviceLayer::pauseCompleted(const std::string& session)
{
    log.push_back("pause completed " + session);
}

} // namespace ck::device::test
