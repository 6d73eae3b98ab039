// ck-memstat's samples: the rows, threads, mappings and per-name sums it prints, read from procfs.
#include "memstat/memstat_collect.h"

#include <algorithm>
#include <map>
#include <utility>

#include "procfs/proc_file.h"
#include "procfs/process_info.h"

namespace ck::memstat {

Result<Row> collectRow(const std::string& root, pid_t pid)
{
    auto status = procfs::readStatus(root, pid);
    if (!status)
        return std::move(status).error();
    auto start = procfs::ProcReader(root).startTime(pid);
    if (!start)
        return std::move(start).error();
    Row row;
    row.status = std::move(status).value();
    row.status.pid = pid;
    row.startTime = start.value();
    return row;
}

Result<std::vector<pid_t>> findTargets(const std::string& root, std::string_view name)
{
    auto pids = procfs::findProcessesByName(root, name);
    if (!pids)
        return pids;
    if (pids->empty())
        return Error{ErrorCode::Failed, "no process named " + std::string(name) + " is running"};
    return pids;
}

void markChanges(const std::vector<Row>& previous, std::vector<Row>& current)
{
    static constexpr long procfs::StatusMemory::*kCompared[] = {
        &procfs::StatusMemory::vmStk,
        &procfs::StatusMemory::vmData,
        &procfs::StatusMemory::vmSize,
        &procfs::StatusMemory::vmPeak,
        &procfs::StatusMemory::vmRSS,
        &procfs::StatusMemory::vmHWM,
        &procfs::StatusMemory::threads,
    };
    for (Row& row : current) {
        row.change.clear();
        const auto before = std::find_if(previous.begin(), previous.end(),
            [&](const Row& p) { return p.status.pid == row.status.pid && p.startTime == row.startTime; });
        if (before == previous.end())
            continue;
        bool grew = false, shrank = false;
        for (auto member : kCompared) {
            grew = grew || row.status.*member > before->status.*member;
            shrank = shrank || row.status.*member < before->status.*member;
        }
        if (grew)
            row.change += '+';
        if (shrank)
            row.change += '-';
    }
}

Result<std::vector<ThreadRow>> collectThreads(const std::string& root, pid_t pid)
{
    auto threads = procfs::readThreads(root, pid);
    if (!threads)
        return std::move(threads).error();
    std::vector<ThreadRow> rows;
    for (auto& t : *threads)
        rows.push_back(ThreadRow{pid, t.tid, static_cast<long>(threads->size()), std::move(t.comm)});
    return rows;
}

Result<MapsReport> collectMaps(const std::string& root, pid_t pid)
{
    auto status = procfs::readStatus(root, pid);
    if (!status)
        return std::move(status).error();
    auto mappings = procfs::readSmaps(root, pid);
    if (!mappings)
        return std::move(mappings).error();
    MapsReport report;
    report.pid = pid;
    report.name = status->name;
    for (const auto& m : *mappings) {
        report.size += std::max(m.size, 0L);
        report.rss += std::max(m.rss, 0L);
        report.pss += std::max(m.pss, 0L);
        report.dirty += std::max(m.dirty, 0L);
        report.swap += std::max(m.swap, 0L);
    }
    report.mappings = std::move(mappings).value();
    return report;
}

Result<SmapsRow> collectSmaps(const std::string& root, pid_t pid)
{
    auto status = procfs::readStatus(root, pid);
    if (!status)
        return std::move(status).error();
    auto totals = procfs::readSmapsRollup(root, pid);
    if (!totals)
        return std::move(totals).error();
    return SmapsRow{pid, status->name, *totals};
}

Result<std::vector<NameTotal>> sumRssByName(const std::string& root)
{
    auto pids = procfs::listPidEntries(root);
    if (!pids)
        return std::move(pids).error();
    std::map<std::string, NameTotal> byName;
    for (pid_t pid : *pids) {
        auto status = procfs::readStatus(root, pid);
        if (!status || status->vmRSS < 0)
            continue; // exited, unreadable, or a kernel thread
        NameTotal& total = byName[status->name];
        total.name = status->name;
        total.rss += status->vmRSS;
        ++total.processes;
    }
    std::vector<NameTotal> out;
    for (auto& [name, total] : byName)
        out.push_back(std::move(total));
    std::stable_sort(out.begin(), out.end(), [](const NameTotal& a, const NameTotal& b) { return a.rss > b.rss; });
    return out;
}

} // namespace ck::memstat
