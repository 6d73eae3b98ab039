// ck-memstat: memory and thread usage of console-kit-daemon (or any process) from /proc.
#include <getopt.h>
#include <time.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ck-config.h"
#include "memstat/memstat_collect.h"
#include "memstat/memstat_format.h"
#include "procfs/proc_file.h"

namespace {

using namespace ck::memstat;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

enum class Mode { Table, Threads, Maps, Smaps, ByName };

struct Options {
    Mode mode = Mode::Table;
    bool all = false;
    bool json = false;
    bool watch = false;
    double interval = 1.0;
    long count = 0; // 0: one sample, or forever with --watch
    std::string name{kDefaultProcessName};
    std::string root = "/proc";
    std::vector<pid_t> pids;
};

void printHelp()
{
    std::printf("Usage: ck-memstat [OPTION]... [PID]...\n"
                "Show memory use of console-kit-daemon (or of the given PIDs) from /proc.\n"
                "Sizes are in KiB.\n"
                "\n"
                "  -w, --watch SECONDS   print a new sample every SECONDS until interrupted;\n"
                "                        Chg shows + (grew), - (shrank) or +- (both) since the last one\n"
                "  -c, --count N         stop after N samples (default interval 1 s without --watch)\n"
                "  -t, --threads         list the threads of each process (PID LWP NLWP COMM)\n"
                "  -m, --maps            total the memory mappings (Size RSS PSS Dirty Swap)\n"
                "  -a, --all             with --maps: list every mapping, like pmap -x\n"
                "  -s, --smaps           what each process costs: RSS Pss Private_Dirty Swap\n"
                "                        (smaps_rollup; RSS counts shared library pages in full)\n"
                "  -b, --by-name         sum VmRSS per process name over all processes\n"
                "  -j, --json            print JSON instead of a table\n"
                "  -n, --name NAME       default target: processes named NAME (default %s)\n"
                "      --proc-root DIR   read DIR instead of /proc\n"
                "  -h, --help            show this help\n"
                "  -V, --version         show the version\n"
                "\n"
                "Exit status: 0 on success, 1 if a process could not be read, 2 on a usage error.\n",
        std::string(kDefaultProcessName).c_str());
}

[[noreturn]] void usageError(const std::string& message)
{
    std::fprintf(stderr, "ck-memstat: %s\nTry 'ck-memstat --help' for more information.\n", message.c_str());
    std::exit(kExitUsage);
}

void setMode(Options& o, Mode mode)
{
    if (o.mode != Mode::Table && o.mode != mode)
        usageError("--threads, --maps, --smaps and --by-name exclude each other");
    o.mode = mode;
}

Options parseOptions(int argc, char** argv)
{
    enum { kOptProcRoot = 1000 };
    static const option kLong[] = {
        {"watch", required_argument, nullptr, 'w'},
        {"count", required_argument, nullptr, 'c'},
        {"threads", no_argument, nullptr, 't'},
        {"maps", no_argument, nullptr, 'm'},
        {"smaps", no_argument, nullptr, 's'},
        {"all", no_argument, nullptr, 'a'},
        {"by-name", no_argument, nullptr, 'b'},
        {"json", no_argument, nullptr, 'j'},
        {"name", required_argument, nullptr, 'n'},
        {"proc-root", required_argument, nullptr, kOptProcRoot},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    Options o;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":w:c:tmsabjn:hV", kLong, nullptr)) != -1) {
        switch (c) {
        case 'w': {
            char* end = nullptr;
            errno = 0;
            o.interval = std::strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0' || !std::isfinite(o.interval) || o.interval <= 0
                || o.interval > 86400)
                usageError(std::string("invalid interval '") + optarg + "' (seconds, e.g. 2 or 0.5)");
            o.watch = true;
            break;
        }
        case 'c': {
            auto n = ck::procfs::parseNumber<long>(optarg);
            if (!n || *n <= 0)
                usageError(std::string("invalid count '") + optarg + "'");
            o.count = *n;
            break;
        }
        case 't':
            setMode(o, Mode::Threads);
            break;
        case 'm':
            setMode(o, Mode::Maps);
            break;
        case 's':
            setMode(o, Mode::Smaps);
            break;
        case 'b':
            setMode(o, Mode::ByName);
            break;
        case 'a':
            o.all = true;
            break;
        case 'j':
            o.json = true;
            break;
        case 'n':
            if (*optarg == '\0')
                usageError("empty process name");
            o.name = optarg;
            break;
        case kOptProcRoot:
            o.root = optarg;
            break;
        case 'h':
            printHelp();
            std::exit(0);
        case 'V':
            std::printf("ck-memstat %s\n", CK_VERSION);
            std::exit(0);
        case ':':
            usageError(std::string("option '") + argv[optind - 1] + "' needs an argument");
        default:
            usageError(std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    for (int i = optind; i < argc; ++i) {
        auto pid = ck::procfs::parseNumber<pid_t>(argv[i]);
        if (!pid || *pid <= 0)
            usageError(std::string("invalid PID '") + argv[i] + "'");
        o.pids.push_back(*pid);
    }
    if (o.all && o.mode != Mode::Maps)
        usageError("--all only goes with --maps");
    if (o.mode == Mode::ByName && !o.pids.empty())
        usageError("--by-name takes no PID");
    return o;
}

void reportError(const ck::Error& e)
{
    std::fprintf(stderr, "ck-memstat: %s\n", e.message.c_str());
}

// Runs one sample and prints it. Returns false when nothing could be printed at all.
class Sampler {
public:
    explicit Sampler(Options o) : o_(std::move(o)) { }

    bool failed() const { return failed_; }

    bool sample()
    {
        if (o_.mode == Mode::ByName) {
            auto totals = sumRssByName(o_.root);
            if (!totals) {
                fail(totals.error());
                return false;
            }
            print(o_.json ? formatByNameJson(*totals) : formatByName(*totals));
            return true;
        }
        std::vector<pid_t> pids = o_.pids;
        if (pids.empty()) {
            auto found = findTargets(o_.root, o_.name);
            if (!found) {
                fail(found.error());
                return false;
            }
            pids = std::move(found).value();
        }
        switch (o_.mode) {
        case Mode::Table:
            return sampleTable(pids);
        case Mode::Threads:
            return sampleThreads(pids);
        case Mode::Maps:
            return sampleMaps(pids);
        case Mode::Smaps:
            return sampleSmaps(pids);
        case Mode::ByName:
            break;
        }
        return false;
    }

private:
    void fail(const ck::Error& e)
    {
        reportError(e);
        failed_ = true;
    }

    // An explicit PID that cannot be read is reported once and dropped from later samples.
    void forget(pid_t pid) { std::erase(o_.pids, pid); }

    template <typename T, typename Collect> std::vector<T> collectAll(const std::vector<pid_t>& pids, Collect collect)
    {
        std::vector<T> out;
        for (pid_t pid : pids) {
            auto r = collect(o_.root, pid);
            if (!r) {
                fail(r.error());
                forget(pid);
                continue;
            }
            if constexpr (std::is_same_v<std::decay_t<decltype(r.value())>, std::vector<T>>)
                out.insert(out.end(), r->begin(), r->end());
            else
                out.push_back(std::move(r).value());
        }
        return out;
    }

    bool sampleTable(const std::vector<pid_t>& pids)
    {
        auto rows = collectAll<Row>(pids, collectRow);
        if (rows.empty())
            return false;
        markChanges(previous_, rows);
        print(o_.json ? formatTableJson(rows) : formatTable(rows));
        previous_ = std::move(rows);
        return true;
    }

    bool sampleThreads(const std::vector<pid_t>& pids)
    {
        auto rows = collectAll<ThreadRow>(pids, collectThreads);
        if (rows.empty())
            return false;
        print(o_.json ? formatThreadsJson(rows) : formatThreads(rows));
        return true;
    }

    bool sampleMaps(const std::vector<pid_t>& pids)
    {
        auto reports = collectAll<MapsReport>(pids, collectMaps);
        if (reports.empty())
            return false;
        print(o_.json ? formatMapsJson(reports, o_.all) : formatMaps(reports, o_.all));
        return true;
    }

    bool sampleSmaps(const std::vector<pid_t>& pids)
    {
        auto rows = collectAll<SmapsRow>(pids, collectSmaps);
        if (rows.empty())
            return false;
        print(o_.json ? formatSmapsJson(rows) : formatSmaps(rows));
        return true;
    }

    void print(const std::string& text)
    {
        // In watch mode text samples are separated by a blank line; JSON is one object per line.
        if (samples_++ > 0 && !o_.json)
            std::fputs("\n", stdout);
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    }

    Options o_;
    std::vector<Row> previous_;
    bool failed_ = false;
    long samples_ = 0;
};

void sleepSeconds(double seconds)
{
    timespec left{};
    left.tv_sec = static_cast<time_t>(seconds);
    left.tv_nsec = static_cast<long>((seconds - static_cast<double>(left.tv_sec)) * 1e9);
    while (nanosleep(&left, &left) != 0 && errno == EINTR) { }
}

} // namespace

int main(int argc, char** argv)
{
    const Options options = parseOptions(argc, argv);
    const long count = options.count > 0 ? options.count : (options.watch ? -1 : 1);
    Sampler sampler(options);
    for (long i = 0; count < 0 || i < count; ++i) {
        if (i > 0)
            sleepSeconds(options.interval);
        if (!sampler.sample())
            return kExitFailure;
    }
    return sampler.failed() ? kExitFailure : 0;
}
