// Who is calling: the uid and pid of a sender's bus connection, asked of the bus driver once
// per connection (GetConnectionCredentials) and cached until the name goes away.
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/result.h"

namespace ck::bus {

struct Caller {
    std::string busName;
    uid_t uid = 0;
    pid_t pid = 0;
    // When this connection was first seen (procfs::ticksSinceBoot()): a process behind `pid` that
    // started later is not the one that connected (a reused pid).
    unsigned long long seenTicks = 0;
};

class CallerCache {
public:
    using Callback = std::function<void(Result<Caller>)>;

    explicit CallerCache(GDBusConnection* connection);
    ~CallerCache();
    CallerCache(const CallerCache&) = delete;
    CallerCache& operator=(const CallerCache&) = delete;

    // Calls back at once when the sender is known, else after the bus driver answered.
    void resolve(const std::string& sender, Callback callback);
    void forget(const std::string& busName);
    std::size_t size() const { return known_.size(); }

private:
    struct Lookup;
    static void onReply(GObject* source, GAsyncResult* result, gpointer data);

    GDBusConnection* connection_;
    std::unordered_map<std::string, Caller> known_;
    std::unordered_map<std::string, std::vector<Callback>> waiting_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck::bus
