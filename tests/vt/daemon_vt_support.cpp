// Support for the daemon-level real-VT tests (see daemon_vt_support.h).
#include "daemon_vt_support.h"

#include "support/session_openers.h"
#include "support/vt_probe.h"

#include <fcntl.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>
#include <utility>

namespace ck::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TestVts gVt;

namespace {
int gConsole = -1;
} // namespace

// --- console ---------------------------------------------------------------------------------

bool openTestConsole()
{
    gConsole = ::open(kConsoleDevice, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (gConsole < 0)
        return false;
    gVt.original = kernelVt();
    if (gVt.original == 0)
        return false;
    // Three VTs other than the original one (activating an unallocated VT allocates it).
    unsigned* slots[] = {&gVt.text, &gVt.x, &gVt.third};
    unsigned candidate = 5;
    for (unsigned* slot : slots) {
        if (candidate == gVt.original)
            ++candidate;
        *slot = candidate++;
    }
    return true;
}

void closeTestConsole()
{
    if (gConsole >= 0)
        ::close(gConsole);
    gConsole = -1;
}

unsigned kernelVt()
{
    return activeVtOf(gConsole);
}

bool requestVt(unsigned vt)
{
    return requestVtOf(gConsole, vt);
}

bool kernelReaches(unsigned vt, std::chrono::milliseconds timeout)
{
    return waitForVtOf(gConsole, vt, timeout);
}

bool switchTo(unsigned vt, std::chrono::milliseconds timeout)
{
    if (!requestVt(vt))
        return false;
    if (kernelReaches(vt, timeout))
        return true;
    std::fprintf(stderr, "vt-daemon-test: VT %u requested, VT %u still active after %lld ms\n", vt, kernelVt(),
        static_cast<long long>(timeout.count()));
    return false;
}

void restoreOriginalVt()
{
    if (gConsole >= 0 && gVt.original != 0 && kernelVt() != gVt.original && !switchTo(gVt.original))
        std::fprintf(stderr, "vt-daemon-test: could not switch back to VT %u\n", gVt.original);
}

SwitchBlocker::SwitchBlocker(unsigned vt) : vt_(vt)
{
    if (kernelVt() != vt)
        return;
    // /dev/tty0 opened now stands for the foreground VT, i.e. `vt` (the kernel maps minor 0 to
    // fg_console at open time), so VT_SETMODE below applies to it without opening /dev/ttyN.
    fd_ = ::open("/dev/tty0", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd_ < 0)
        return;
    // The kernel sends relsig and waits for VT_RELDISP; an ignored signal is still "sent", so the
    // switch stays pending instead of the kernel resetting the VT to VT_AUTO.
    ::signal(SIGUSR2, SIG_IGN);
    vt_mode mode{};
    mode.mode = VT_PROCESS;
    mode.relsig = SIGUSR2;
    mode.acqsig = SIGUSR2;
    if (::ioctl(fd_, VT_SETMODE, &mode) < 0) {
        std::fprintf(stderr, "vt-daemon-test: VT_SETMODE VT_PROCESS: %s\n", std::strerror(errno));
        ::close(fd_);
        fd_ = -1;
    }
}

SwitchBlocker::~SwitchBlocker()
{
    if (fd_ < 0)
        return;
    ::ioctl(fd_, VT_RELDISP, 0); // drop a pending switch (EINVAL when none)
    vt_mode mode{};
    mode.mode = VT_AUTO;
    if (::ioctl(fd_, VT_SETMODE, &mode) < 0)
        std::fprintf(stderr, "vt-daemon-test: could not put VT %u back into VT_AUTO: %s\n", vt_, std::strerror(errno));
    ::close(fd_);
}

bool SwitchBlocker::release()
{
    return fd_ >= 0 && ::ioctl(fd_, VT_RELDISP, 1) == 0;
}

bool SwitchBlocker::refuse()
{
    return fd_ >= 0 && ::ioctl(fd_, VT_RELDISP, 0) == 0;
}

long procStatus(pid_t pid, const char* field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    const std::string prefix = std::string(field) + ":";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0)
            return std::stol(line.substr(prefix.size()));
    return -1;
}

// --- AsyncCall ---------------------------------------------------------------------------------

struct AsyncCall::State {
    AsyncCall* owner = nullptr;
};

AsyncCall::AsyncCall(GDBusConnection* connection, const std::string& path, const std::string& iface,
    const std::string& method, GVariant* params, int timeoutMs)
    : state_(std::make_shared<State>())
{
    state_->owner = this;
    GDBusMessage* msg
        = g_dbus_message_new_method_call("org.freedesktop.ConsoleKit", path.c_str(), iface.c_str(), method.c_str());
    if (params != nullptr)
        g_dbus_message_set_body(msg, params);
    sentAt_ = Clock::now();
    g_dbus_connection_send_message_with_reply(connection, msg, G_DBUS_SEND_MESSAGE_FLAGS_NONE, timeoutMs, &serial_,
        nullptr, &AsyncCall::onReply, new std::shared_ptr<State>(state_));
    g_object_unref(msg);
}

AsyncCall::~AsyncCall()
{
    state_->owner = nullptr;
}

void AsyncCall::onReply(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<std::shared_ptr<State>> holder(static_cast<std::shared_ptr<State>*>(data));
    GError* error = nullptr;
    GDBusMessage* reply = g_dbus_connection_send_message_with_reply_finish(G_DBUS_CONNECTION(source), result, &error);
    AsyncCall* self = (*holder)->owner;
    if (self == nullptr) {
        if (reply != nullptr)
            g_object_unref(reply);
        if (error != nullptr)
            g_error_free(error);
        return;
    }
    self->done_ = true;
    if (reply != nullptr && g_dbus_message_to_gerror(reply, &error) == FALSE) {
        GVariant* body = g_dbus_message_get_body(reply);
        self->reply_.value = body != nullptr ? g_variant_ref(body) : g_variant_new("()");
        g_variant_ref_sink(self->reply_.value);
    }
    if (reply != nullptr)
        g_object_unref(reply);
    if (error != nullptr)
        takeError(self->reply_, error);
}

bool AsyncCall::finish(std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!done_) {
        if (Clock::now() >= deadline)
            return false;
        g_main_context_iteration(nullptr, FALSE);
        if (!done_)
            std::this_thread::sleep_for(200us);
    }
    return true;
}

void spin(std::chrono::milliseconds d)
{
    const auto deadline = Clock::now() + d;
    while (Clock::now() < deadline) {
        while (g_main_context_iteration(nullptr, FALSE)) { }
        std::this_thread::sleep_for(1ms);
    }
}

// --- fixture -----------------------------------------------------------------------------------

void DaemonOnRealVt::SetUp()
{
    ASSERT_TRUE(kernelVt() == gVt.original || switchTo(gVt.original));
    ASSERT_TRUE(startDaemon());
}

bool DaemonOnRealVt::startDaemon()
{
    bus_ = std::make_unique<TestBus>();
    DaemonOptions o;
    o.vtWatch = GetParam();
    o.extraArgs = extraArgs();
    daemon_ = std::make_unique<Daemon>(*bus_, o);
    if (!daemon_->start()) {
        ADD_FAILURE() << "the daemon did not start: " << daemon_->stderrText();
        return false;
    }
    leader_ = std::make_unique<Client>(bus_->address());
    client_ = std::make_unique<Client>(bus_->address());
    log_ = std::make_unique<MessageLog>(
        client_->connection(), MessageLog::Options{.typedBodies = false, .iterateMainContext = true});
    started_ = true;
    return true;
}

bool waitUntilNoSessions(Client& observer, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (true) {
        Reply r = observer.manager("GetSessions");
        if (r.ok()) {
            GVariant* list = g_variant_get_child_value(r.value, 0);
            const gsize n = g_variant_n_children(list);
            g_variant_unref(list);
            if (n == 0)
                return true;
        }
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(2ms);
    }
}

void DaemonOnRealVt::TearDown()
{
    restoreOriginalVt();
    log_.reset();
    // The leader leaving closes its sessions; wait for that before stopping the daemon, which
    // would otherwise keep them (and their runtime directories) for a restart.
    leader_.reset();
    if (client_ && daemon_ && daemon_->running()) {
        EXPECT_TRUE(waitUntilNoSessions(*client_, 3s));
    }
    client_.reset();
    if (daemon_ && daemon_->running()) {
        const std::string text = daemon_->stderrText();
        EXPECT_EQ(daemon_->stop(), 0) << text;
        EXPECT_EQ(text.find("CRITICAL"), std::string::npos) << text;
    }
    daemon_.reset();
    bus_.reset();
}

GVariant* sessionParams(std::initializer_list<std::pair<const char*, GVariant*>> entries)
{
    return sessionParameters(entries);
}

DaemonOnRealVt::Opened DaemonOnRealVt::openSession(GVariant* params)
{
    OpenedSession o = openSessionWith(*leader_, params);
    EXPECT_TRUE(o.ok()) << o.error;
    return {o.cookie, o.path, o.id};
}

DaemonOnRealVt::Opened DaemonOnRealVt::openText(unsigned vt, uid_t user)
{
    return openSession(textSessionParameters("/dev/tty" + std::to_string(vt), user));
}

DaemonOnRealVt::Opened DaemonOnRealVt::openX(unsigned vt, const std::string& display, const std::string& displayDevice)
{
    return openSession(x11SessionParameters(display, "/dev/tty" + std::to_string(vt), displayDevice));
}

Reply DaemonOnRealVt::seatCall(const char* method, GVariant* params)
{
    return client_->call(kSeat1Path, kSeatIface, method, params);
}

Reply DaemonOnRealVt::sessionCall(const std::string& path, const char* method, GVariant* params)
{
    return client_->call(path, kSessionIface, method, params);
}

std::string DaemonOnRealVt::activeSession()
{
    Reply r = seatCall("GetActiveSession");
    if (!r.ok()) {
        EXPECT_EQ(r.errorName, errorName("Seat", "NoActiveSession")) << r.print();
        return {};
    }
    const gchar* p = nullptr;
    g_variant_get(r.value, "(&o)", &p);
    return p;
}

bool DaemonOnRealVt::isActive(const std::string& path)
{
    Reply r = sessionCall(path, "IsActive");
    EXPECT_TRUE(r.ok()) << r.print();
    gboolean b = FALSE;
    if (r.ok())
        g_variant_get(r.value, "(b)", &b);
    return b;
}

std::string DaemonOnRealVt::sessionState(const std::string& path)
{
    Reply r = sessionCall(path, "GetSessionState");
    EXPECT_TRUE(r.ok()) << r.print();
    const gchar* s = "";
    if (r.ok())
        g_variant_get(r.value, "(&s)", &s);
    return s;
}

bool DaemonOnRealVt::activeProperty(const std::string& path)
{
    Reply r = client_->getProperty(path, kSessionIface, "active");
    EXPECT_TRUE(r.ok()) << r.print();
    if (!r.ok())
        return false;
    GVariant* v = nullptr;
    g_variant_get(r.value, "(v)", &v);
    const bool b = g_variant_get_boolean(v);
    g_variant_unref(v);
    return b;
}

bool DaemonOnRealVt::waitActive(const std::string& path, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (activeSession() != path) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

std::string modeName(const ::testing::TestParamInfo<std::string>& info)
{
    return info.param;
}

long long micros(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

} // namespace ck::test
