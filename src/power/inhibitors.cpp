// Inhibitor locks on pipes: parsing, bookkeeping, release on HUP.
#include "power/inhibitors.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "bus/glib_ptr.h"
#include "util/log.h"

namespace ck::power {

namespace {
struct Token {
    std::string_view name;
    unsigned bit;
};
constexpr std::array<Token, 7> kTokens = {{
    {"shutdown", kInhibitShutdown},
    {"sleep", kInhibitSleep},
    {"idle", kInhibitIdle},
    {"handle-power-key", kInhibitPowerKey},
    {"handle-suspend-key", kInhibitSuspendKey},
    {"handle-hibernate-key", kInhibitHibernateKey},
    {"handle-lid-switch", kInhibitLidSwitch},
}};

// Caller-supplied text in an error message: quoted and cut short.
std::string quoted(std::string_view text)
{
    constexpr std::size_t kMax = 64;
    std::string out = "\"" + std::string(text.substr(0, kMax));
    if (text.size() > kMax)
        out += "...";
    return out + "\"";
}

std::string knownTokens()
{
    std::string out;
    for (const auto& t : kTokens) {
        if (!out.empty())
            out += ", ";
        out += t.name;
    }
    return out;
}
} // namespace

const char* inhibitModeName(InhibitMode mode)
{
    return mode == InhibitMode::Block ? "block" : "delay";
}

Result<InhibitRequest> parseInhibitRequest(
    std::string_view what, std::string_view who, std::string_view why, std::string_view mode)
{
    InhibitRequest r;
    if (what.empty())
        return Error{ErrorCode::InvalidInput,
            "Invalid inhibit request: 'what' is empty (expected a ':'-separated "
            "list of "
                + knownTokens() + ")"};
    std::size_t pos = 0;
    for (;;) {
        const std::size_t end = std::min(what.find(':', pos), what.size());
        const std::string_view token = what.substr(pos, end - pos);
        if (token.empty())
            return Error{
                ErrorCode::InvalidInput, "Invalid inhibit request: 'what' " + quoted(what) + " has an empty token"};
        auto it = std::find_if(kTokens.begin(), kTokens.end(), [token](const Token& t) { return t.name == token; });
        if (it == kTokens.end())
            return Error{ErrorCode::InvalidInput,
                "Invalid inhibit request: unknown 'what' token " + quoted(token) + " (known: " + knownTokens() + ")"};
        r.what |= it->bit;
        if (end == what.size())
            break;
        pos = end + 1;
    }
    if (mode == "block")
        r.mode = InhibitMode::Block;
    else if (mode == "delay")
        r.mode = InhibitMode::Delay;
    else
        return Error{ErrorCode::InvalidInput,
            "Invalid inhibit request: mode " + quoted(mode) + " is neither \"block\" nor \"delay\""};
    if (who.size() > kMaxInhibitTextLength)
        return Error{ErrorCode::InvalidInput,
            "Invalid inhibit request: 'who' is longer than " + std::to_string(kMaxInhibitTextLength) + " bytes"};
    if (why.size() > kMaxInhibitTextLength)
        return Error{ErrorCode::InvalidInput,
            "Invalid inhibit request: 'why' is longer than " + std::to_string(kMaxInhibitTextLength) + " bytes"};
    r.who = who;
    r.why = why;
    return r;
}

std::string inhibitWhatString(unsigned what)
{
    std::string out;
    for (const auto& t : kTokens) {
        if ((what & t.bit) == 0)
            continue;
        if (!out.empty())
            out += ':';
        out += t.name;
    }
    return out;
}

std::vector<std::string> inhibitActionIds(unsigned what, InhibitMode mode)
{
    std::vector<std::string> ids;
    for (const auto& t : kTokens) {
        if ((what & t.bit) == 0)
            continue;
        std::string id = "org.freedesktop.consolekit.inhibit-";
        if (t.bit == kInhibitShutdown || t.bit == kInhibitSleep)
            id += std::string(mode == InhibitMode::Block ? "block-" : "delay-") + std::string(t.name);
        else if (t.bit == kInhibitIdle)
            id += "block-idle";
        else
            id += t.name; // handle-power-key, …
        ids.push_back(std::move(id));
    }
    return ids;
}

// --- Inhibitors --------------------------------------------------------------------------------

struct Inhibitors::Entry {
    Inhibitors* owner = nullptr;
    Inhibitor info;
    UniqueFd readEnd;
    bus::SourceId watch; // declared after readEnd: removed before the fd closes
};

Inhibitors::Inhibitors(InhibitorLimits limits) : limits_(limits) { }

Inhibitors::~Inhibitors()
{
    entries_.clear(); // removes the watches and closes the read ends; no signal any more
}

Result<UniqueFd> Inhibitors::add(InhibitRequest request, uid_t uid, pid_t pid)
{
    if (entries_.size() >= limits_.total)
        return Error{ErrorCode::Busy,
            "Too many inhibitor locks (" + std::to_string(limits_.total) + "): release some before taking another"};
    if (uid != 0) {
        const auto mine = static_cast<std::size_t>(
            std::count_if(entries_.begin(), entries_.end(), [uid](const auto& e) { return e->info.uid == uid; }));
        if (mine >= limits_.perUser)
            return Error{ErrorCode::Busy,
                "Too many inhibitor locks: uid " + std::to_string(uid) + " already holds " + std::to_string(mine)
                    + " (the limit per user)"};
    }
    int fds[2];
    // O_CLOEXEC: neither end may leak into hook scripts or power scripts, or the lock would
    // outlive its holder.
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return Error{ErrorCode::General, std::string("Error creating the inhibit lock: pipe: ") + std::strerror(errno)};
    UniqueFd readEnd(fds[0]);
    UniqueFd writeEnd(fds[1]);

    auto entry = std::make_unique<Entry>();
    entry->owner = this;
    entry->info
        = Inhibitor{nextId_++, request.what, std::move(request.who), std::move(request.why), request.mode, uid, pid};
    entry->readEnd = std::move(readEnd);
    // HUP arrives when the last write end is closed. Data written into the pipe is never read
    // and never wakes us (G_IO_IN is not asked for).
    entry->watch = bus::SourceId(g_unix_fd_add(
        entry->readEnd.get(), static_cast<GIOCondition>(G_IO_HUP | G_IO_ERR), &Inhibitors::onHangup, entry.get()));
    log::debug("inhibitor " + std::to_string(entry->info.id) + " taken: " + inhibitWhatString(entry->info.what) + " ("
        + inhibitModeName(entry->info.mode) + ") by uid " + std::to_string(uid) + " pid " + std::to_string(pid)
        + " who='" + entry->info.who + "'");
    entries_.push_back(std::move(entry));
    changed.emit();
    return writeEnd;
}

gboolean Inhibitors::onHangup(gint, GIOCondition, gpointer data) noexcept
{
    auto* entry = static_cast<Entry*>(data);
    entry->watch.forget(); // GLib removes the source when we return G_SOURCE_REMOVE
    entry->owner->release(entry);
    return G_SOURCE_REMOVE;
}

void Inhibitors::release(Entry* entry)
{
    auto it = std::find_if(entries_.begin(), entries_.end(), [entry](const auto& e) { return e.get() == entry; });
    if (it == entries_.end())
        return;
    log::debug("inhibitor " + std::to_string(entry->info.id) + " released (" + inhibitWhatString(entry->info.what)
        + ", who='" + entry->info.who + "')");
    entries_.erase(it);
    changed.emit();
}

std::vector<const Inhibitor*> Inhibitors::list() const
{
    std::vector<const Inhibitor*> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_)
        out.push_back(&e->info);
    return out;
}

bool Inhibitors::holds(unsigned what, InhibitMode mode) const
{
    return std::any_of(entries_.begin(), entries_.end(),
        [&](const auto& e) { return e->info.mode == mode && (e->info.what & what) != 0; });
}

std::vector<const Inhibitor*> Inhibitors::holders(unsigned what, InhibitMode mode) const
{
    std::vector<const Inhibitor*> out;
    for (const auto& e : entries_)
        if (e->info.mode == mode && (e->info.what & what) != 0)
            out.push_back(&e->info);
    return out;
}

} // namespace ck::power
