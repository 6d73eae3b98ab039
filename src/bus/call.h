// Call: one incoming method call. It owns the invocation and guarantees exactly one reply:
// a Call dropped without an answer replies with an error instead of leaving the client hanging.
#pragma once

#include <gio/gio.h>

#include <string>
#include <utility>

#include "bus/caller.h"
#include "bus/errors.h"
#include "bus/glib_ptr.h"

namespace ck::bus {

class PendingReply {
public:
    PendingReply() = default;
    PendingReply(GDBusMethodInvocation* invocation, Domain domain) : invocation_(invocation), domain_(domain) { }
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;
    PendingReply(PendingReply&& o) noexcept : invocation_(std::exchange(o.invocation_, nullptr)), domain_(o.domain_) { }
    PendingReply& operator=(PendingReply&& o) noexcept
    {
        if (this != &o) {
            dropped();
            invocation_ = std::exchange(o.invocation_, nullptr);
            domain_ = o.domain_;
        }
        return *this;
    }
    ~PendingReply() { dropped(); }

    bool pending() const { return invocation_ != nullptr; }
    Domain domain() const { return domain_; }
    GDBusMethodInvocation* invocation() const { return invocation_; }

    // Each of these consumes the invocation (GDBus takes our reference).
    void reply(GVariant* value = nullptr)
    {
        if (auto* inv = std::exchange(invocation_, nullptr))
            g_dbus_method_invocation_return_value(inv, value);
    }
    void replyWithFd(GVariant* value, GUnixFDList* fds)
    {
        if (auto* inv = std::exchange(invocation_, nullptr))
            g_dbus_method_invocation_return_value_with_unix_fd_list(inv, value, fds);
    }
    void fail(const Error& error)
    {
        if (auto* inv = std::exchange(invocation_, nullptr))
            returnError(inv, domain_, error);
    }
    void fail(ErrorCode code, const std::string& message) { fail(Error{code, message}); }

private:
    void dropped() { fail(ErrorCode::Failed, "The request was abandoned (the daemon is shutting down)"); }

    GDBusMethodInvocation* invocation_ = nullptr;
    Domain domain_ = Domain::Manager;
};

} // namespace ck::bus
