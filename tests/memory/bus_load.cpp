// Bus load implementation: a bounded window of g_dbus_connection_call()s on one main context.
#include "memory/bus_load.h"

#include <memory>
#include <thread>

namespace ck::memtest {

namespace {
constexpr const char* kBusName = "org.freedesktop.ConsoleKit";

struct Batch {
    GDBusConnection* connection = nullptr;
    const std::function<CallSpec(std::size_t)>* make = nullptr;
    std::vector<test::Reply> replies;
    std::size_t count = 0;
    std::size_t sent = 0;
    std::size_t done = 0;
    int timeoutMs = 0;
};

struct Pending {
    Batch* batch;
    std::size_t index;
};

void sendNext(Batch& b);

void onReply(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Pending> p(static_cast<Pending*>(data));
    GError* error = nullptr;
    test::Reply& r = p->batch->replies[p->index];
    r.value = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
    if (error != nullptr)
        test::takeError(r, error);
    ++p->batch->done;
    sendNext(*p->batch);
}

void sendNext(Batch& b)
{
    if (b.sent >= b.count)
        return;
    const std::size_t i = b.sent++;
    CallSpec spec = (*b.make)(i);
    g_dbus_connection_call(b.connection, kBusName, spec.path.c_str(), spec.iface.c_str(), spec.method.c_str(),
        spec.params, nullptr, G_DBUS_CALL_FLAGS_NONE, b.timeoutMs, nullptr, &onReply, new Pending{&b, i});
}
} // namespace

std::vector<test::Reply> callMany(GDBusConnection* connection, std::size_t count,
    const std::function<CallSpec(std::size_t)>& make, std::size_t window, std::chrono::milliseconds timeout)
{
    Batch b;
    b.connection = connection;
    b.make = &make;
    b.replies.resize(count);
    b.count = count;
    b.timeoutMs = static_cast<int>(timeout.count());
    for (std::size_t i = 0; i < window && i < count; ++i)
        sendNext(b);
    // Every call has a D-Bus timeout, so every callback runs eventually and `b` outlives them all.
    while (b.done < b.count)
        g_main_context_iteration(nullptr, TRUE);
    return std::move(b.replies);
}

std::string summarizeErrors(const std::vector<test::Reply>& replies)
{
    std::size_t failed = 0;
    std::string first;
    for (const auto& r : replies) {
        if (r.ok())
            continue;
        if (failed++ == 0)
            first = r.errorName + ": " + r.errorMessage;
    }
    if (failed == 0)
        return {};
    return std::to_string(failed) + " of " + std::to_string(replies.size()) + " calls failed, first: " + first;
}

GVariant* textLoginParameters(unsigned uid, unsigned vt)
{
    const std::string device = "/dev/tty" + std::to_string(vt);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    // pam_ck_connector sends unix-user as 'i'.
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
    g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("tty"));
    g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string(device.c_str()));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(""));
    g_variant_builder_add(&b, "(sv)", "x11-display-device", g_variant_new_string(""));
    g_variant_builder_add(&b, "(sv)", "remote-host-name", g_variant_new_string(""));
    g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
    return g_variant_new("(a(sv))", &b);
}

unsigned vtOf(std::size_t index)
{
    return static_cast<unsigned>(index % 63) + 1;
}

Result<std::vector<std::string>> openSessions(GDBusConnection* connection, std::size_t count, unsigned firstUid)
{
    auto replies = callMany(connection, count, [firstUid](std::size_t i) {
        // 50 users, a session on every VT: the daemon's per-user and per-VT indexes get real work.
        return CallSpec{test::kManagerPath, test::kManagerIface, "OpenSessionWithParameters",
            textLoginParameters(firstUid + static_cast<unsigned>(i % 50), vtOf(i))};
    });
    if (auto e = summarizeErrors(replies); !e.empty())
        return Error{ErrorCode::Failed, "OpenSessionWithParameters: " + e};
    std::vector<std::string> cookies;
    cookies.reserve(count);
    for (const auto& r : replies) {
        const gchar* cookie = nullptr;
        g_variant_get(r.value, "(&s)", &cookie);
        cookies.emplace_back(cookie);
    }
    return cookies;
}

Result<void> closeSessions(GDBusConnection* connection, const std::vector<std::string>& cookies)
{
    auto replies = callMany(connection, cookies.size(), [&cookies](std::size_t i) {
        return CallSpec{
            test::kManagerPath, test::kManagerIface, "CloseSession", g_variant_new("(s)", cookies[i].c_str())};
    });
    if (auto e = summarizeErrors(replies); !e.empty())
        return Error{ErrorCode::Failed, "CloseSession: " + e};
    for (const auto& r : replies) {
        gboolean closed = FALSE;
        g_variant_get(r.value, "(b)", &closed);
        if (!closed)
            return Error{ErrorCode::Failed, "CloseSession returned false"};
    }
    return {};
}

Result<std::size_t> sessionCount(GDBusConnection* connection)
{
    auto replies = callMany(connection, 1, [](std::size_t) {
        return CallSpec{test::kManagerPath, test::kManagerIface, "GetSessions", nullptr};
    });
    if (!replies[0].ok())
        return Error{ErrorCode::Failed, "GetSessions: " + replies[0].print()};
    GVariant* list = g_variant_get_child_value(replies[0].value, 0);
    const std::size_t n = g_variant_n_children(list);
    g_variant_unref(list);
    return n;
}

bool waitForSessionCount(GDBusConnection* connection, std::size_t count, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto n = sessionCount(connection);
        if (n && *n == count)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

} // namespace ck::memtest
