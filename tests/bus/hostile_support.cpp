// Helpers of the hostile-caller tests.
#include "bus/hostile_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace ck::test {

unsigned privateDisplayNumber()
{
    return 5000 + static_cast<unsigned>(::getpid()) % 1000;
}

long rssKib(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:"))
            return std::atol(line.c_str() + 6);
    return 0;
}

LatencyProber::LatencyProber(const std::string& address) : address_(address)
{
    thread_ = std::thread([this] {
        GMainContext* context = g_main_context_new();
        g_main_context_push_thread_default(context);
        {
            Client root(address_);
            while (!stop_) {
                const auto start = std::chrono::steady_clock::now();
                Reply r = root.call(kManagerPath, kManagerIface, "GetSeats", nullptr, 5000);
                const auto ms
                    = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                          .count();
                ++calls_;
                if (!r.ok())
                    ++failures_;
                if (ms > worstMs_)
                    worstMs_ = ms;
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        g_main_context_pop_thread_default(context);
        g_main_context_unref(context);
    });
}

LatencyProber::~LatencyProber()
{
    stop();
}

std::chrono::milliseconds LatencyProber::stop()
{
    stop_ = true;
    if (thread_.joinable())
        thread_.join();
    return std::chrono::milliseconds(worstMs_.load());
}

FakeXServer::FakeXServer(bool abstract, const std::string& name, uid_t uid, const std::vector<std::string>& args)
{
    std::vector<std::string> argv;
    if (uid != 0)
        argv = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid), "--clear-groups"};
    argv.push_back(env("CK_BUILD_ROOT") + "/tests/bus/ck-fake-x-server");
    argv.push_back(abstract ? "abstract" : "path");
    argv.push_back(name);
    argv.insert(argv.end(), args.begin(), args.end());
    child_ = std::make_unique<Child>(argv);
    auto line = child_->readLine(std::chrono::seconds(10));
    ready_ = line && *line == "ready";
}

FakeProc::FakeProc()
{
    for (const char* entry : {"meminfo", "tty", "self", "thread-self", "stat", "uptime"})
        ::symlink((std::string("/proc/") + entry).c_str(), (path() + "/" + entry).c_str());
    // Every process that exists now shows through; later ones are mapped by the tests.
    DIR* d = ::opendir("/proc");
    while (d != nullptr) {
        dirent* e = ::readdir(d);
        if (e == nullptr)
            break;
        const std::string name = e->d_name;
        if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
            ::symlink(("/proc/" + name).c_str(), (path() + "/" + name).c_str());
    }
    if (d != nullptr)
        ::closedir(d);
}

void FakeProc::map(pid_t pid, pid_t target)
{
    unmap(pid);
    ::symlink(("/proc/" + std::to_string(target)).c_str(), (path() + "/" + std::to_string(pid)).c_str());
}

void FakeProc::unmap(pid_t pid)
{
    ::unlink((path() + "/" + std::to_string(pid)).c_str());
}

std::string shareAnAuditSession()
{
    auto read = [](const char* file) {
        std::ifstream in(file);
        std::string s;
        std::getline(in, s);
        return s;
    };
    std::string id = read("/proc/self/sessionid");
    if (!id.empty() && id != "4294967295")
        return id;
    // Setting the loginuid starts a new audit session (needs CAP_AUDIT_CONTROL, as login has).
    {
        std::ofstream out("/proc/self/loginuid");
        out << 0;
    }
    id = read("/proc/self/sessionid");
    return id == "4294967295" ? std::string() : id;
}

} // namespace ck::test
