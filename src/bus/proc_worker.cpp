// ProcWorker: /proc reads for method calls on worker threads, answered on the main loop.
#include "bus/proc_worker.h"

#include <cassert>

namespace ck::bus {

// Shared by the main thread and one worker thread: `work` and `abandoned` are the worker's side,
// everything else belongs to the main thread, so that the answer (which holds the D-Bus call) is
// only ever run or destroyed there.
struct ProcWorker::Job {
    ProcWorker* owner = nullptr; // valid while `finish` is set (the destructor clears it)
    std::string what;
    std::function<void()> work;
    Finish finish;
    std::atomic<bool> abandoned{false}; // timed out or dropped: the worker need not start it
    GSource* timer = nullptr;
    GMainContext* context = nullptr; // referenced: the worker posts the completion to it

    ~Job()
    {
        if (timer != nullptr) {
            g_source_destroy(timer);
            g_source_unref(timer);
        }
        if (context != nullptr)
            g_main_context_unref(context);
    }
};

namespace {
template <typename J> void deleteRef(gpointer data)
{
    delete static_cast<J*>(data);
}
} // namespace

ProcWorker::ProcWorker(std::chrono::milliseconds deadline)
    : deadline_(deadline), context_(g_main_context_ref_thread_default())
{
    // Non-exclusive: GLib's shared threads are used and kept only while there is work.
    pool_ = g_thread_pool_new(&ProcWorker::runJob, nullptr, static_cast<gint>(kThreads), FALSE, nullptr);
}

ProcWorker::~ProcWorker()
{
    for (const auto& job : pending_) {
        job->abandoned = true;
        job->finish = nullptr; // answers the call "abandoned", here on the main thread
        job->owner = nullptr;
        if (job->timer != nullptr) {
            g_source_destroy(job->timer);
            g_source_unref(std::exchange(job->timer, nullptr));
        }
    }
    pending_.clear();
    // Neither immediate nor waiting: queued jobs are skipped (abandoned) and a thread blocked
    // in a read is left behind; the pool frees itself when its last thread is done.
    g_thread_pool_free(pool_, FALSE, FALSE);
    g_main_context_unref(context_);
}

void ProcWorker::submit(const std::string& what, std::function<void()> work, Finish finish)
{
    auto job = std::make_shared<Job>();
    job->owner = this;
    job->what = what;
    job->work = std::move(work);
    job->finish = std::move(finish);
    job->context = g_main_context_ref(context_);
    job->timer = g_timeout_source_new(static_cast<guint>(deadline_.count()));
    g_source_set_callback(
        job->timer, &ProcWorker::onDeadline, new std::weak_ptr<Job>(job), &deleteRef<std::weak_ptr<Job>>);
    g_source_attach(job->timer, context_);
    pending_.insert(job);
    g_thread_pool_push(pool_, new std::shared_ptr<Job>(job), nullptr);
}

void ProcWorker::runJob(gpointer data, gpointer)
{
    auto* ref = static_cast<std::shared_ptr<Job>*>(data);
    Job& job = **ref;
    if (!job.abandoned)
        job.work(); // may block for good: nothing below runs then, and nothing waits for it
    job.work = nullptr; // its captures are plain copies: fine to destroy here
    // The completion holds the job until the main loop has seen it (or the context is freed).
    // Always a source of its own: g_main_context_invoke() would run it right here, on this
    // thread, whenever no thread owns the context at that moment (a daemon between loop runs).
    GSource* source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, &ProcWorker::onDone, ref, &deleteRef<std::shared_ptr<Job>>);
    g_source_attach(source, job.context);
    g_source_unref(source);
}

gboolean ProcWorker::onDone(gpointer data)
{
    const auto& job = *static_cast<std::shared_ptr<Job>*>(data);
    if (job->finish) // else it timed out or its worker is gone
        job->owner->complete(job, std::nullopt);
    return G_SOURCE_REMOVE;
}

gboolean ProcWorker::onDeadline(gpointer data)
{
    auto job = static_cast<std::weak_ptr<Job>*>(data)->lock();
    if (job && job->finish) {
        g_source_unref(std::exchange(job->timer, nullptr)); // it removes itself by returning REMOVE
        job->abandoned = true;
        job->owner->complete(job,
            Error{ErrorCode::Busy,
                job->what + " did not finish within " + std::to_string(job->owner->deadline_.count())
                    + " ms; giving up (the process may be stopped or its memory on a hung file system)"});
    }
    return G_SOURCE_REMOVE;
}

void ProcWorker::complete(const std::shared_ptr<Job>& job, std::optional<Error> timedOut)
{
    assert(job->finish);
    if (job->timer != nullptr) {
        g_source_destroy(job->timer);
        g_source_unref(std::exchange(job->timer, nullptr));
    }
    Finish finish = std::exchange(job->finish, nullptr);
    job->owner = nullptr;
    pending_.erase(job); // `job` is a reference held by the caller: still valid below
    finish(std::move(timedOut));
}

} // namespace ck::bus
