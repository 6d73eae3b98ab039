// Helpers for the src/power unit tests: a scratch directory, main-loop iteration, sessions.
#pragma once

#include <glib.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "core/manager.h"

namespace ck::power::test {

class ScratchDir {
public:
    ScratchDir()
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ck-power-test.XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            std::abort();
        path_ = tmpl;
    }
    ~ScratchDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Iterates the default main context until pred() holds or the timeout passes.
inline bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(3))
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        if (!g_main_context_iteration(nullptr, FALSE))
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Runs the loop for a while (to show that something does NOT happen).
inline void runFor(std::chrono::milliseconds duration)
{
    runUntil([] { return false; }, duration);
}

// Dispatches everything that is ready now (fd events the kernel has already raised), without
// waiting: a negative check on an fd event needs no fixed sleep.
inline void runPending()
{
    for (int i = 0; i < 1000 && g_main_context_pending(nullptr); ++i) // bounded: a source may stay ready
        g_main_context_iteration(nullptr, FALSE);
}

inline core::Session& openSession(core::Manager& manager, uid_t uid, core::SessionParams params = {})
{
    static pid_t nextPid = 5000;
    params.unixUser = uid;
    core::Leader leader{uid, nextPid, ":1." + std::to_string(nextPid), 0};
    ++nextPid;
    auto r = manager.openSession(std::move(params), std::move(leader));
    EXPECT_TRUE(r.ok());
    return *r.value();
}

} // namespace ck::power::test
