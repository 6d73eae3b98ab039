// Session parameter builders and the signal log shared by the core tests.
#include "core_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ck::core::test {

namespace {
pid_t nextPid = 1000;
std::string idOrDash(const Session* s)
{
    return s == nullptr ? "-" : s->id();
}
} // namespace

SessionParams textSession(uid_t user, const std::string& device)
{
    SessionParams p;
    p.unixUser = user;
    p.sessionType = "tty";
    p.displayDevice = device;
    p.isLocal = true;
    return p;
}

SessionParams x11Session(uid_t user, const std::string& display, const std::string& device)
{
    SessionParams p;
    p.unixUser = user;
    p.sessionType = "x11";
    p.x11Display = display;
    p.x11DisplayDevice = device;
    p.isLocal = true;
    return p;
}

SessionParams remoteSession(uid_t user, const std::string& host)
{
    SessionParams p;
    p.unixUser = user;
    p.sessionType = "tty";
    p.displayDevice = "/dev/pts/3";
    p.remoteHostName = host;
    p.isLocal = false;
    return p;
}

Leader leaderOf(uid_t uid, pid_t pid, std::string busName)
{
    Leader l;
    l.uid = uid;
    l.pid = pid != 0 ? pid : nextPid++;
    l.busName = busName.empty() ? ":1." + std::to_string(l.pid) : std::move(busName);
    return l;
}

const char* propertyName(SessionProperty property)
{
    switch (property) {
    case SessionProperty::Active:
        return "Active";
    case SessionProperty::IdleHint:
        return "IdleHint";
    case SessionProperty::LockedHint:
        return "LockedHint";
    case SessionProperty::State:
        return "State";
    case SessionProperty::RuntimeDir:
        return "RuntimeDir";
    }
    return "?";
}

SignalLog::SignalLog(Manager& m)
{
    connections_.push_back(m.seatAdded.connect([this](Seat& s) { events.push_back("SeatAdded " + s.id()); }));
    connections_.push_back(m.seatRemoved.connect([this](Seat& s) { events.push_back("SeatRemoved " + s.id()); }));
    connections_.push_back(m.sessionAdded.connect([this](Session& s) { events.push_back("SessionAdded " + s.id()); }));
    connections_.push_back(
        m.sessionRemoved.connect([this](Session& s) { events.push_back("SessionRemoved " + s.id()); }));
    connections_.push_back(m.activeSessionChanged.connect([this](Seat& seat, Session* o, Session* n) {
        events.push_back("ActiveSessionChanged " + seat.id() + " " + idOrDash(o) + " -> " + idOrDash(n));
    }));
    connections_.push_back(m.sessionChanged.connect([this](Session& s, SessionProperty p) {
        events.push_back("SessionChanged " + s.id() + " " + propertyName(p));
    }));
    connections_.push_back(m.idleHintChanged.connect([this](Session& s, bool idle) {
        events.push_back("IdleHintChanged " + s.id() + (idle ? " true" : " false"));
    }));
    connections_.push_back(m.systemIdleHintChanged.connect(
        [this](bool idle) { events.push_back(std::string("SystemIdleHintChanged ") + (idle ? "true" : "false")); }));
    connections_.push_back(m.lockRequested.connect([this](Session& s) { events.push_back("Lock " + s.id()); }));
    connections_.push_back(m.unlockRequested.connect([this](Session& s) { events.push_back("Unlock " + s.id()); }));
}

std::size_t SignalLog::count(const std::string& event) const
{
    return static_cast<std::size_t>(std::count(events.begin(), events.end(), event));
}

Session& CoreTest::open(SessionParams params, Leader leader)
{
    auto r = manager.openSession(std::move(params), std::move(leader));
    if (!r)
        ADD_FAILURE() << "openSession failed: " << r.error().message;
    return *r.value(); // throws on failure: gtest reports it and ends the test
}

} // namespace ck::core::test
