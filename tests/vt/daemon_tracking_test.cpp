// The real daemon follows real VT switches: the active session, its signals and properties, the
// choice among several sessions on one VT, and the VT read at start-up. Both watch modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "daemon_vt_support.h"

using namespace std::chrono_literals;

namespace ck::test {
namespace {

std::string pathArg(const std::string& path)
{
    return "('" + path + "',)";
}

class ADaemonFollowingRealVts : public DaemonOnRealVt {
protected:
    // IsActive, GetSessionState and the `active` property agree on the state.
    void expectActive(const Opened& s, bool active)
    {
        EXPECT_EQ(isActive(s.path), active) << s.path;
        EXPECT_EQ(activeProperty(s.path), active) << s.path;
        EXPECT_EQ(sessionState(s.path), active ? "active" : "online") << s.path;
    }
    int indexOfSignal(const std::string& member, const std::string& path, const std::string& body = "")
    {
        return log_->indexOf([&](const MessageLog::Entry& e) {
            return e.type == G_DBUS_MESSAGE_TYPE_SIGNAL && e.member == member && e.path == path
                && (body.empty() || e.body == body);
        });
    }
    // The session's PropertiesChanged announcing both `active` and `session-state` with the
    // given values (in one signal or two): the index of the later one, -1 if either is missing.
    int indexOfPropertiesChanged(const std::string& path, bool active)
    {
        auto find = [&](const std::string& needle) {
            return log_->indexOf([&](const MessageLog::Entry& e) {
                return e.member == "PropertiesChanged" && e.path == path
                    && e.body.find(kSessionIface) != std::string::npos && e.body.find(needle) != std::string::npos;
            });
        };
        const int a = find(active ? "'active': <true>" : "'active': <false>");
        const int st = find(active ? "'session-state': <'active'>" : "'session-state': <'online'>");
        return a < 0 || st < 0 ? -1 : std::max(a, st);
    }
    // After a switch: exactly one ActiveSessionChanged, of type (o), naming `path` ("/" = none).
    void expectOneActiveSessionChanged(const std::string& path)
    {
        ASSERT_TRUE(log_->waitForSignal("ActiveSessionChanged", kSeat1Path)) << GetParam();
        spin(100ms); // a second (wrong) signal would come within the reconcile window
        const auto sigs = log_->signals("ActiveSessionChanged", kSeat1Path);
        std::string bodies;
        for (const auto& e : sigs)
            bodies += " " + e.body;
        ASSERT_EQ(sigs.size(), 1u) << "signals:" << bodies;
        EXPECT_EQ(sigs[0].signature, "(o)");
        EXPECT_EQ(sigs[0].body, pathArg(path));
    }
    // The last Seat.ActiveSessionChanged received names `path`.
    void expectLastActiveSessionChanged(const std::string& path)
    {
        EXPECT_TRUE(log_->waitFor([&] {
            const auto sigs = log_->signals("ActiveSessionChanged", kSeat1Path);
            return !sigs.empty() && sigs.back().body == pathArg(path);
        })) << "last ActiveSessionChanged should name "
            << path;
    }
};

TEST_P(ADaemonFollowingRealVts, MakesATextSessionActiveWhenItsVtComesToTheFront)
{
    const Opened text = openText(gVt.text);
    const Opened x = openXOnVt(gVt.x);
    ASSERT_FALSE(text.path.empty());
    ASSERT_FALSE(x.path.empty());
    EXPECT_EQ(activeSession(), "") << "VT " << gVt.original << " has no session";
    expectActive(text, false);
    expectActive(x, false);
    log_->clear();

    ASSERT_TRUE(switchTo(gVt.text));
    expectOneActiveSessionChanged(text.path);
    EXPECT_EQ(activeSession(), text.path);
    expectActive(text, true);
    expectActive(x, false);
    const int changed = indexOfSignal("ActiveChanged", text.path, "(true,)");
    const int props = indexOfPropertiesChanged(text.path, true);
    const int seat = indexOfSignal("ActiveSessionChanged", kSeat1Path);
    EXPECT_GE(changed, 0);
    EXPECT_GE(props, 0);
    EXPECT_LT(changed, seat) << "the session changes before the seat announces it";
    EXPECT_LT(props, seat);
    EXPECT_EQ(log_->signals("ActiveChanged", x.path).size(), 0u) << "the X session was not touched";
}

TEST_P(ADaemonFollowingRealVts, DeactivatesTheOldSessionBeforeActivatingTheNewOne)
{
    const Opened text = openText(gVt.text);
    const Opened x = openXOnVt(gVt.x);
    ASSERT_TRUE(switchTo(gVt.text));
    ASSERT_TRUE(waitActive(text.path));
    log_->clear();

    ASSERT_TRUE(switchTo(gVt.x));
    expectOneActiveSessionChanged(x.path);
    EXPECT_EQ(activeSession(), x.path);
    expectActive(text, false);
    expectActive(x, true);
    const int oldOff = indexOfSignal("ActiveChanged", text.path, "(false,)");
    const int oldProps = indexOfPropertiesChanged(text.path, false);
    const int newOn = indexOfSignal("ActiveChanged", x.path, "(true,)");
    const int newProps = indexOfPropertiesChanged(x.path, true);
    const int seat = indexOfSignal("ActiveSessionChanged", kSeat1Path);
    ASSERT_GE(oldOff, 0);
    ASSERT_GE(oldProps, 0);
    ASSERT_GE(newOn, 0);
    ASSERT_GE(newProps, 0);
    EXPECT_LT(oldOff, newOn);
    EXPECT_LT(newOn, seat);
    EXPECT_LT(newProps, seat);
    EXPECT_EQ(log_->signals("ActiveChanged", text.path).size(), 1u);
    EXPECT_EQ(log_->signals("ActiveChanged", x.path).size(), 1u);
}

TEST_P(ADaemonFollowingRealVts, AnnouncesSlashWhenTheNewVtHasNoSession)
{
    const Opened x = openXOnVt(gVt.x);
    ASSERT_TRUE(switchTo(gVt.x));
    ASSERT_TRUE(waitActive(x.path));
    log_->clear();

    ASSERT_TRUE(switchTo(gVt.original));
    expectOneActiveSessionChanged("/");
    EXPECT_EQ(activeSession(), "");
    Reply r = seatCall("GetActiveSession");
    EXPECT_EQ(r.errorName, errorName("Seat", "NoActiveSession")) << r.print();
    expectActive(x, false);
    EXPECT_GE(indexOfSignal("ActiveChanged", x.path, "(false,)"), 0);
    EXPECT_GE(indexOfPropertiesChanged(x.path, false), 0);

    // And a VT without a session after another one without: no signal at all.
    log_->clear();
    ASSERT_TRUE(switchTo(gVt.third));
    spin(150ms);
    EXPECT_EQ(log_->signals("ActiveSessionChanged").size(), 0u);
    EXPECT_EQ(log_->signals("ActiveChanged").size(), 0u);
}

TEST_P(ADaemonFollowingRealVts, PrefersTheX11DisplayDeviceOverADisplayDeviceOnTheSameVt)
{
    // The text session is older, but an X server's VT is its own (ConsoleKit2 1.1.0 "prefer
    // graphical sessions").
    const Opened text = openText(gVt.x);
    const Opened x = openX(gVt.x, ":7", "");
    ASSERT_FALSE(x.path.empty());
    log_->clear();

    ASSERT_TRUE(switchTo(gVt.x));
    expectOneActiveSessionChanged(x.path);
    expectActive(x, true);
    expectActive(text, false);
    EXPECT_EQ(log_->signals("ActiveChanged", text.path).size(), 0u);

    // Closing the X session hands the VT to the text session.
    log_->clear();
    Reply closed = leader_->manager("CloseSession", g_variant_new("(s)", x.cookie.c_str()));
    ASSERT_TRUE(closed.ok()) << closed.print();
    EXPECT_TRUE(waitActive(text.path));
    expectActive(text, true);
    expectLastActiveSessionChanged(text.path);
}

TEST_P(ADaemonFollowingRealVts, PicksTheOldestOfSeveralSessionsOnTheVt)
{
    const Opened first = openText(gVt.text);
    const Opened second = openText(gVt.text);
    const Opened third = openText(gVt.text);
    ASSERT_FALSE(third.path.empty());
    log_->clear();

    ASSERT_TRUE(switchTo(gVt.text));
    expectOneActiveSessionChanged(first.path);
    expectActive(first, true);
    expectActive(second, false);
    expectActive(third, false);

    log_->clear();
    Reply closed = leader_->manager("CloseSession", g_variant_new("(s)", first.cookie.c_str()));
    ASSERT_TRUE(closed.ok()) << closed.print();
    EXPECT_TRUE(waitActive(second.path)) << "the next oldest takes over";
    expectActive(second, true);
    expectActive(third, false);
    expectLastActiveSessionChanged(second.path);
}

// Closing the active session while another shares its VT: one signal naming the successor.
TEST_P(ADaemonFollowingRealVts, AnnouncesOnlyTheSuccessorWhenTheActiveSessionCloses)
{
    const Opened first = openText(gVt.text);
    const Opened second = openText(gVt.text);
    ASSERT_TRUE(switchTo(gVt.text));
    ASSERT_TRUE(waitActive(first.path));
    spin(50ms);
    log_->clear();
    Reply closed = leader_->manager("CloseSession", g_variant_new("(s)", first.cookie.c_str()));
    ASSERT_TRUE(closed.ok()) << closed.print();
    expectOneActiveSessionChanged(second.path);
    expectActive(second, true);
}

TEST_P(ADaemonFollowingRealVts, ActivatesASessionOpenedOnTheVtInFrontAtOnce)
{
    const Opened here = openText(gVt.original);
    ASSERT_FALSE(here.path.empty());
    EXPECT_TRUE(isActive(here.path)) << "no wait: the daemon knows the VT in front";
    EXPECT_EQ(activeSession(), here.path);

    ASSERT_TRUE(switchTo(gVt.text));
    ASSERT_TRUE(waitActive(""));
    const Opened there = openText(gVt.text);
    EXPECT_TRUE(isActive(there.path));
    EXPECT_EQ(activeSession(), there.path);
    expectActive(here, false);
}

INSTANTIATE_TEST_SUITE_P(
    BothWatchModes, ADaemonFollowingRealVts, ::testing::Values("waitevent", "waitactive"), modeName);

// The daemon is started while another VT than the original one is in front.
class ADaemonStartedOnAnotherVt : public DaemonOnRealVt {
protected:
    void SetUp() override
    {
        ASSERT_TRUE(switchTo(gVt.text));
        ASSERT_TRUE(startDaemon());
    }
};

TEST_P(ADaemonStartedOnAnotherVt, ReadsTheActiveVtAtStart)
{
    // Opened right after start, before any switch: only the VT read at start can make it active.
    const Opened s = openText(gVt.text);
    const Opened other = openText(gVt.original);
    ASSERT_FALSE(s.path.empty());
    EXPECT_TRUE(isActive(s.path));
    EXPECT_EQ(sessionState(s.path), "active");
    EXPECT_EQ(activeSession(), s.path);
    EXPECT_FALSE(isActive(other.path));

    ASSERT_TRUE(switchTo(gVt.original));
    EXPECT_TRUE(waitActive(other.path)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    BothWatchModes, ADaemonStartedOnAnotherVt, ::testing::Values("waitevent", "waitactive"), modeName);

} // namespace
} // namespace ck::test
