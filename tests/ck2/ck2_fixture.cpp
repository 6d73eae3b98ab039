// Fixture implementation: the fake polkit, recording scripts.
#include "ck2/ck2_fixture.h"

#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace ck::test {

// --- FakePolkit ----------------------------------------------------------------------------------

FakePolkit::FakePolkit(const TestBus& bus) : bus_(bus)
{
    const std::string tmpl = env("CK_SOURCE_ROOT") + "/tests/ck2/fake_polkit.py";
    child_ = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/python3", "-m", "dbusmock", "--system", "--template", tmpl},
        std::map<std::string, std::string>{{"DBUS_SYSTEM_BUS_ADDRESS", bus.address()}});
    control_ = std::make_unique<Client>(bus.address());
    for (int i = 0; i < 1000 && child_->started(); ++i) {
        Reply r = control_->call("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
            g_variant_new("(s)", "org.freedesktop.PolicyKit1"));
        gboolean has = FALSE;
        if (r.ok())
            g_variant_get(r.value, "(b)", &has);
        if (has) {
            running_ = true;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

FakePolkit::~FakePolkit()
{
    control_.reset();
    child_.reset();
}

namespace {
Reply mockCall(Client& c, const std::string& method, GVariant* params)
{
    GError* error = nullptr;
    Reply r;
    r.value = g_dbus_connection_call_sync(c.connection(), "org.freedesktop.PolicyKit1",
        "/org/freedesktop/PolicyKit1/Authority", "org.freedesktop.DBus.Mock", method.c_str(), params, nullptr,
        G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &error);
    if (error != nullptr) {
        r.errorName = "(mock)";
        r.errorMessage = error->message;
        g_error_free(error);
    }
    return r;
}
} // namespace

void FakePolkit::setAnswer(const std::string& actionId, const std::string& answer)
{
    Reply r = mockCall(*control_, "SetAnswer", g_variant_new("(ss)", actionId.c_str(), answer.c_str()));
    EXPECT_TRUE(r.ok()) << r.print();
}

void FakePolkit::setDefault(const std::string& answer)
{
    Reply r = mockCall(*control_, "SetDefault", g_variant_new("(s)", answer.c_str()));
    EXPECT_TRUE(r.ok()) << r.print();
}

std::vector<FakePolkit::Check> FakePolkit::checks()
{
    std::vector<Check> out;
    Reply r = mockCall(*control_, "GetChecks", nullptr);
    EXPECT_TRUE(r.ok()) << r.print();
    if (!r.ok())
        return out;
    GVariantIter* iter = nullptr;
    g_variant_get(r.value, "(a(ssu))", &iter);
    const gchar *action = nullptr, *subject = nullptr;
    guint32 flags = 0;
    while (g_variant_iter_next(iter, "(&s&su)", &action, &subject, &flags))
        out.push_back({action, subject, flags});
    g_variant_iter_free(iter);
    return out;
}

void FakePolkit::clearChecks()
{
    Reply r = mockCall(*control_, "ClearChecks", nullptr);
    EXPECT_TRUE(r.ok()) << r.print();
}

// --- Ck2Test -------------------------------------------------------------------------------------

void Ck2Test::SetUp()
{
    const Ck2Setup s = setup();
    scripts_ = std::make_unique<TempDir>();
    machine_ = std::make_unique<TempDir>();
    for (const char* name :
        {"ck-system-stop", "ck-system-restart", "ck-system-suspend", "ck-system-hibernate", "ck-system-hybridsleep"}) {
        const std::string dir = scripts_->path();
        const std::string path = dir + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n"
                            << "# test double: records the call, never powers anything off\n"
                            << "echo \"" << name << " $*\" >> '" << dir << "/calls'\n"
                            << "if [ -f '" << dir << "/" << name << ".sleep' ]; then sleep \"$(cat '" << dir << "/"
                            << name << ".sleep')\"; fi\n"
                            << "echo \"" << name << " done\" >> '" << dir << "/calls'\n"
                            << "if [ -f '" << dir << "/" << name << ".exit' ]; then exit \"$(cat '" << dir << "/"
                            << name << ".exit')\"; fi\n"
                            << "exit 0\n";
        ::chmod(path.c_str(), 0755);
    }
    std::ofstream(machine_->path() + "/power-state") << s.powerState;
    DaemonTest::SetUp();
}

void Ck2Test::beforeDaemon()
{
    if (setup().polkit) {
        polkit_ = std::make_unique<FakePolkit>(*bus_);
        ASSERT_TRUE(polkit_->running()) << "the fake polkit (python3-dbusmock) did not start";
    }
}

DaemonOptions Ck2Test::options()
{
    const Ck2Setup s = setup();
    DaemonOptions o;
    o.vtWatch = s.vtWatch;
    o.extraArgs = {
        "--power-scripts-dir=" + scripts_->path(), "--sys-power-state=" + machine_->path() + "/power-state", "--debug"};
    if (s.meminfo) {
        ::mkdir((machine_->path() + "/proc").c_str(), 0755);
        std::ofstream(machine_->path() + "/proc/meminfo") << *s.meminfo;
        o.extraArgs.push_back("--proc-root=" + machine_->path() + "/proc");
    }
    for (const auto& a : s.extraArgs)
        o.extraArgs.push_back(a);
    return o;
}

void Ck2Test::TearDown()
{
    stopDaemon();
    polkit_.reset();
    bus_.reset();
}

std::vector<std::string> Ck2Test::scriptCalls() const
{
    std::vector<std::string> out;
    std::ifstream in(scripts_->path() + "/calls");
    for (std::string line; std::getline(in, line);)
        if (!line.ends_with(" done"))
            out.push_back(line.substr(0, line.find(' ')));
    return out;
}

bool Ck2Test::scriptDone(const std::string& name) const
{
    std::ifstream in(scripts_->path() + "/calls");
    for (std::string line; std::getline(in, line);)
        if (line == name + " done")
            return true;
    return false;
}

void Ck2Test::setScriptExit(const std::string& name, int status)
{
    std::ofstream(scripts_->path() + "/" + name + ".exit") << status << "\n";
}

void Ck2Test::setScriptSleep(const std::string& name, double seconds)
{
    std::ofstream(scripts_->path() + "/" + name + ".sleep") << seconds << "\n";
}

void Ck2Test::removeScript(const std::string& name)
{
    ::unlink((scripts_->path() + "/" + name).c_str());
}

std::string Ck2Test::openSession(Client& c, GVariant* params)
{
    OpenedSession o = openSessionWith(c, params);
    EXPECT_TRUE(o.ok()) << o.error;
    return o.path;
}

Ck2Test::Lock Ck2Test::inhibit(
    Client& c, const std::string& what, const std::string& who, const std::string& why, const std::string& mode)
{
    Lock lock;
    GUnixFDList* fds = nullptr;
    GError* error = nullptr;
    GVariant* r
        = g_dbus_connection_call_with_unix_fd_list_sync(c.connection(), "org.freedesktop.ConsoleKit", kManagerPath,
            kManagerIface, "Inhibit", g_variant_new("(ssss)", what.c_str(), who.c_str(), why.c_str(), mode.c_str()),
            G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, nullptr, &fds, nullptr, &error);
    if (r == nullptr) {
        Reply failed;
        takeError(failed, error);
        lock.errorName = failed.errorName;
        lock.errorMessage = failed.errorMessage;
        return lock;
    }
    gint32 index = -1;
    g_variant_get(r, "(h)", &index);
    g_variant_unref(r);
    if (fds != nullptr) {
        lock.fd = g_unix_fd_list_get(fds, index, nullptr); // a dup: ours to close
        g_object_unref(fds);
    }
    return lock;
}

std::string Ck2Test::str(const Reply& r)
{
    if (!r.ok() || !g_variant_is_of_type(r.value, G_VARIANT_TYPE("(s)")))
        return r.print();
    const gchar* s = nullptr;
    g_variant_get(r.value, "(&s)", &s);
    return s;
}

bool Ck2Test::boolean(const Reply& r)
{
    gboolean b = FALSE;
    if (r.ok() && g_variant_is_of_type(r.value, G_VARIANT_TYPE("(b)")))
        g_variant_get(r.value, "(b)", &b);
    return b;
}

size_t Ck2Test::countSignals(const Client& c, const std::string& name, const std::string& args) const
{
    size_t n = 0;
    for (const auto& s : c.signals)
        if (s.name == name && (args.empty() || s.args == args))
            ++n;
    return n;
}

// --- AsyncCall -----------------------------------------------------------------------------------

AsyncCall::~AsyncCall()
{
    if (self_)
        *self_ = nullptr;
}

void AsyncCall::start(Client& c, const std::string& method, GVariant* params)
{
    sent = std::chrono::steady_clock::now();
    self_ = std::make_shared<AsyncCall*>(this);
    g_dbus_connection_call(
        c.connection(), "org.freedesktop.ConsoleKit", kManagerPath, kManagerIface, method.c_str(), params, nullptr,
        G_DBUS_CALL_FLAGS_NONE, 30000, nullptr,
        [](GObject* source, GAsyncResult* result, gpointer data) {
            std::unique_ptr<std::shared_ptr<AsyncCall*>> holder(static_cast<std::shared_ptr<AsyncCall*>*>(data));
            GError* error = nullptr;
            GVariant* value = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
            AsyncCall* self = **holder;
            if (self == nullptr) {
                if (value != nullptr)
                    g_variant_unref(value);
                if (error != nullptr)
                    g_error_free(error);
                return;
            }
            self->reply.value = value;
            if (error != nullptr)
                takeError(self->reply, error);
            self->answered = std::chrono::steady_clock::now();
            self->finished = true;
        },
        new std::shared_ptr<AsyncCall*>(self_));
}

} // namespace ck::test
