// Manager: ownership of seats and sessions, seat assignment, active-session tracking, hints.
#include "core/manager.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <set>

#include "util/release.h"

namespace ck::core {

namespace {
constexpr unsigned kMaxSerial = INT32_MAX;

// Strips the object-path prefix so "…/Session3" and "Session3" compare alike.
std::string_view baseName(std::string_view idOrPath)
{
    if (idOrPath.starts_with(kObjectPrefix))
        idOrPath.remove_prefix(std::string_view(kObjectPrefix).size());
    return idOrPath;
}

std::optional<unsigned> serialOf(std::string_view base, std::string_view kind)
{
    if (!base.starts_with(kind) || base.size() == kind.size())
        return std::nullopt;
    const std::string_view digits = base.substr(kind.size());
    if (digits.front() == '0')
        return std::nullopt; // no object has a path with leading zeros
    unsigned long long n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
        if (n > kMaxSerial)
            return std::nullopt;
    }
    return static_cast<unsigned>(n);
}
} // namespace

Manager::Manager() = default;

Manager::~Manager()
{
    // Unlink back-references first, then let the owners go.
    for (auto& [serial, seat] : seats_) {
        seat->sessions_.clear();
        seat->active_ = nullptr;
    }
    sessions_.clear();
    seats_.clear();
}

// --- seats -----------------------------------------------------------------------------------

Seat& Manager::createSeat(unsigned serial, SeatKind kind, std::vector<Device> devices, std::string name)
{
    auto seat = std::make_unique<Seat>(serial, kind, std::move(devices), std::move(name));
    Seat& ref = *seat;
    seats_.emplace(serial, std::move(seat));
    seatAdded.emit(ref);
    return ref;
}

Seat& Manager::addStaticSeat(std::vector<Device> devices)
{
    const bool first = console_ == nullptr;
    Seat& seat = createSeat(allocateSeatSerial(), SeatKind::Static, std::move(devices), first ? "seat0" : "");
    if (first)
        console_ = &seat;
    return seat;
}

void Manager::destroySeat(Seat& seat)
{
    if (&seat == console_)
        console_ = nullptr;
    seatRemoved.emit(seat);
    seats_.erase(seat.serial());
}

std::vector<Seat*> Manager::seats() const
{
    std::vector<Seat*> out;
    out.reserve(seats_.size());
    for (const auto& [serial, seat] : seats_)
        out.push_back(seat.get());
    return out;
}

Seat* Manager::findSeat(std::string_view idOrPath) const
{
    const std::string_view base = baseName(idOrPath);
    if (auto serial = serialOf(base, "Seat")) {
        auto it = seats_.find(*serial);
        if (it != seats_.end())
            return it->second.get();
    }
    for (const auto& [serial, seat] : seats_)
        if (seat->name() == idOrPath)
            return seat.get();
    return nullptr;
}

unsigned Manager::allocateSeatSerial()
{
    for (unsigned tries = 0; tries < kMaxSerial; ++tries) {
        unsigned s = nextSeatSerial_;
        nextSeatSerial_ = s >= kMaxSerial ? 1 : s + 1;
        if (!seats_.contains(s))
            return s;
    }
    return 0; // unreachable in practice: 2^31 seats
}

unsigned Manager::allocateSessionSerial()
{
    for (unsigned tries = 0; tries < kMaxSerial; ++tries) {
        unsigned s = nextSessionSerial_;
        nextSessionSerial_ = s >= kMaxSerial ? 1 : s + 1;
        if (!sessions_.contains(s))
            return s;
    }
    return 0;
}

void Manager::setNextSerials(unsigned session, unsigned seat)
{
    if (session >= 1 && session <= kMaxSerial)
        nextSessionSerial_ = session;
    if (seat >= 1 && seat <= kMaxSerial)
        nextSeatSerial_ = std::max(seat, nextSeatSerial_);
}

// --- sessions --------------------------------------------------------------------------------

std::string Manager::newCookie() const
{
    // 128 bits from the kernel's random source, hex encoded: unguessable, unlike the classic
    // "<host>-<time>-<g_random>" cookie.
    static constexpr char kHex[] = "0123456789abcdef";
    for (;;) {
        unsigned char bytes[16];
        std::size_t got = 0;
        while (got < sizeof bytes) {
            ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                std::abort(); // no entropy source on Linux ≥ 3.17 is a broken system, not input
            }
            got += static_cast<std::size_t>(n);
        }
        std::string cookie;
        cookie.reserve(32);
        for (unsigned char b : bytes) {
            cookie.push_back(kHex[b >> 4]);
            cookie.push_back(kHex[b & 15]);
        }
        if (!byCookie_.contains(cookie))
            return cookie;
    }
}

bool Manager::belongsOnConsole(const Session& s) const
{
    // Local, not remote, and on a known VT (vtnr, or display-device / x11-display-device naming
    // /dev/ttyN): X, Wayland (a display manager gives x11-display-device and no x11-display) or
    // text. Unlike 0.4.6 a pty text session does not land on the console seat (it could never be
    // active).
    const SessionParams& p = s.params();
    return p.isLocal && p.remoteHostName.empty() && s.vtnr() != 0;
}

void Manager::attach(Session& s, Seat* preferred)
{
    Seat* seat = preferred;
    if (seat == nullptr)
        seat = (console_ != nullptr && belongsOnConsole(s))
            ? console_
            : &createSeat(allocateSeatSerial(), SeatKind::Dynamic, {}, "");
    s.seat_ = seat;
    seat->sessions_.push_back(&s);
}

Result<Session*> Manager::openSession(SessionParams params, Leader leader)
{
    if (sessions_.size() >= kMaxSerial - 1)
        return Error{ErrorCode::General, "Unable to create new session: too many sessions"};
    if (sessions_.size() >= limits_.total)
        return Error{ErrorCode::Busy,
            "Unable to create new session: " + std::to_string(limits_.total) + " sessions are open, the limit"};
    const auto ofUser = std::count_if(sessions_.begin(), sessions_.end(),
        [&](const auto& e) { return e.second->params().unixUser == params.unixUser; });
    if (static_cast<std::size_t>(ofUser) >= limits_.perUser)
        return Error{ErrorCode::Busy,
            "Unable to create new session: user " + std::to_string(params.unixUser) + " has " + std::to_string(ofUser)
                + " sessions, the limit"};
    // params.isLocal is final here: the caller decided it (explicit value or localityVouchedFor).
    const unsigned serial = allocateSessionSerial();
    auto session = std::make_unique<Session>(serial, newCookie(), std::move(params), std::move(leader), realtimeNow());
    Session& s = *session;
    sessions_.emplace(serial, std::move(session));
    byCookie_.emplace(s.cookie(), &s);
    byLeader_.emplace(s.leader().busName, &s);
    attach(s, nullptr);
    sessionAdded.emit(s);
    if (s.seat_->kind() == SeatKind::Static)
        updateActive(*s.seat_);
    recomputeSystemIdle();
    return &s;
}

Result<Session*> Manager::restoreSession(Restored r)
{
    if (r.serial == 0 || r.serial > kMaxSerial || sessions_.contains(r.serial))
        return Error{ErrorCode::InvalidInput, "Session" + std::to_string(r.serial) + " cannot be restored: id in use"};
    if (r.cookie.empty() || byCookie_.contains(r.cookie))
        return Error{ErrorCode::InvalidInput, "Session" + std::to_string(r.serial) + " cannot be restored: bad cookie"};
    auto session = std::make_unique<Session>(r.serial, r.cookie, std::move(r.params), std::move(r.leader), r.created);
    Session& s = *session;
    s.idleHint_ = r.idleHint;
    s.idleSince_ = r.idleSince;
    s.lockedHint_ = r.lockedHint;
    s.runtimeDir_ = std::move(r.runtimeDir);
    sessions_.emplace(r.serial, std::move(session));
    byCookie_.emplace(s.cookie(), &s);
    byLeader_.emplace(s.leader().busName, &s);

    Seat* seat = nullptr;
    if (console_ != nullptr && r.seatPath == console_->path()) {
        seat = console_;
    } else if (auto serial = serialOf(baseName(r.seatPath), "Seat"); serial && !seats_.contains(*serial)) {
        seat = &createSeat(*serial, SeatKind::Dynamic, {}, "");
    }
    attach(s, seat);
    sessionAdded.emit(s);
    if (s.seat_->kind() == SeatKind::Static)
        updateActive(*s.seat_);
    recomputeSystemIdle();
    return &s;
}

Result<void> Manager::closeSession(std::string_view cookie, uid_t callerUid, pid_t callerPid)
{
    if (cookie.empty())
        return Error{ErrorCode::InvalidInput, "No cookie specified"};
    Session* s = findSessionByCookie(cookie);
    if (s == nullptr)
        return Error{ErrorCode::Failed, "Unable to find session for cookie"};
    if (s->leader().uid != callerUid)
        return Error{ErrorCode::InsufficientPermission, "User ID does not match the owner of cookie"};
    if (s->leader().pid != callerPid)
        return Error{ErrorCode::InsufficientPermission, "Process ID does not match the owner of cookie"};
    removeSession(*s);
    return {};
}

std::size_t Manager::leaderVanished(std::string_view busName)
{
    std::vector<Session*> gone;
    const auto [first, last] = byLeader_.equal_range(std::string(busName));
    for (auto it = first; it != last; ++it)
        gone.push_back(it->second);
    // In the order they were opened, as a scan of all sessions gave them.
    std::sort(gone.begin(), gone.end(), [](const Session* a, const Session* b) { return a->serial() < b->serial(); });
    for (Session* s : gone)
        removeSession(*s);
    return gone.size();
}

bool Manager::hasLeader(std::string_view busName) const
{
    return byLeader_.contains(std::string(busName));
}

void Manager::removeSession(Session& s)
{
    s.state_ = SessionState::Closing; // not announced: SessionRemoved follows at once
    Seat* seat = s.seat_;
    const bool wasActive = seat != nullptr && seat->active_ == &s;
    // Unlink from the parent first, then tell everybody, then free.
    if (seat != nullptr) {
        std::erase(seat->sessions_, &s);
        if (wasActive) {
            seat->active_ = nullptr;
            setActive(s, false);
        }
    }
    byCookie_.erase(s.cookie());
    for (auto [it, last] = byLeader_.equal_range(s.leader().busName); it != last; ++it)
        if (it->second == &s) {
            byLeader_.erase(it);
            break;
        }
    auto owned = std::move(sessions_.at(s.serial()));
    sessions_.erase(s.serial());
    if (sessions_.empty()) {
        releaseStorage(byCookie_); // their bucket arrays would pin the top of the heap
        releaseStorage(byLeader_);
    }
    if (seat != nullptr && seat->sessions_.empty())
        seat->sessions_.shrink_to_fit();
    sessionRemoved.emit(s);
    if (seat != nullptr) {
        if (seat->kind() == SeatKind::Dynamic && seat->sessions_.empty())
            destroySeat(*seat);
        else if (seat->kind() == SeatKind::Static)
            updateActive(*seat, wasActive ? &s : nullptr); // one signal naming the successor
    }
    recomputeSystemIdle();
}

bool Manager::localityVouchedFor(std::string_view loginSessionId, uid_t uid) const
{
    if (loginSessionId.empty())
        return false;
    return std::any_of(sessions_.begin(), sessions_.end(), [loginSessionId, uid](const auto& e) {
        const SessionParams& p = e.second->params();
        return p.isLocal && p.unixUser == uid && p.loginSessionId == loginSessionId;
    });
}

std::vector<Session*> Manager::sessions() const
{
    std::vector<Session*> out;
    out.reserve(sessions_.size());
    for (const auto& [serial, s] : sessions_)
        out.push_back(s.get());
    return out;
}

Session* Manager::findSessionByCookie(std::string_view cookie) const
{
    auto it = byCookie_.find(std::string(cookie));
    return it == byCookie_.end() ? nullptr : it->second;
}

Session* Manager::findSession(std::string_view idOrPath) const
{
    auto serial = serialOf(baseName(idOrPath), "Session");
    if (!serial)
        return nullptr;
    auto it = sessions_.find(*serial);
    return it == sessions_.end() ? nullptr : it->second.get();
}

std::vector<Session*> Manager::sessionsOfUser(uid_t uid) const
{
    std::vector<Session*> out;
    for (const auto& [serial, s] : sessions_)
        if (s->params().unixUser == uid)
            out.push_back(s.get());
    return out;
}

std::size_t Manager::distinctUsers(const std::function<bool(uid_t)>& counts) const
{
    std::set<uid_t> users;
    for (const auto& [serial, s] : sessions_)
        if (counts(s->params().unixUser))
            users.insert(s->params().unixUser);
    return users.size();
}

// --- active session --------------------------------------------------------------------------

void Manager::setActiveVt(unsigned vt)
{
    activeVt_ = vt;
    if (console_ != nullptr)
        updateActive(*console_);
}

void Manager::setActive(Session& s, bool active)
{
    if (s.active_ == active)
        return;
    s.active_ = active;
    sessionChanged.emit(s, SessionProperty::Active);
    if (s.state_ != SessionState::Closing) {
        s.state_ = active ? SessionState::Active : SessionState::Online;
        sessionChanged.emit(s, SessionProperty::State);
    }
}

namespace {
// Oldest first; the lower serial breaks a tie of identical creation times (restored records).
bool older(const Session* a, const Session* b)
{
    return a->creationTime() < b->creationTime()
        || (a->creationTime() == b->creationTime() && a->serial() < b->serial());
}
} // namespace

void Manager::updateActive(Seat& seat, Session* departed)
{
    if (seat.kind() != SeatKind::Static)
        return;
    // Graphical sessions first (x11-display-device), then text ones; the oldest wins.
    Session* chosen = nullptr;
    if (activeVt_ != 0) {
        const std::string device = "/dev/tty" + std::to_string(activeVt_);
        auto pick = [&](auto field) {
            Session* best = nullptr;
            for (Session* s : seat.sessions_) {
                if (s->params().*field != device)
                    continue;
                if (best == nullptr || older(s, best))
                    best = s;
            }
            return best;
        };
        chosen = pick(&SessionParams::x11DisplayDevice);
        if (chosen == nullptr)
            chosen = pick(&SessionParams::displayDevice);
        if (chosen == nullptr) {
            // A session opened with an explicit vtnr and no device.
            for (Session* s : seat.sessions_)
                if (s->vtnr() == activeVt_ && s->consoleDevice().empty() && (chosen == nullptr || older(s, chosen)))
                    chosen = s;
        }
    }
    Session* old = departed != nullptr ? departed : seat.active_;
    if (old == chosen)
        return;
    seat.active_ = chosen;
    if (old != nullptr && departed == nullptr)
        setActive(*old, false);
    if (chosen != nullptr)
        setActive(*chosen, true);
    activeSessionChanged.emit(seat, old, chosen);
}

Result<unsigned> Manager::activationTarget(const Session& s) const
{
    const Seat* seat = s.seat();
    if (seat == nullptr || seat->kind() != SeatKind::Static)
        return Error{ErrorCode::NotSupported, "Activation is not supported for this kind of seat"};
    if (s.vtnr() == 0)
        return Error{ErrorCode::NotSupported, "Unable to activate session: it has no virtual terminal"};
    if (seat->activeSession() == &s)
        return Error{ErrorCode::AlreadyActive, "Session is already active"};
    if (s.vtnr() == activeVt_)
        return Error{ErrorCode::Failed, "Another session on VT " + std::to_string(activeVt_) + " is the active one"};
    return s.vtnr();
}

bool Manager::mayActivateOn(uid_t callerUid, const Seat& seat) const
{
    return callerUid == 0 || seat.hasSessionOf(callerUid);
}

// --- hints -----------------------------------------------------------------------------------

void Manager::setIdleHint(Session& s, bool idle)
{
    if (s.idleHint_ == idle)
        return;
    s.idleHint_ = idle;
    s.idleSince_ = realtimeNow();
    idleHintChanged.emit(s, idle);
    sessionChanged.emit(s, SessionProperty::IdleHint);
    recomputeSystemIdle();
}

void Manager::setLockedHint(Session& s, bool locked)
{
    if (s.lockedHint_ == locked)
        return;
    s.lockedHint_ = locked;
    sessionChanged.emit(s, SessionProperty::LockedHint);
}

void Manager::lock(Session& s)
{
    setLockedHint(s, true);
    lockRequested.emit(s);
}

void Manager::unlock(Session& s)
{
    setLockedHint(s, false);
    unlockRequested.emit(s);
}

void Manager::setRuntimeDir(Session& s, std::string dir)
{
    if (s.runtimeDir_ == dir)
        return;
    s.runtimeDir_ = std::move(dir);
    sessionChanged.emit(s, SessionProperty::RuntimeDir);
}

void Manager::setIdleInhibited(bool inhibited)
{
    if (idleInhibited_ == inhibited)
        return;
    idleInhibited_ = inhibited;
    recomputeSystemIdle();
}

void Manager::recomputeSystemIdle()
{
    bool idle = !idleInhibited_
        && std::all_of(sessions_.begin(), sessions_.end(), [](const auto& e) { return e.second->idleHint(); });
    if (idle == systemIdle_)
        return;
    systemIdle_ = idle;
    systemIdleSince_ = realtimeNow();
    systemIdleHintChanged.emit(idle);
}

} // namespace ck::core
