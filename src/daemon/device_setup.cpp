// DeviceSetup: wiring of session device control, VT_PROCESS signals and the controlled-VT record.
#include "daemon/device_setup.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "bus/glib_ptr.h"
#include "bus/service.h"
#include "bus/session_devices.h"
#include "core/manager.h"
#include "device/console_vt_ops.h"
#include "device/sysfs_device_ops.h"
#include "util/atomic_file.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace ck::daemon {

// ConsoleVtOps that keeps <rundir>/controlled-vts in step with the VTs it has prepared.
class DeviceSetup::RecordedVts final : public device::VtOps {
public:
    RecordedVts(device::ConsoleVtOps& console, std::string file) : console_(console), file_(std::move(file))
    {
        // Left by a daemon that could not restore them (killed): nobody controls them now.
        std::ifstream in(file_);
        unsigned vt = 0;
        bool any = false;
        while (in >> vt)
            if (vt >= 1 && vt <= 63) {
                log::info("restoring VT " + std::to_string(vt) + ", left controlled by the previous daemon");
                console_.restore(vt);
                any = true;
            }
        if (any)
            write();
    }
    Result<void> prepare(unsigned vt, uid_t owner) override
    {
        // Recorded first: if we die half-way, the next daemon restores it.
        vts_.insert(vt);
        write();
        auto r = console_.prepare(vt, owner);
        if (!r) {
            vts_.erase(vt);
            write();
        }
        return r;
    }
    void restore(unsigned vt) override
    {
        console_.restore(vt);
        if (vts_.erase(vt) > 0)
            write();
    }
    void allowRelease(unsigned vt) override { console_.allowRelease(vt); }
    void acknowledgeAcquire(unsigned vt) override { console_.acknowledgeAcquire(vt); }

private:
    void write()
    {
        std::ostringstream out;
        for (unsigned vt : vts_)
            out << vt << "\n";
        if (auto r = writeFileAtomically(file_, out.str(), 0644); !r)
            log::warning("cannot record the controlled VTs: " + r.error().message);
    }

    device::ConsoleVtOps& console_;
    std::string file_;
    std::set<unsigned> vts_;
};

void DeviceSetup::blockVtSignals()
{
    device::ConsoleVtOps::blockSignals();
}

namespace {
constexpr int kBusTimeoutMs = 2000;

// The bus's id (org.freedesktop.DBus.GetId), "" if it does not say.
std::string busId(GDBusConnection* connection)
{
    GError* raw = nullptr;
    bus::VariantPtr reply(
        g_dbus_connection_call_sync(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetId", nullptr, G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, kBusTimeoutMs, nullptr, &raw));
    bus::ErrorPtr error(raw);
    if (!reply)
        return {};
    const gchar* id = nullptr;
    g_variant_get(reply.get(), "(&s)", &id);
    return id;
}

// The console is usable for VT control when it answers VT_GETSTATE (bus tests give none).
bool haveConsole(const std::string& console)
{
    UniqueFd fd(::open(console.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
    vt_stat st{};
    return fd && ::ioctl(fd.get(), VT_GETSTATE, &st) == 0;
}
} // namespace

DeviceSetup::DeviceSetup(const Options& options, bus::Service& service, core::Manager& manager)
{
    if (options.drmMasterOfdLock)
        ops_ = std::make_unique<device::OfdLockMasterOps>(options.sysfsRoot);
    else
        ops_ = std::make_unique<device::SysfsDeviceOps>(options.sysfsRoot);
    if (manager.consoleSeat() != nullptr && haveConsole(options.console)) {
        console_ = std::make_unique<device::ConsoleVtOps>();
        vts_ = std::make_unique<RecordedVts>(*console_, options.rundir + "/controlled-vts");
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, device::ConsoleVtOps::releaseSignal());
        sigaddset(&set, device::ConsoleVtOps::acquireSignal());
        signalFd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (signalFd_ >= 0)
            signalSource_ = g_unix_fd_add(signalFd_, G_IO_IN, &DeviceSetup::onSignal, this);
        else
            log::warning("no signalfd for VT switches: controlled VTs are not prepared");
        if (signalFd_ < 0)
            vts_.reset();
    }
    adaptor_ = std::make_unique<bus::SessionDevices>(service, manager, *ops_, vts_.get());
    connection_ = service.connection();
    busId_ = busId(connection_);
    controllersFile_ = options.rundir + "/controllers";
    // A line per controlled session, at most 128 devices (about 1.5 KiB) each: 1 MiB is far beyond
    // any machine; a larger file is not ours and is ignored.
    if (auto text = readFile(controllersFile_, 1024 * 1024))
        previousControllers_ = std::move(text).value();
    controllersWritten_ = previousControllers_;
    adaptor_->setChangeHook([this] { writeControllers(); });
}

// The file: "bus <id>", then one line per controlled session: "<session path> <controller's unique
// name> <major>:<minor>...". The bus id ties the unique names to the bus that gave them out.
void DeviceSetup::writeControllers()
{
    std::ostringstream out;
    out << "bus " << busId_ << '\n';
    for (const auto& r : adaptor_->control().records()) {
        out << r.session << ' ' << r.controller;
        for (auto [major, minor] : r.devices)
            out << ' ' << major << ':' << minor;
        out << '\n';
    }
    // Called for every name that leaves the bus: only a new content is written, and one that
    // could not be written is not retried until it changes (no warning per vanished client on a
    // full /run; a stale record costs at most a needless or a missing "gone").
    if (out.str() == controllersWritten_)
        return;
    controllersWritten_ = out.str();
    if (auto r = writeFileAtomically(controllersFile_, controllersWritten_, 0644); !r)
        log::warning("cannot record the session controllers: " + r.error().message);
}

void DeviceSetup::tellPreviousControllers()
{
    std::istringstream in(std::exchange(previousControllers_, {}));
    std::string line;
    // Unique names are never reused on one bus, but a restarted bus starts again from :1.0: names
    // recorded on another bus would reach strangers.
    if (!std::getline(in, line) || line != "bus " + busId_ || busId_.empty()) {
        writeControllers();
        return;
    }
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string session, controller, num;
        if (!(fields >> session >> controller) || controller.size() < 2 || controller[0] != ':'
            || !g_dbus_is_unique_name(controller.c_str()) || !g_variant_is_object_path(session.c_str()))
            continue;
        GError* raw = nullptr;
        bus::VariantPtr owner(g_dbus_connection_call_sync(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "GetNameOwner", g_variant_new("(s)", controller.c_str()), G_VARIANT_TYPE("(s)"),
            G_DBUS_CALL_FLAGS_NONE, kBusTimeoutMs, nullptr, &raw));
        bus::ErrorPtr error(raw);
        if (!owner)
            continue; // gone with its fds: nobody to tell
        log::info("telling " + controller + " that the devices of " + session + " are gone (daemon restarted)");
        while (fields >> num) {
            unsigned major = 0, minor = 0;
            char colon = 0;
            std::istringstream parts(num);
            if (parts >> major >> colon >> minor && colon == ':')
                adaptor_->pauseDevice(session, controller, major, minor, "gone");
        }
    }
    writeControllers();
}

DeviceSetup::~DeviceSetup()
{
    adaptor_->setChangeHook(nullptr);
    adaptor_->control().shutdown(); // ends control: devices closed, VTs restored
    writeControllers(); // nobody controls anything any more
    adaptor_.reset();
    if (signalSource_ != 0)
        g_source_remove(signalSource_);
    if (signalFd_ >= 0)
        ::close(signalFd_);
}

gboolean DeviceSetup::onSignal(gint fd, GIOCondition, gpointer data) noexcept
{
    auto* self = static_cast<DeviceSetup*>(data);
    signalfd_siginfo si{};
    while (::read(fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        const unsigned vt = self->console_->foregroundVt();
        if (static_cast<int>(si.ssi_signo) == device::ConsoleVtOps::releaseSignal())
            self->adaptor_->control().vtRelease(vt);
        else
            self->adaptor_->control().vtAcquire(vt);
    }
    return G_SOURCE_CONTINUE;
}

} // namespace ck::daemon
