// Test helpers that wait for a condition: by polling, or by iterating the default GLib main context.
#pragma once

#include <glib.h>

#include <chrono>
#include <functional>
#include <thread>

namespace ck::vt::test {

inline bool eventually(
    const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000))
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// Iterates the default main context until pred() holds or the timeout passes.
inline bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const guint tick = g_timeout_add(
        1, [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr);
    bool ok = true;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ok = false;
            break;
        }
        g_main_context_iteration(nullptr, TRUE);
    }
    g_source_remove(tick);
    return ok;
}

inline void runFor(std::chrono::milliseconds d)
{
    runUntil([] { return false; }, d);
}

} // namespace ck::vt::test
