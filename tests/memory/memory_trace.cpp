// MemoryTrace implementation: one sampler thread, a mutex-protected sample list, and writers.
#include "memory/memory_trace.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "memory/svg_chart.h"

namespace ck::memtest {

MemoryTrace::MemoryTrace(std::string scenario, std::chrono::milliseconds period, std::string procRoot)
    : scenario_(std::move(scenario)),
      period_(period),
      procRoot_(std::move(procRoot)),
      start_(std::chrono::steady_clock::now())
{
    thread_ = std::thread([this] { run(); });
}

MemoryTrace::~MemoryTrace()
{
    stop_ = true;
    thread_.join();
}

void MemoryTrace::follow(pid_t pid)
{
    pid_ = pid;
}

double MemoryTrace::now() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void MemoryTrace::record(Sample s)
{
    std::lock_guard lock(mutex_);
    // Keep time order although the sampler and a checkpoint may race for the same instant.
    auto pos = std::upper_bound(
        samples_.begin(), samples_.end(), s.seconds, [](double t, const Sample& x) { return t < x.seconds; });
    samples_.insert(pos, std::move(s));
}

void MemoryTrace::run()
{
    while (!stop_) {
        const pid_t pid = pid_;
        if (pid > 0) {
            const double t = now();
            // A read fails once the daemon has exited: that sample is simply not taken.
            if (auto st = procfs::readStatus(procRoot_, pid); st && st->vmSize >= 0)
                record(withSmaps({t, "", std::move(st).value()}));
        }
        std::this_thread::sleep_for(period_);
    }
}

Sample MemoryTrace::withSmaps(Sample s) const
{
    if (auto r = procfs::readSmapsRollup(procRoot_, s.status.pid); r) {
        s.pss = r->pss;
        s.privateDirty = r->privateDirty;
    }
    return s;
}

Result<Sample> MemoryTrace::checkpointSample(const std::string& name)
{
    const pid_t pid = pid_;
    if (pid <= 0)
        return Error{ErrorCode::Failed, "checkpoint " + name + ": no process followed"};
    const double t = now();
    auto st = procfs::readStatus(procRoot_, pid);
    if (!st)
        return Error{ErrorCode::Failed, "checkpoint " + name + ": " + st.error().message};
    Sample s = withSmaps({t, name, *st});
    if (s.pss < 0 || s.privateDirty < 0)
        return Error{ErrorCode::Failed, "checkpoint " + name + ": no Pss or Private_Dirty in smaps_rollup"};
    record(s);
    return s;
}

Result<procfs::StatusMemory> MemoryTrace::checkpoint(const std::string& name)
{
    auto s = checkpointSample(name);
    if (!s)
        return s.error();
    return s->status;
}

std::vector<Sample> MemoryTrace::samples() const
{
    std::lock_guard lock(mutex_);
    return samples_;
}

std::vector<Sample> MemoryTrace::checkpoints() const
{
    std::vector<Sample> out;
    std::lock_guard lock(mutex_);
    for (const auto& s : samples_)
        if (!s.checkpoint.empty())
            out.push_back(s);
    return out;
}

long MemoryTrace::maxThreads(double since) const
{
    long m = -1;
    std::lock_guard lock(mutex_);
    for (const auto& s : samples_)
        if (s.seconds >= since)
            m = std::max(m, s.status.threads);
    return m;
}

long MemoryTrace::maxVmSize(double since) const
{
    long m = -1;
    std::lock_guard lock(mutex_);
    for (const auto& s : samples_)
        if (s.seconds >= since)
            m = std::max(m, s.status.vmSize);
    return m;
}

std::string MemoryTrace::table() const
{
    std::ostringstream o;
    char line[256];
    std::snprintf(line, sizeof line, "%-28s %8s %9s %9s %9s %9s %9s %9s %7s %7s\n", "checkpoint", "t(s)", "VmSize",
        "VmRSS", "Pss", "PrivDirty", "VmHWM", "VmData", "VmStk", "Threads");
    o << "memory scenario '" << scenario_ << "' (sizes in KiB)\n" << line;
    for (const auto& s : checkpoints()) {
        const auto& m = s.status;
        std::snprintf(line, sizeof line, "%-28s %8.2f %9ld %9ld %9ld %9ld %9ld %9ld %7ld %7ld\n", s.checkpoint.c_str(),
            s.seconds, m.vmSize, m.vmRSS, s.pss, s.privateDirty, m.vmHWM, m.vmData, m.vmStk, m.threads);
        o << line;
    }
    return o.str();
}

std::string MemoryTrace::csv() const
{
    std::ostringstream o;
    o << "seconds,checkpoint,pid,VmSize_kB,VmRSS_kB,Pss_kB,Private_Dirty_kB,VmHWM_kB,VmData_kB,VmStk_kB,Threads\n";
    char line[256];
    for (const auto& s : samples()) {
        const auto& m = s.status;
        // Checkpoint names are ours (no commas or quotes); quote them anyway for CSV readers.
        std::snprintf(line, sizeof line, "%.3f,\"%s\",%d,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld\n", s.seconds,
            s.checkpoint.c_str(), static_cast<int>(m.pid), m.vmSize, m.vmRSS, s.pss, s.privateDirty, m.vmHWM, m.vmData,
            m.vmStk, m.threads);
        o << line;
    }
    return o.str();
}

std::string MemoryTrace::svg() const
{
    Chart c;
    c.title = "console-kit-daemon memory: " + scenario_;
    c.xLabel = "seconds";
    c.leftLabel = "MiB";
    c.rightLabel = "threads";
    ChartSeries rss{"VmRSS", "#d62728", {}, false};
    ChartSeries size{"VmSize", "#1f77b4", {}, false};
    ChartSeries pss{"Pss", "#9467bd", {}, false};
    ChartSeries dirty{"Private_Dirty", "#ff7f0e", {}, false};
    ChartSeries threads{"Threads", "#2ca02c", {}, true};
    for (const auto& s : samples()) {
        c.x.push_back(s.seconds);
        rss.values.push_back(static_cast<double>(s.status.vmRSS) / 1024.0);
        pss.values.push_back(static_cast<double>(std::max(s.pss, 0L)) / 1024.0);
        dirty.values.push_back(static_cast<double>(std::max(s.privateDirty, 0L)) / 1024.0);
        size.values.push_back(static_cast<double>(s.status.vmSize) / 1024.0);
        threads.values.push_back(static_cast<double>(s.status.threads));
        if (!s.checkpoint.empty())
            c.markers.push_back({s.seconds, s.checkpoint});
    }
    c.series = {size, rss, pss, dirty, threads};
    return renderSvg(c);
}

Result<void> MemoryTrace::writeArtifacts(const std::string& dir) const
{
    std::fputs(table().c_str(), stdout);
    std::fflush(stdout);
    for (const auto& [ext, text] : {std::pair<const char*, std::string>{".csv", csv()}, {".svg", svg()}}) {
        const std::string path = dir + "/" + scenario_ + ext;
        std::ofstream out(path, std::ios::trunc);
        out << text;
        out.close();
        if (!out)
            return Error{ErrorCode::Failed, "cannot write " + path};
        std::printf("wrote %s\n", path.c_str());
    }
    return {};
}

std::string artifactDir()
{
    const char* d = std::getenv("CK_MEMORY_OUT");
    return d != nullptr && *d != '\0' ? d : ".";
}

} // namespace ck::memtest
