// ProcWorker: results come back on the main context, work past its deadline is refused with Busy
// and its late result dropped, and destroying the worker drops pending answers at once, without
// waiting for a job that is stuck.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "bus/proc_worker.h"

namespace ck::bus {
namespace {

using namespace std::chrono_literals;

// Iterates the default main context until pred holds or timeout passes.
template <typename Pred> bool spinUntil(Pred pred, std::chrono::milliseconds timeout = 3000ms)
{
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!pred() && std::chrono::steady_clock::now() < end)
        g_main_context_iteration(nullptr, FALSE), std::this_thread::sleep_for(1ms);
    return pred();
}

TEST(AProcWorker, DeliversTheResultOfItsWorkOnTheMainContext)
{
    ProcWorker worker(1000ms);
    const auto mainThread = std::this_thread::get_id();
    std::thread::id workThread, doneThread;
    std::optional<Result<int>> got;
    worker.run<int>(
        "sum",
        [&] {
            workThread = std::this_thread::get_id();
            return Result<int>(42);
        },
        [&](Result<int> r) {
            doneThread = std::this_thread::get_id();
            got.emplace(std::move(r));
        });
    ASSERT_TRUE(spinUntil([&] { return got.has_value(); }));
    ASSERT_TRUE(*got);
    EXPECT_EQ(got->value(), 42);
    EXPECT_NE(workThread, mainThread);
    EXPECT_EQ(doneThread, mainThread);
}

TEST(AProcWorker, PassesAnErrorOfItsWorkThrough)
{
    ProcWorker worker(1000ms);
    std::optional<Result<int>> got;
    worker.run<int>(
        "fail",
        [] {
            return Result<int>(Error{ErrorCode::InsufficientPermission, "not yours"});
        },
        [&](Result<int> r) { got.emplace(std::move(r)); });
    ASSERT_TRUE(spinUntil([&] { return got.has_value(); }));
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error().code, ErrorCode::InsufficientPermission);
}

TEST(AProcWorker, RefusesWorkPastItsDeadlineWithBusyAndDropsTheLateResult)
{
    ProcWorker worker(100ms);
    std::promise<void> release;
    auto released = release.get_future().share();
    int calls = 0;
    std::optional<Result<int>> got;
    const auto start = std::chrono::steady_clock::now();
    worker.run<int>(
        "Reading /proc/1",
        [released] {
            released.wait();
            return Result<int>(1);
        },
        [&](Result<int> r) {
            ++calls;
            got.emplace(std::move(r));
        });
    ASSERT_TRUE(spinUntil([&] { return got.has_value(); }));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error().code, ErrorCode::Busy);
    EXPECT_NE(got->error().message.find("Reading /proc/1 did not finish within 100 ms"), std::string::npos)
        << got->error().message;
    release.set_value();
    spinUntil([] { return false; }, 200ms); // the late completion arrives and is dropped
    EXPECT_EQ(calls, 1);
}

TEST(AProcWorker, DropsPendingAnswersWhenDestroyedWithoutWaitingForAStuckJob)
{
    std::promise<void> release;
    auto released = release.get_future().share();
    auto sentinel = std::make_shared<int>(0); // held by the answer: freed when it is dropped
    std::weak_ptr<int> watch = sentinel;
    bool answered = false;
    auto worker = std::make_unique<ProcWorker>(10000ms);
    worker->run<int>(
        "stuck",
        [released] {
            released.wait();
            return Result<int>(1);
        },
        [&answered, s = std::move(sentinel)](Result<int>) { answered = true; });
    std::this_thread::sleep_for(50ms); // the job is running and stuck now
    const auto start = std::chrono::steady_clock::now();
    worker.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "the destructor waited for the stuck job";
    EXPECT_TRUE(watch.expired()) << "the pending answer was not dropped";
    release.set_value();
    spinUntil([] { return false; }, 200ms); // the late completion finds nobody and does nothing
    EXPECT_FALSE(answered);
}

} // namespace
} // namespace ck::bus
