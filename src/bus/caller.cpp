// CallerCache: asynchronous credential look-ups, coalesced per sender.
#include "bus/caller.h"

#include "bus/glib_ptr.h"
#include "procfs/process_info.h"

namespace ck::bus {

struct CallerCache::Lookup {
    CallerCache* self;
    std::weak_ptr<bool> alive;
    std::string sender;
    unsigned long long seenTicks;
};

CallerCache::CallerCache(GDBusConnection* connection) : connection_(connection) { }

CallerCache::~CallerCache()
{
    *alive_ = false;
}

void CallerCache::forget(const std::string& busName)
{
    known_.erase(busName);
}

void CallerCache::resolve(const std::string& sender, Callback callback)
{
    if (auto it = known_.find(sender); it != known_.end()) {
        callback(it->second);
        return;
    }
    auto& queue = waiting_[sender];
    queue.push_back(std::move(callback));
    if (queue.size() > 1)
        return; // a look-up for this sender is already under way
    auto* lookup = new Lookup{this, alive_, sender, procfs::ticksSinceBoot()};
    g_dbus_connection_call(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetConnectionCredentials", g_variant_new("(s)", sender.c_str()), G_VARIANT_TYPE("(a{sv})"),
        G_DBUS_CALL_FLAGS_NONE, 5000, nullptr, &CallerCache::onReply, lookup);
}

void CallerCache::onReply(GObject* source, GAsyncResult* result, gpointer data)
{
    std::unique_ptr<Lookup> lookup(static_cast<Lookup*>(data));
    GError* rawError = nullptr;
    VariantPtr reply(g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &rawError));
    ErrorPtr error(rawError);
    auto alive = lookup->alive.lock();
    if (!alive || !*alive)
        return;
    CallerCache* self = lookup->self;

    Result<Caller> outcome = Error{ErrorCode::Failed, "Unable to get information about the calling process"};
    if (reply) {
        VariantPtr dict(g_variant_get_child_value(reply.get(), 0));
        guint32 uid = 0, pid = 0;
        const bool haveUid = g_variant_lookup(dict.get(), "UnixUserID", "u", &uid);
        const bool havePid = g_variant_lookup(dict.get(), "ProcessID", "u", &pid);
        if (haveUid && havePid) {
            Caller c{lookup->sender, static_cast<uid_t>(uid), static_cast<pid_t>(pid), lookup->seenTicks};
            self->known_[lookup->sender] = c;
            outcome = c;
        }
    } else if (error) {
        outcome = Error{
            ErrorCode::Failed, std::string("Unable to get information about the calling process: ") + error->message};
    }
    auto node = self->waiting_.extract(lookup->sender);
    if (node.empty())
        return;
    for (auto& cb : node.mapped()) {
        cb(outcome);
        if (!*alive)
            return;
    }
}

} // namespace ck::bus
