// ProcWorker: reads of /proc/PID/* for method calls on a few worker threads, with a deadline.
//
// Why (issue 18.1): a read of /proc/PID/environ or cmdline can sleep for as long as somebody
// else likes: the process's memory on a hung FUSE file system, its mm lock held, a --proc-root
// on such a file system. On the main thread that froze every caller, root's included. Now such a
// read runs on a worker thread and the method call is answered from its completion; when the
// deadline passes first the call is refused with Manager.Error.Busy and the late result dropped.
//
// Limits, on purpose: at most kThreads reads run at once. A read that never returns keeps its
// thread (a thread blocked in the kernel cannot be cancelled); once all are stuck, later reads
// queue and are refused at their deadline, while every call that reads no /proc keeps being
// served. Threads are never joined: destroying the worker drops the pending answers (their
// calls are answered "abandoned"), and a thread still blocked is detached; the process's exit
// ends it (a read sleeping uninterruptibly in FUSE ends when that file system's server does).
#pragma once

#include <gio/gio.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "util/result.h"

namespace ck::bus {

class ProcWorker {
public:
    static constexpr unsigned kThreads = 4;

    explicit ProcWorker(std::chrono::milliseconds deadline);
    ~ProcWorker();
    ProcWorker(const ProcWorker&) = delete;
    ProcWorker& operator=(const ProcWorker&) = delete;

    std::chrono::milliseconds deadline() const { return deadline_; }

    // Runs `work` on a worker thread, then `done` with its result on the main context of the
    // thread that called run(). `work` must use only what it owns (copies, no main-thread
    // object). Past the deadline `done` gets Busy ("<what> did not finish within N ms") at once.
    // `done` runs at most once, never after the worker is destroyed (it is destroyed instead,
    // on the main thread).
    template <typename T>
    void run(const std::string& what, std::function<Result<T>()> work, std::function<void(Result<T>)> done)
    {
        auto slot = std::make_shared<std::optional<Result<T>>>();
        submit(
            what, [work = std::move(work), slot] { slot->emplace(work()); },
            [done = std::move(done), slot](std::optional<Error> timedOut) {
                if (timedOut)
                    done(Result<T>(std::move(*timedOut)));
                else
                    done(std::move(**slot));
            });
    }

private:
    struct Job;
    using Finish = std::function<void(std::optional<Error>)>;

    void submit(const std::string& what, std::function<void()> work, Finish finish);
    void complete(const std::shared_ptr<Job>& job, std::optional<Error> timedOut);
    static void runJob(gpointer data, gpointer unused);
    static gboolean onDone(gpointer data);
    static gboolean onDeadline(gpointer data);

    std::chrono::milliseconds deadline_;
    GThreadPool* pool_ = nullptr;
    GMainContext* context_ = nullptr;
    std::unordered_set<std::shared_ptr<Job>> pending_; // main thread only
};

} // namespace ck::bus
