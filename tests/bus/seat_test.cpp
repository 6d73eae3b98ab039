// Seat interface on a real bus: the console seat from its seat file, dynamic seats, activation
// refusals, SwitchTo ranges, and (read-only, never switching) the active session of the real console.
#include <unistd.h>

#include "bus/bus_fixture.h"
#include "support/vt_probe.h"

namespace ck::test {
namespace {

class AConsoleSeat : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.seatFileContent = "[Seat Entry]\nVersion=1.0\nName=Primary seat\nHidden=false\nDevices=usb:foo;drm:card0\n";
        return o;
    }
};

TEST_F(AConsoleSeat, ReportsItsPathAsItsId)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "GetId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)"));
}

TEST_F(AConsoleSeat, IsNamedSeat0)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "GetName"), "(s)", "('seat0',)"));
}

TEST_F(AConsoleSeat, ListsTheDevicesOfItsSeatFile)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "GetDevices"), "(a(ss))", "([('usb', 'foo'), ('drm', 'card0')],)"));
}

TEST_F(AConsoleSeat, HasNoSessionsAsAnEmptyArray)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "(@ao [],)"));
}

TEST_F(AConsoleSeat, ListsItsSessionsInOrder)
{
    const Opened a = openTextSession(*client_, "/dev/tty5");
    openRemoteSession(*client_);
    const Opened c = openTextSession(*client_, "/dev/tty6");
    EXPECT_TRUE(isReply(seat(kSeat1, "GetSessions"), "(ao)", "([objectpath '" + a.path + "', '" + c.path + "'],)"));
}

TEST_F(AConsoleSeat, AnswersGetActiveSessionWithNoActiveSessionWhenNoneIsActive)
{
    openTextSession(*client_);
    EXPECT_TRUE(
        isError(seat(kSeat1, "GetActiveSession"), kSeatError + "NoActiveSession", "Seat has no active session"));
}

TEST_F(AConsoleSeat, CanActivateSessions)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "CanActivateSessions"), "(b)", "(true,)"));
}

TEST_F(AConsoleSeat, AnswersActivatingItsSessionWithNoConsolesAvailable)
{
    const Opened s = openTextSession(*client_);
    EXPECT_TRUE(isError(seat(kSeat1, "ActivateSession", g_variant_new("(o)", s.path.c_str())),
        kSeatError + "NotSupported", "No consoles available"));
}

TEST_F(AConsoleSeat, RefusesToActivateASessionOfAnotherSeat)
{
    const Opened remote = openRemoteSession(*client_);
    EXPECT_TRUE(isError(seat(kSeat1, "ActivateSession", g_variant_new("(o)", remote.path.c_str())),
        kSeatError + "Failed", "Unknown session id '" + remote.path + "' on seat0"));
}

TEST_F(AConsoleSeat, RefusesToActivateAnUnknownSession)
{
    EXPECT_TRUE(isError(seat(kSeat1, "ActivateSession", g_variant_new("(o)", kUnknownSession)), kSeatError + "Failed",
        "Unknown session id '/org/freedesktop/ConsoleKit/Session999' on seat0"));
}

TEST_F(AConsoleSeat, RefusesSwitchToVt0AsInvalidInput)
{
    EXPECT_TRUE(isError(seat(kSeat1, "SwitchTo", g_variant_new("(u)", 0u)), kSeatError + "InvalidInput",
        "VT number must be between 1 and 63, not 0"));
}

TEST_F(AConsoleSeat, RefusesSwitchToVt64AsInvalidInput)
{
    EXPECT_TRUE(isError(seat(kSeat1, "SwitchTo", g_variant_new("(u)", 64u)), kSeatError + "InvalidInput",
        "VT number must be between 1 and 63, not 64"));
}

TEST_F(AConsoleSeat, RefusesSwitchToTheLargestVtNumberAsInvalidInput)
{
    EXPECT_TRUE(isError(
        seat(kSeat1, "SwitchTo", g_variant_new("(u)", 4294967295u)), kSeatError + "InvalidInput", "not 4294967295"));
}

TEST_F(AConsoleSeat, AnswersSwitchToTheVtOfASessionWithNoConsolesAvailable)
{
    openTextSession(*client_, "/dev/tty5");
    EXPECT_TRUE(isError(
        seat(kSeat1, "SwitchTo", g_variant_new("(u)", 5u)), kSeatError + "NotSupported", "No consoles available"));
}

TEST_F(AConsoleSeat, AnswersSwitchToAnEmptyVtWithNoConsolesAvailable)
{
    EXPECT_TRUE(isError(
        seat(kSeat1, "SwitchTo", g_variant_new("(u)", 3u)), kSeatError + "NotSupported", "No consoles available"));
    EXPECT_TRUE(isError(
        seat(kSeat1, "SwitchTo", g_variant_new("(u)", 63u)), kSeatError + "NotSupported", "No consoles available"));
}

TEST_F(AConsoleSeat, IsFoundByNameAndByBareId)
{
    const Opened s = openTextSession(*client_);
    for (const char* id : {"seat0", "Seat1"})
        EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", s.path.c_str(), id)),
            kManagerError + "NotSupported", "No consoles available"))
            << id;
}

using ASeatFileWithoutDevices = BusTest;

TEST_F(ASeatFileWithoutDevices, GivesAnEmptyDeviceList)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "GetDevices"), "(a(ss))", "(@a(ss) [],)"));
}

// --- dynamic seats -----------------------------------------------------------------------------

class ADynamicSeat : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        s_ = openRemoteSession(*client_);
        ASSERT_EQ(firstString(session(s_.path, "GetSeatId")), kSeat2);
    }
    static constexpr const char* kSeat2 = "/org/freedesktop/ConsoleKit/Seat2";
    Opened s_;
};

TEST_F(ADynamicSeat, ReportsItsPathAsItsId)
{
    EXPECT_TRUE(isReply(seat(kSeat2, "GetId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat2',)"));
}

TEST_F(ADynamicSeat, IsNamedByItsId)
{
    EXPECT_TRUE(isReply(seat(kSeat2, "GetName"), "(s)", "('Seat2',)"));
}

TEST_F(ADynamicSeat, HoldsExactlyItsSession)
{
    EXPECT_TRUE(isReply(seat(kSeat2, "GetSessions"), "(ao)", "([objectpath '" + s_.path + "'],)"));
}

TEST_F(ADynamicSeat, HasNoDevices)
{
    EXPECT_TRUE(isReply(seat(kSeat2, "GetDevices"), "(a(ss))", "(@a(ss) [],)"));
}

TEST_F(ADynamicSeat, CannotActivateSessions)
{
    EXPECT_TRUE(isReply(seat(kSeat2, "CanActivateSessions"), "(b)", "(false,)"));
}

TEST_F(ADynamicSeat, NeverHasAnActiveSession)
{
    EXPECT_TRUE(
        isError(seat(kSeat2, "GetActiveSession"), kSeatError + "NoActiveSession", "Seat has no active session"));
    EXPECT_TRUE(isReply(session(s_.path, "IsActive"), "(b)", "(false,)"));
}

TEST_F(ADynamicSeat, RefusesToActivateItsSessionAsNotSupported)
{
    EXPECT_TRUE(isError(seat(kSeat2, "ActivateSession", g_variant_new("(o)", s_.path.c_str())),
        kSeatError + "NotSupported", "Activation is not supported for this kind of seat"));
    EXPECT_TRUE(isError(session(s_.path, "Activate"), kSessionError + "NotSupported",
        "Activation is not supported for this kind of seat"));
}

TEST_F(ADynamicSeat, RefusesSwitchToAsNotSupported)
{
    EXPECT_TRUE(isError(seat(kSeat2, "SwitchTo", g_variant_new("(u)", 2u)), kSeatError + "NotSupported",
        "Activation is not supported for this kind of seat"));
}

TEST_F(ADynamicSeat, StillChecksTheSwitchToRangeFirst)
{
    EXPECT_TRUE(
        isError(seat(kSeat2, "SwitchTo", g_variant_new("(u)", 0u)), kSeatError + "InvalidInput", "between 1 and 63"));
}

TEST_F(ADynamicSeat, RefusesActivateSessionOnSeatAsNotSupported)
{
    EXPECT_TRUE(isError(client_->manager("ActivateSessionOnSeat", g_variant_new("(ss)", "Session1", "Seat2")),
        kManagerError + "NotSupported", "Activation is not supported for this kind of seat"));
}

// --- the real console, read only ---------------------------------------------------------------

// The daemon reads the active VT of the real console once at start-up and then never again
// (--vt-watch=none: no threads, no events). Other test suites may switch VTs meanwhile, so the
// fixture first checks which VT the daemon saw: a probe session on the VT that was in the
// foreground must be active, else the test is skipped. From then on the daemon's view is fixed,
// and "activating" the session that is active in that view (or SwitchTo its VT) is answered
// without an ioctl: these tests never switch the machine's VT.
class ASeatOnTheRealConsole : public BusTest {
protected:
    void SetUp() override
    {
        vt_ = readActiveVt();
        if (vt_ == 0)
            GTEST_SKIP() << "no VT console here (/dev/tty0 with VT_GETSTATE)";
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        tty_ = "/dev/tty" + std::to_string(vt_);
        const Opened probe = openTextSession(*client_, tty_.c_str());
        const bool seen = isReply(session(probe.path, "IsActive"), "(b)", "(true,)");
        ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", probe.cookie.c_str())).ok());
        if (!seen)
            GTEST_SKIP() << "the foreground VT changed while the daemon started (another test switching VTs?)";
        log_ = std::make_unique<MessageLog>(client_->connection());
    }
    void TearDown() override
    {
        log_.reset();
        BusTest::TearDown();
    }
    DaemonOptions options() override
    {
        // The real console, read once (--vt-watch=none): after the harness's "no console"
        // default, which it overrides (the last --console counts).
        DaemonOptions o = extraOptions();
        o.extraArgs.push_back("--console=/dev/tty0");
        return o;
    }
    virtual DaemonOptions extraOptions() { return {}; }

    unsigned vt_ = 0;
    std::string tty_;
    std::unique_ptr<MessageLog> log_;
};

TEST_F(ASeatOnTheRealConsole, MakesALocalSessionOnTheForegroundVtActive)
{
    const Opened s = openTextSession(*client_, tty_.c_str());
    EXPECT_TRUE(isReply(session(s.path, "IsActive"), "(b)", "(true,)"));
    EXPECT_TRUE(isReply(session(s.path, "GetSessionState"), "(s)", "('active',)"));
    EXPECT_TRUE(isReply(seat(kSeat1, "GetActiveSession"), "(o)", "(objectpath '" + s.path + "',)"));
    EXPECT_TRUE(isReply(client_->getProperty(s.path, kSessionIface, "active"), "(v)", "(<true>,)"));
}

TEST_F(ASeatOnTheRealConsole, AnnouncesTheActiveSessionAsAnObjectPath)
{
    const Opened s = openTextSession(*client_, tty_.c_str());
    const auto changed = log_->signals("ActiveSessionChanged");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].path, kSeat1);
    EXPECT_EQ(changed[0].signature, "(o)");
    EXPECT_EQ(changed[0].body, "(objectpath '" + s.path + "',)");
    const auto active = log_->signals("ActiveChanged");
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].path, s.path);
    EXPECT_EQ(active[0].body, "(true,)");
}

TEST_F(ASeatOnTheRealConsole, AnnouncesNoActiveSessionWithTheRootPath)
{
    const Opened s = openTextSession(*client_, tty_.c_str());
    log_->clear();
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str())).ok());
    const auto changed = log_->signals("ActiveSessionChanged");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].signature, "(o)");
    EXPECT_EQ(changed[0].body, "(objectpath '/',)");
    EXPECT_TRUE(isError(seat(kSeat1, "GetActiveSession"), kSeatError + "NoActiveSession", "no active session"));
}

TEST_F(ASeatOnTheRealConsole, LeavesASessionOnAnotherVtInactive)
{
    const std::string other = "/dev/tty" + std::to_string(vt_ == 63 ? 62 : vt_ + 1);
    const Opened s = openTextSession(*client_, other.c_str());
    EXPECT_TRUE(isReply(session(s.path, "IsActive"), "(b)", "(false,)"));
    EXPECT_TRUE(log_->signals("ActiveSessionChanged").empty());
}

TEST_F(ASeatOnTheRealConsole, PrefersTheOldestOfTwoSessionsOnTheForegroundVt)
{
    const Opened a = openTextSession(*client_, tty_.c_str());
    const Opened b = openTextSession(*client_, tty_.c_str());
    EXPECT_TRUE(isReply(seat(kSeat1, "GetActiveSession"), "(o)", "(objectpath '" + a.path + "',)"));
    EXPECT_TRUE(isReply(session(b.path, "IsActive"), "(b)", "(false,)"));
}

TEST_F(ASeatOnTheRealConsole, AnswersActivatingTheActiveSessionWithSuccess)
{
    const Opened s = openTextSession(*client_, tty_.c_str());
    EXPECT_TRUE(isReply(session(s.path, "Activate"), "()", "()"));
    EXPECT_TRUE(isReply(seat(kSeat1, "ActivateSession", g_variant_new("(o)", s.path.c_str())), "()", "()"));
    EXPECT_TRUE(isReply(client_->manager("ActivateSession", g_variant_new("(s)", s.path.c_str())), "()", "()"));
}

TEST_F(ASeatOnTheRealConsole, AnswersSwitchToTheForegroundVtWithSuccess)
{
    EXPECT_TRUE(isReply(seat(kSeat1, "SwitchTo", g_variant_new("(u)", vt_)), "()", "()"));
    openTextSession(*client_, tty_.c_str());
    EXPECT_TRUE(isReply(seat(kSeat1, "SwitchTo", g_variant_new("(u)", vt_)), "()", "()"));
}

class ASeatOnTheRealConsoleWithTheLegacySignal : public ASeatOnTheRealConsole {
protected:
    DaemonOptions extraOptions() override
    {
        DaemonOptions o;
        o.extraArgs.push_back("--legacy-active-session-signal");
        return o;
    }
};

TEST_F(ASeatOnTheRealConsoleWithTheLegacySignal, AnnouncesTheActiveSessionAsAStringAndNoneAsEmpty)
{
    const Opened s = openTextSession(*client_, tty_.c_str());
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str())).ok());
    const auto changed = log_->signals("ActiveSessionChanged");
    ASSERT_EQ(changed.size(), 2u);
    EXPECT_EQ(changed[0].signature, "(s)");
    EXPECT_EQ(changed[0].body, "('" + s.path + "',)");
    EXPECT_EQ(changed[1].signature, "(s)");
    EXPECT_EQ(changed[1].body, "('',)");
}

} // namespace
} // namespace ck::test
