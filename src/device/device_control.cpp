// DeviceControl: the rules of session device control (spec/device-control.md §7, §14).
#include "device/device_control.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "util/log.h"

namespace ck::device {

const char* typeName(Type type)
{
    switch (type) {
    case Type::Drm:
        return "drm";
    case Type::Evdev:
        return "evdev";
    case Type::Hidraw:
        return "hidraw";
    }
    return "drm";
}

const char* deviceStateName(DeviceState state)
{
    switch (state) {
    case DeviceState::Active:
        return "active";
    case DeviceState::Paused:
        return "paused";
    case DeviceState::PendingPause:
        return "pending-pause";
    }
    return "paused";
}

struct DeviceControl::Device {
    Info info;
    UniqueFd fd; // the daemon's own copy; the controller only ever gets duplicates
    DeviceState state = DeviceState::Paused;
};

struct DeviceControl::Controlled {
    SessionInfo session;
    std::string controller; // unique bus name
    bool vtPrepared = false;
    bool pausedByVt = false; // a VT release paused the devices; the acquire has not resumed them
    bool pendingPause = false; // a "pause" request (seats without VTs) waits for the controller
    std::map<std::pair<unsigned, unsigned>, std::unique_ptr<Device>> devices; // by (major, minor)

    // Devices run only while the seat says active and no switch away is in progress.
    bool live() const { return session.active && !pausedByVt && !pendingPause; }
};

namespace {
std::string devName(unsigned major, unsigned minor)
{
    return std::to_string(major) + ":" + std::to_string(minor);
}
} // namespace

DeviceControl::DeviceControl(DeviceOps& devices, VtOps* vts, Sink& sink) : devices_(devices), vts_(vts), sink_(sink) { }

DeviceControl::~DeviceControl()
{
    shutdown();
}

DeviceControl::Controlled* DeviceControl::find(const std::string& session)
{
    auto it = controlled_.find(session);
    return it == controlled_.end() ? nullptr : it->second.get();
}

const DeviceControl::Controlled* DeviceControl::find(const std::string& session) const
{
    auto it = controlled_.find(session);
    return it == controlled_.end() ? nullptr : it->second.get();
}

Result<DeviceControl::Controlled*> DeviceControl::controllerCall(
    const std::string& session, const std::string& sender, const char* what)
{
    Controlled* c = find(session);
    if (c == nullptr || c->controller != sender)
        return Error{ErrorCode::Failed, std::string("Only the session controller may ") + what};
    return c;
}

// --- calls -----------------------------------------------------------------------------------

Result<void> DeviceControl::takeControl(
    const SessionInfo& session, const std::string& sender, uid_t callerUid, bool force)
{
    // logind's rule, stricter than ConsoleKit2 (which let any local user take any session).
    if (callerUid != 0 && callerUid != session.owner)
        return Error{
            ErrorCode::InsufficientPermission, "Only root or the owner of " + session.id + " may take control of it"};
    if (Controlled* c = find(session.id)) {
        if (c->controller == sender)
            return {}; // the same controller again: nothing to do
        if (!force)
            return Error{ErrorCode::Failed, "Session controller already present"};
        if (callerUid != 0)
            return Error{ErrorCode::InsufficientPermission, "Only root may replace the current session controller"};
        // Force: the old controller loses its devices and is told they are gone. The VT stays
        // prepared for the new one.
        if (c->pendingPause) {
            c->pendingPause = false;
            sink_.cancelPauseTimer(session.id);
        }
        std::vector<std::pair<unsigned, unsigned>> gone;
        for (auto& [num, d] : c->devices) {
            if (d->state != DeviceState::Paused)
                stop(*d);
            gone.push_back(num);
        }
        c->devices.clear();
        const std::string old = std::exchange(c->controller, sender);
        for (auto [major, minor] : gone)
            sink_.pauseDevice(session.id, old, major, minor, "gone");
        return {};
    }
    auto c = std::make_unique<Controlled>();
    c->session = session;
    c->controller = sender;
    if (session.vtnr > 0 && vts_ != nullptr) {
        for (const auto& [id, other] : controlled_)
            if (other->vtPrepared && other->session.vtnr == session.vtnr)
                return Error{
                    ErrorCode::Failed, "VT " + std::to_string(session.vtnr) + " is already controlled through " + id};
        if (auto r = vts_->prepare(session.vtnr, session.owner); !r)
            return Error{ErrorCode::Failed,
                "Cannot prepare VT " + std::to_string(session.vtnr) + " for a controller: " + r.error().message};
        c->vtPrepared = true;
    }
    controlled_.emplace(session.id, std::move(c));
    return {};
}

Result<void> DeviceControl::releaseControl(const std::string& session, const std::string& sender)
{
    auto c = controllerCall(session, sender, "release control");
    if (!c)
        return std::move(c).error();
    endControl(session);
    return {};
}

Result<TakenDevice> DeviceControl::takeDevice(
    const std::string& session, const std::string& sender, unsigned major, unsigned minor)
{
    auto cr = controllerCall(session, sender, "take devices");
    if (!cr)
        return std::move(cr).error();
    Controlled& c = **cr;
    if (major > kMaxMajor || minor > kMaxMinor)
        return Error{ErrorCode::InvalidInput,
            "Device number " + devName(major, minor) + " is out of range (major < 4096, minor < 1048576)"};
    if (c.devices.contains({major, minor}))
        return Error{ErrorCode::General, "Device has already been requested"};
    if (c.devices.size() >= kMaxDevicesPerSession)
        return Error{
            ErrorCode::Failed, "A session may take at most " + std::to_string(kMaxDevicesPerSession) + " devices"};
    auto info = devices_.lookup(major, minor);
    if (!info)
        return Error{ErrorCode::NotSupported, "Failed to create device: " + info.error().message};
    if (c.session.seat.empty())
        return Error{ErrorCode::InsufficientPermission, session + " has no seat: it may take no devices"};
    if (info->seat != c.session.seat)
        return Error{ErrorCode::InsufficientPermission,
            "Device " + devName(major, minor) + " belongs to " + info->seat + ", not to " + c.session.seat};
    auto fd = devices_.open(*info);
    if (!fd)
        return Error{ErrorCode::Failed, "Cannot open " + info->devnode + ": " + fd.error().message};

    auto d = std::make_unique<Device>();
    d->info = std::move(info).value();
    d->fd = std::move(fd).value();
    if (c.live()) {
        if (d->info.type == Type::Drm) {
            // Another master (EBUSY) or none possible (EINVAL): the device starts paused.
            const int err = devices_.setMaster(d->fd.get());
            d->state = err == 0 ? DeviceState::Active : DeviceState::Paused;
            if (err != 0)
                log::debug("SET_MASTER on " + d->info.devnode + ": " + std::strerror(err) + "; taken paused");
        } else {
            d->state = DeviceState::Active;
        }
    } else {
        // DRM grants master to the first opener by itself: take it away again.
        if (d->info.type == Type::Drm)
            (void)devices_.dropMaster(d->fd.get());
        else
            (void)devices_.revoke(d->fd.get(), d->info.type);
        d->state = DeviceState::Paused;
    }
    TakenDevice taken{d->fd.get(), d->state != DeviceState::Active};
    c.devices.emplace(std::make_pair(major, minor), std::move(d));
    return taken;
}

Result<void> DeviceControl::releaseDevice(
    const std::string& session, const std::string& sender, unsigned major, unsigned minor)
{
    return stopTaken(session, sender, major, minor, "release devices", true);
}

Result<void> DeviceControl::pauseDeviceComplete(
    const std::string& session, const std::string& sender, unsigned major, unsigned minor)
{
    // Also unsolicited (Xorg drops master this way before its own VT_RELDISP).
    return stopTaken(session, sender, major, minor, "complete device pauses", false);
}

Result<void> DeviceControl::stopTaken(const std::string& session, const std::string& sender, unsigned major,
    unsigned minor, const char* what, bool release)
{
    auto cr = controllerCall(session, sender, what);
    if (!cr)
        return std::move(cr).error();
    Controlled& c = **cr;
    auto it = c.devices.find({major, minor});
    if (it == c.devices.end())
        return Error{ErrorCode::Failed, "Device doesn't exist"};
    // Stop before close: the controller's duplicate must not keep master or input.
    if (it->second->state != DeviceState::Paused)
        stop(*it->second);
    if (release)
        c.devices.erase(it);
    maybeCompletePause(c);
    return {};
}

// --- events ----------------------------------------------------------------------------------

void DeviceControl::nameVanished(const std::string& name)
{
    std::vector<std::string> ended;
    for (const auto& [id, c] : controlled_)
        if (c->controller == name)
            ended.push_back(id);
    for (const auto& id : ended)
        endControl(id);
}

void DeviceControl::sessionClosed(const std::string& session)
{
    if (find(session) != nullptr)
        endControl(session);
}

void DeviceControl::sessionActiveChanged(const std::string& session, bool active)
{
    Controlled* c = find(session);
    if (c == nullptr)
        return;
    c->session.active = active;
    if (!active) {
        if (c->pendingPause) {
            c->pendingPause = false;
            sink_.cancelPauseTimer(session);
        }
        pauseAll(*c, "force");
        return;
    }
    c->pausedByVt = false;
    c->pendingPause = false;
    resumeAll(*c);
}

bool DeviceControl::requestPause(const std::string& session)
{
    Controlled* c = find(session);
    if (c == nullptr)
        return true;
    std::vector<std::pair<unsigned, unsigned>> asked;
    for (auto& [num, d] : c->devices)
        if (d->state == DeviceState::Active) {
            d->state = DeviceState::PendingPause;
            asked.push_back(num);
        }
    if (asked.empty())
        return true;
    c->pendingPause = true;
    for (auto [major, minor] : asked)
        sink_.pauseDevice(session, c->controller, major, minor, "pause");
    sink_.armPauseTimer(session, kPauseTimeoutMs);
    return false;
}

void DeviceControl::pauseTimerFired(const std::string& session)
{
    Controlled* c = find(session);
    if (c == nullptr || !c->pendingPause)
        return;
    std::vector<std::pair<unsigned, unsigned>> forced;
    for (auto& [num, d] : c->devices)
        if (d->state == DeviceState::PendingPause) {
            stop(*d);
            forced.push_back(num);
        }
    c->pendingPause = false;
    for (auto [major, minor] : forced)
        sink_.pauseDevice(session, c->controller, major, minor, "force");
    sink_.pauseCompleted(session);
}

void DeviceControl::vtRelease(unsigned foregroundVt)
{
    for (auto& [id, c] : controlled_) {
        if (!c->vtPrepared || c->session.vtnr != foregroundVt)
            continue;
        // Force only: the kernel holds the switch until VT_RELDISP, which must not wait for the
        // controller.
        pauseAll(*c, "force");
        c->pausedByVt = true;
        vts_->allowRelease(foregroundVt);
        return;
    }
    // Nobody controls it (any more): let the switch happen and put the VT back to normal.
    if (vts_ != nullptr) {
        vts_->allowRelease(foregroundVt);
        vts_->restore(foregroundVt);
    }
}

void DeviceControl::vtAcquire(unsigned foregroundVt)
{
    for (auto& [id, c] : controlled_) {
        if (!c->vtPrepared || c->session.vtnr != foregroundVt)
            continue;
        vts_->acknowledgeAcquire(foregroundVt);
        if (c->pausedByVt && c->session.active) {
            // Away and back before the seat noticed: the controller paused its devices on our
            // PauseDevice and waits for active=true; show it the pair, then resume.
            sink_.activeChanged(id, false);
            sink_.activeChanged(id, true);
            c->pausedByVt = false;
            resumeAll(*c);
        }
        return;
    }
}

void DeviceControl::deviceRemoved(unsigned major, unsigned minor)
{
    for (auto& [id, c] : controlled_) {
        auto it = c->devices.find({major, minor});
        if (it == c->devices.end())
            continue;
        if (it->second->state != DeviceState::Paused)
            stop(*it->second);
        c->devices.erase(it);
        sink_.pauseDevice(id, c->controller, major, minor, "gone");
        maybeCompletePause(*c);
    }
}

void DeviceControl::shutdown()
{
    while (!controlled_.empty())
        endControl(controlled_.begin()->first);
}

// --- queries ---------------------------------------------------------------------------------

bool DeviceControl::isControlled(const std::string& session) const
{
    return find(session) != nullptr;
}

std::string DeviceControl::controllerOf(const std::string& session) const
{
    const Controlled* c = find(session);
    return c == nullptr ? std::string() : c->controller;
}

std::vector<unsigned> DeviceControl::preparedVts() const
{
    std::vector<unsigned> vts;
    for (const auto& [id, c] : controlled_)
        if (c->vtPrepared)
            vts.push_back(c->session.vtnr);
    return vts;
}

std::vector<DeviceControl::Record> DeviceControl::records() const
{
    std::vector<Record> out;
    for (const auto& [id, c] : controlled_) {
        Record r{id, c->controller, {}};
        for (const auto& [num, d] : c->devices)
            r.devices.push_back(num);
        out.push_back(std::move(r));
    }
    return out;
}

std::size_t DeviceControl::deviceCount(const std::string& session) const
{
    const Controlled* c = find(session);
    return c == nullptr ? 0 : c->devices.size();
}

Result<DeviceState> DeviceControl::deviceState(const std::string& session, unsigned major, unsigned minor) const
{
    const Controlled* c = find(session);
    if (c == nullptr)
        return Error{ErrorCode::Failed, session + " is not controlled"};
    auto it = c->devices.find({major, minor});
    if (it == c->devices.end())
        return Error{ErrorCode::Failed, "Device doesn't exist"};
    return it->second->state;
}

// --- internals -------------------------------------------------------------------------------

void DeviceControl::endControl(const std::string& session)
{
    auto it = controlled_.find(session);
    if (it == controlled_.end())
        return;
    // Unlink first: nothing below may find a half-ended controller.
    std::unique_ptr<Controlled> c = std::move(it->second);
    controlled_.erase(it);
    if (c->pendingPause)
        sink_.cancelPauseTimer(session);
    for (auto& [num, d] : c->devices) {
        if (d->state != DeviceState::Paused)
            stop(*d);
        d->fd.reset();
    }
    c->devices.clear();
    if (c->vtPrepared)
        vts_->restore(c->session.vtnr);
}

void DeviceControl::stop(Device& d)
{
    int err = 0;
    if (d.info.type == Type::Drm)
        err = devices_.dropMaster(d.fd.get());
    else
        err = devices_.revoke(d.fd.get(), d.info.type);
    // EINVAL from DROP_MASTER ("not master") and ENODEV from a revoke (already revoked or
    // unplugged) are normal; anything else leaves the controller with a working fd.
    if (err != 0 && err != EINVAL && err != ENODEV)
        log::warning(std::string("cannot stop ") + typeName(d.info.type) + " device " + d.info.devnode + ": "
            + std::strerror(err));
    d.state = DeviceState::Paused;
}

bool DeviceControl::start(Device& d)
{
    if (d.info.type == Type::Drm) {
        // Same fd, same open file description: the controller's GEM/KMS state survives.
        const int err = devices_.setMaster(d.fd.get());
        if (err != 0) {
            log::debug("SET_MASTER on " + d.info.devnode + ": " + std::strerror(err) + "; stays paused");
            return false;
        }
    } else {
        // A revoke is final: a new open file description, and the old copy goes.
        auto fd = devices_.open(d.info);
        if (!fd) {
            log::warning("cannot reopen " + d.info.devnode + ": " + fd.error().message);
            return false;
        }
        d.fd = std::move(fd).value();
    }
    d.state = DeviceState::Active;
    return true;
}

void DeviceControl::pauseAll(Controlled& c, const char* type)
{
    std::vector<std::pair<unsigned, unsigned>> paused;
    for (auto& [num, d] : c.devices)
        if (d->state != DeviceState::Paused) {
            stop(*d);
            paused.push_back(num);
        }
    for (auto [major, minor] : paused)
        sink_.pauseDevice(c.session.id, c.controller, major, minor, type);
}

void DeviceControl::resumeAll(Controlled& c)
{
    std::vector<Device*> resumed;
    for (auto& [num, d] : c.devices)
        if (d->state == DeviceState::Paused && start(*d))
            resumed.push_back(d.get());
    for (Device* d : resumed)
        sink_.resumeDevice(c.session.id, c.controller, d->info.major, d->info.minor, d->fd.get());
}

void DeviceControl::maybeCompletePause(Controlled& c)
{
    if (!c.pendingPause)
        return;
    for (const auto& [num, d] : c.devices)
        if (d->state != DeviceState::Paused)
            return;
    c.pendingPause = false;
    sink_.cancelPauseTimer(c.session.id);
    sink_.pauseCompleted(c.session.id);
}

} // namespace ck::device
