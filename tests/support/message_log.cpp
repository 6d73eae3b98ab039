// The message log of the bus and real-VT tests: a GDBus filter that records what arrives.
#include "support/message_log.h"

#include <gtest/gtest.h>

#include <thread>

namespace ck::test {

using Clock = std::chrono::steady_clock;

MessageLog::MessageLog(GDBusConnection* connection, Options options) : connection_(connection), options_(options)
{
    state_->typedBodies = options_.typedBodies;
    g_object_ref(connection_);
    filterId_ = g_dbus_connection_add_filter(connection_, &MessageLog::filter, new std::shared_ptr<State>(state_),
        [](gpointer data) { delete static_cast<std::shared_ptr<State>*>(data); });
    // A match rule without a callback: the bus routes the daemon's signals to us and the filter
    // records them; the synchronous AddMatch returns once the rule is in place.
    GError* error = nullptr;
    GVariant* r = g_dbus_connection_call_sync(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus",
        "org.freedesktop.DBus", "AddMatch", g_variant_new("(s)", "type='signal',sender='org.freedesktop.ConsoleKit'"),
        nullptr, G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &error);
    if (r != nullptr)
        g_variant_unref(r);
    if (error != nullptr) {
        ADD_FAILURE() << "AddMatch: " << error->message;
        g_error_free(error);
    }
    clear(); // the AddMatch reply
}

MessageLog::~MessageLog()
{
    g_dbus_connection_remove_filter(connection_, filterId_);
    g_object_unref(connection_);
}

GDBusMessage* MessageLog::filter(GDBusConnection*, GDBusMessage* message, gboolean incoming, gpointer data)
{
    if (!incoming)
        return message;
    State& state = **static_cast<std::shared_ptr<State>*>(data);
    Entry e;
    e.at = Clock::now();
    e.type = g_dbus_message_get_message_type(message);
    if (e.type == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
        return message;
    auto str = [](const char* s) { return std::string(s != nullptr ? s : ""); };
    e.path = str(g_dbus_message_get_path(message));
    e.iface = str(g_dbus_message_get_interface(message));
    e.member = str(g_dbus_message_get_member(message));
    e.errorName = str(g_dbus_message_get_error_name(message));
    e.replySerial = g_dbus_message_get_reply_serial(message);
    if (GVariant* body = g_dbus_message_get_body(message)) {
        e.signature = g_variant_get_type_string(body);
        gchar* s = g_variant_print(body, state.typedBodies ? TRUE : FALSE);
        e.body = s;
        g_free(s);
    }
    if (e.type == G_DBUS_MESSAGE_TYPE_SIGNAL && e.iface.rfind("org.freedesktop.DBus", 0) == 0
        && e.iface != "org.freedesktop.DBus.Properties")
        return message; // NameAcquired and the like
    std::lock_guard lock(state.mutex);
    state.entries.push_back(std::move(e));
    return message;
}

std::vector<MessageLog::Entry> MessageLog::entries() const
{
    std::lock_guard lock(state_->mutex);
    return state_->entries;
}

std::size_t MessageLog::size() const
{
    std::lock_guard lock(state_->mutex);
    return state_->entries.size();
}

void MessageLog::clear()
{
    std::lock_guard lock(state_->mutex);
    state_->entries.clear();
}

std::vector<MessageLog::Entry> MessageLog::signals(const std::string& member, const std::string& path) const
{
    std::vector<Entry> out;
    for (auto& e : entries())
        if (e.type == G_DBUS_MESSAGE_TYPE_SIGNAL && e.member == member && (path.empty() || e.path == path))
            out.push_back(e);
    return out;
}

std::vector<MessageLog::Entry> MessageLog::signalsOf(const std::string& member, const std::string& iface) const
{
    std::vector<Entry> out;
    for (auto& e : entries())
        if (e.type == G_DBUS_MESSAGE_TYPE_SIGNAL && e.member == member && e.iface == iface)
            out.push_back(e);
    return out;
}

int MessageLog::indexOf(const std::function<bool(const Entry&)>& pred, std::size_t from) const
{
    const auto all = entries();
    for (std::size_t i = from; i < all.size(); ++i)
        if (pred(all[i]))
            return static_cast<int>(i);
    return -1;
}

bool MessageLog::waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const
{
    const auto deadline = Clock::now() + timeout;
    while (!pred()) {
        if (Clock::now() >= deadline)
            return false;
        if (options_.iterateMainContext) {
            while (g_main_context_iteration(nullptr, FALSE)) { }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    return true;
}

bool MessageLog::waitForSignal(
    const std::string& member, const std::string& path, std::size_t count, std::chrono::milliseconds timeout) const
{
    return waitFor([&] { return signals(member, path).size() >= count; }, timeout);
}

} // namespace ck::test
