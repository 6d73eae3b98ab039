// A small asynchronous polkit client: is an authority on the bus, and what does it say about
// one action for one caller (CheckAuthorization with a "system-bus-name" subject).
#pragma once

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <string>

#include "util/result.h"

namespace ck::power {

enum class Authorization {
    Authorized,
    Challenge, // authorized after authentication (only answered to non-interactive checks)
    NotAuthorized,
    NoAuthority, // the bus says org.freedesktop.PolicyKit1 has no owner and no .service file
};

inline constexpr const char* kPolkitBusName = "org.freedesktop.PolicyKit1";

class Polkit {
public:
    using Callback = std::function<void(Result<Authorization>)>;

    explicit Polkit(GDBusConnection* connection);
    ~Polkit();
    Polkit(const Polkit&) = delete;
    Polkit& operator=(const Polkit&) = delete;

    // Never calls back synchronously; never after the Polkit is gone. An error is a polkit
    // failure (its message is readable): a bus error, a timeout, an activation that failed.
    // Callers must deny on it; only NoAuthority may lead to a rule without polkit.
    void check(
        const std::string& actionId, const std::string& subjectBusName, bool allowInteraction, Callback callback);

private:
    struct Request;
    static bool meansNoAuthority(const GError* error);
    static void onChecked(GObject* source, GAsyncResult* result, gpointer data) noexcept;
    static void sendCheck(std::unique_ptr<Request> request);
    static void finish(std::unique_ptr<Request> request, Result<Authorization> outcome);

    GDBusConnection* connection_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck::power
