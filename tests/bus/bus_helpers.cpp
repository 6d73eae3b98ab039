// Bus test helpers: peer process, process with an environment, message log, reply checks.
#include "bus/bus_helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ck::test {

namespace {
// argv/envp storage that outlives fork(): the child only calls async-signal-safe functions.
struct CStrings {
    std::vector<std::string> strings;
    std::vector<char*> pointers;
    explicit CStrings(std::vector<std::string> s) : strings(std::move(s))
    {
        for (auto& x : strings)
            pointers.push_back(x.data());
        pointers.push_back(nullptr);
    }
    char** get() { return pointers.data(); }
};

std::vector<std::string> environmentOf(const std::map<std::string, std::string>& env)
{
    std::map<std::string, std::string> all = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}};
    for (const auto& [k, v] : env)
        all[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : all)
        out.push_back(k + "=" + v);
    return out;
}

int reap(pid_t pid, std::chrono::milliseconds grace)
{
    const auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) { }
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
} // namespace

::testing::AssertionResult isReply(const Reply& reply, const char* type, const std::string& printed)
{
    if (!reply.ok())
        return ::testing::AssertionFailure() << "expected " << printed << ", got " << reply.print();
    const std::string actualType = g_variant_get_type_string(reply.value);
    if (actualType != type)
        return ::testing::AssertionFailure()
            << "expected type " << type << ", got " << actualType << ": " << reply.print();
    if (reply.print() != printed)
        return ::testing::AssertionFailure() << "expected " << printed << ", got " << reply.print();
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult isError(const Reply& reply, const std::string& name, const std::string& messagePart)
{
    if (reply.ok())
        return ::testing::AssertionFailure() << "expected error " << name << ", got reply " << reply.print();
    if (reply.errorName != name)
        return ::testing::AssertionFailure() << "expected error " << name << ", got " << reply.print();
    if (reply.errorMessage.find(messagePart) == std::string::npos)
        return ::testing::AssertionFailure()
            << "expected a message containing \"" << messagePart << "\", got " << reply.print();
    return ::testing::AssertionSuccess();
}

// --- Peer --------------------------------------------------------------------------------------

Peer::Peer(const std::string& address, uid_t uid, const std::map<std::string, std::string>& extraEnv)
{
    ::signal(SIGPIPE, SIG_IGN); // a peer that died must fail a test, not kill the binary
    const std::string peer = ck::test::env("CK_BUILD_ROOT") + "/tests/bus/ck-bus-peer";
    std::vector<std::string> args;
    if (uid != 0)
        args = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups"};
    args.push_back(peer);
    args.push_back(address);
    CStrings argv(args);
    CStrings envp(environmentOf(extraEnv));
    int toChild[2], fromChild[2];
    if (::pipe2(toChild, O_CLOEXEC) != 0 || ::pipe2(fromChild, O_CLOEXEC) != 0)
        return;
    pid_ = ::fork();
    if (pid_ == 0) {
        ::setsid(); // no controlling terminal: OpenSession collects no display-device
        ::dup2(toChild[0], 0);
        ::dup2(fromChild[1], 1);
        ::execvpe(argv.get()[0], argv.get(), envp.get());
        ::_exit(127);
    }
    ::close(toChild[0]);
    ::close(fromChild[1]);
    in_ = toChild[1];
    out_ = fromChild[0];
    const std::string first = readLine();
    if (first.starts_with("ready "))
        uniqueName_ = first.substr(6);
    else
        ADD_FAILURE() << "ck-bus-peer did not start: " << first;
}

Peer::~Peer()
{
    quit();
}

std::string Peer::readLine()
{
    bool closed = false;
    if (auto line = ck::test::readLine(out_, buffer_, std::chrono::seconds(15), &closed))
        return *line;
    return closed ? "ERROR (peer): it exited" : "ERROR (peer): no answer";
}

std::string Peer::call(const std::string& path, const std::string& ifaceDotMethod, const std::string& args)
{
    if (in_ < 0)
        return "ERROR (peer): not running";
    const std::string line = path + " " + ifaceDotMethod + " " + args + "\n";
    if (::write(in_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        return "ERROR (peer): cannot write";
    return readLine();
}

std::string Peer::manager(const std::string& method, const std::string& args)
{
    return call(kManagerPath, std::string(kManagerIface) + "." + method, args);
}

std::string Peer::cookieOf(const std::string& replyLine)
{
    // "('0123abcd…',)"
    if (!replyLine.starts_with("('") || !replyLine.ends_with("',)"))
        return {};
    return replyLine.substr(2, replyLine.size() - 5);
}

int Peer::quit()
{
    if (pid_ <= 0)
        return -1;
    ::close(in_);
    in_ = -1;
    const int status = reap(pid_, std::chrono::seconds(5));
    ::close(out_);
    out_ = -1;
    pid_ = -1;
    return status;
}

// --- ProcessWithEnvironment --------------------------------------------------------------------

ProcessWithEnvironment::ProcessWithEnvironment(const std::map<std::string, std::string>& environment)
{
    CStrings argv({"sleep", "30"});
    std::vector<std::string> vars;
    for (const auto& [k, v] : environment)
        vars.push_back(k + "=" + v);
    CStrings envp(vars);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return;
    pid_ = ::fork();
    if (pid_ == 0) {
        ::execve("/bin/sleep", argv.get(), envp.get());
        const int e = errno;
        (void)!::write(fds[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(fds[1]);
    // The pipe closes on exec (O_CLOEXEC): from then on /proc/PID/environ is the new one.
    int e = 0;
    ssize_t n;
    while ((n = ::read(fds[0], &e, sizeof e)) < 0 && errno == EINTR) { }
    ::close(fds[0]);
    if (n > 0)
        ADD_FAILURE() << "cannot exec /bin/sleep: " << std::strerror(e);
}

ProcessWithEnvironment::~ProcessWithEnvironment()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        reap(pid_, std::chrono::seconds(5));
    }
}

// --- Introspection -----------------------------------------------------------------------------

Introspection::Introspection(const Reply& reply)
{
    const std::string xml = firstString(reply);
    if (xml.empty())
        return;
    info = g_dbus_node_info_new_for_xml(xml.c_str(), nullptr);
    if (info == nullptr)
        return;
    for (GDBusInterfaceInfo** i = info->interfaces; i != nullptr && *i != nullptr; ++i)
        interfaces.emplace_back((*i)->name);
    for (GDBusNodeInfo** n = info->nodes; n != nullptr && *n != nullptr; ++n)
        nodes.emplace_back((*n)->path);
}

Introspection::~Introspection()
{
    if (info != nullptr)
        g_dbus_node_info_unref(info);
}

} // namespace ck::test
