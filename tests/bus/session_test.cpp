// Session interface on a real bus: every getter, the idle and locked hints with their signals,
// Lock/Unlock, and the device-control methods this daemon does not offer.
#include <sys/stat.h>

// GCC 12 with -fsanitize=address warns maybe-uninitialized inside libstdc++'s <regex> (a false
// positive of the instrumented build, tools/ck-dev's build-asan).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

// A graphical session of uid 1000 that root (a display manager) opened with every parameter.
class ASessionOpenedByRoot : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        before_ = g_get_real_time();
        s_ = open(*client_,
            sessionParameters({{"unix-user", g_variant_new_int32(1000)}, {"session-type", g_variant_new_string("x11")},
                {"session-class", g_variant_new_string("greeter")},
                {"session-service", g_variant_new_string("lightdm")}, {"x11-display", g_variant_new_string(":0")},
                {"x11-display-device", g_variant_new_string("/dev/tty7")},
                {"display-device", g_variant_new_string("/dev/pts/9")}, {"remote-host-name", g_variant_new_string("")},
                {"login-session-id", g_variant_new_string("12")}, {"is-local", g_variant_new_boolean(TRUE)}}));
        after_ = g_get_real_time();
        ASSERT_EQ(s_.path, "/org/freedesktop/ConsoleKit/Session1");
    }
    Reply get(const char* method, GVariant* params = nullptr) { return session(s_.path, method, params); }
    Opened s_;
    gint64 before_ = 0, after_ = 0;
};

TEST_F(ASessionOpenedByRoot, ReportsItsPathAsItsId)
{
    EXPECT_TRUE(isReply(get("GetId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Session1',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheConsoleSeatAsItsSeatId)
{
    EXPECT_TRUE(isReply(get("GetSeatId"), "(o)", "(objectpath '/org/freedesktop/ConsoleKit/Seat1',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenSessionType)
{
    EXPECT_TRUE(isReply(get("GetSessionType"), "(s)", "('x11',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenSessionClass)
{
    EXPECT_TRUE(isReply(get("GetSessionClass"), "(s)", "('greeter',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenSessionService)
{
    EXPECT_TRUE(isReply(get("GetSessionService"), "(s)", "('lightdm',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsItsStateAsOnlineWhileNotActive)
{
    EXPECT_TRUE(isReply(get("GetSessionState"), "(s)", "('online',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenUnixUser)
{
    EXPECT_TRUE(isReply(get("GetUnixUser"), "(u)", "(uint32 1000,)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenUnixUserThroughTheDeprecatedGetUser)
{
    EXPECT_TRUE(isReply(get("GetUser"), "(u)", "(uint32 1000,)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenX11Display)
{
    EXPECT_TRUE(isReply(get("GetX11Display"), "(s)", "(':0',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenX11DisplayDevice)
{
    EXPECT_TRUE(isReply(get("GetX11DisplayDevice"), "(s)", "('/dev/tty7',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenDisplayDevice)
{
    EXPECT_TRUE(isReply(get("GetDisplayDevice"), "(s)", "('/dev/pts/9',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsAnEmptyRemoteHostName)
{
    EXPECT_TRUE(isReply(get("GetRemoteHostName"), "(s)", "('',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenLoginSessionId)
{
    EXPECT_TRUE(isReply(get("GetLoginSessionId"), "(s)", "('12',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheVtOfItsX11DisplayDevice)
{
    EXPECT_TRUE(isReply(get("GetVTNr"), "(u)", "(uint32 7,)"));
}

TEST_F(ASessionOpenedByRoot, IsNotActiveWhileTheDaemonSeesNoConsole)
{
    EXPECT_TRUE(isReply(get("IsActive"), "(b)", "(false,)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheGivenLocality)
{
    EXPECT_TRUE(isReply(get("IsLocal"), "(b)", "(true,)"));
}

TEST_F(ASessionOpenedByRoot, ReportsItsCreationTimeInIso8601Utc)
{
    Reply r = get("GetCreationTime");
    ASSERT_TRUE(r.ok()) << r.print();
    ASSERT_EQ(g_variant_get_type_string(r.value), std::string("(s)"));
    const std::string text = firstString(r);
    EXPECT_TRUE(std::regex_match(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z)"))) << text;
    GDateTime* t = g_date_time_new_from_iso8601(text.c_str(), nullptr);
    ASSERT_NE(t, nullptr) << text;
    const gint64 created = g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
    g_date_time_unref(t);
    EXPECT_GE(created, before_) << text;
    EXPECT_LE(created, after_) << text;
}

TEST_F(ASessionOpenedByRoot, IsNotIdleInitially)
{
    EXPECT_TRUE(isReply(get("GetIdleHint"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(get("GetIdleSinceHint"), "(s)", "('',)"));
}

TEST_F(ASessionOpenedByRoot, ReportsTheRuntimeDirOfItsUser)
{
    const std::string dir = daemon_->root() + "/user/1000";
    EXPECT_TRUE(isReply(get("GetXDGRuntimeDir"), "(s)", "('" + dir + "',)"));
    struct stat st { };
    ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
}

class ASessionWithoutRuntimeDir : public BusTest {
protected:
    DaemonOptions options() override
    {
        DaemonOptions o = BusTest::options();
        o.extraArgs.push_back("--user-rundir=/dev/null/user"); // cannot be created
        return o;
    }
};

TEST_F(ASessionWithoutRuntimeDir, AnswersGetXDGRuntimeDirWithFailed)
{
    const Opened s = openGraphicalSession(*client_);
    ASSERT_EQ(s.path, "/org/freedesktop/ConsoleKit/Session1");
    EXPECT_TRUE(isError(
        session(s.path, "GetXDGRuntimeDir"), kSessionError + "Failed", "No XDG_RUNTIME_DIR was created for Session1"));
}

TEST_F(ASessionOpenedByRoot, CanBeControlledThroughItsVt)
{
    EXPECT_TRUE(isReply(get("CanControlSession"), "(b)", "(true,)"));
}

TEST_F(ASessionOpenedByRoot, LetsRootTakeAndReleaseControl)
{
    EXPECT_TRUE(get("TakeControl", g_variant_new("(b)", FALSE)).ok());
    EXPECT_TRUE(get("ReleaseControl").ok());
}

TEST_F(ASessionOpenedByRoot, RefusesTheOtherDeviceControlMethodsToANonController)
{
    const std::string notController = "Only the session controller may";
    EXPECT_TRUE(isError(get("ReleaseControl"), kSessionError + "Failed", notController));
    EXPECT_TRUE(isError(get("TakeDevice", g_variant_new("(uu)", 13u, 64u)), kSessionError + "Failed", notController));
    EXPECT_TRUE(
        isError(get("ReleaseDevice", g_variant_new("(uu)", 13u, 64u)), kSessionError + "Failed", notController));
    EXPECT_TRUE(
        isError(get("PauseDeviceComplete", g_variant_new("(uu)", 13u, 64u)), kSessionError + "Failed", notController));
}

TEST_F(ASessionOpenedByRoot, AnswersActivateWithNoConsolesAvailable)
{
    EXPECT_TRUE(isError(get("Activate"), kSessionError + "NotSupported", "No consoles available"));
}

TEST_F(ASessionOpenedByRoot, RefusesRootsIdleHintBecauseOnlyTheOwnerMaySetIt)
{
    EXPECT_TRUE(isError(get("SetIdleHint", g_variant_new("(b)", TRUE)), kSessionError + "InsufficientPermission",
        "Only session owner may set idle hint state"));
    EXPECT_TRUE(isReply(get("GetIdleHint"), "(b)", "(false,)"));
}

TEST_F(ASessionOpenedByRoot, RefusesRootsLockedHintBecauseOnlyTheOwnerMaySetIt)
{
    EXPECT_TRUE(isError(get("SetLockedHint", g_variant_new("(b)", TRUE)), kSessionError + "InsufficientPermission",
        "Only session owner may set locked hint state"));
}

TEST_F(ASessionOpenedByRoot, IsLockedByRootWithTheLockSignal)
{
    MessageLog log(client_->connection());
    EXPECT_TRUE(isReply(get("Lock"), "()", "()"));
    ASSERT_TRUE(log.waitForSignals("Lock"));
    EXPECT_EQ(log.signals("Lock")[0].path, s_.path);
    EXPECT_EQ(log.signals("Lock")[0].iface, kSessionIface);
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "LockedHint"), "(v)", "(<true>,)"));
}

TEST_F(ASessionOpenedByRoot, IsUnlockedByRootWithTheUnlockSignal)
{
    ASSERT_TRUE(get("Lock").ok());
    MessageLog log(client_->connection());
    EXPECT_TRUE(isReply(get("Unlock"), "()", "()"));
    ASSERT_TRUE(log.waitForSignals("Unlock"));
    EXPECT_EQ(log.signals("Unlock")[0].path, s_.path);
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

// --- hints set by the owner --------------------------------------------------------------------

// A graphical session whose owner is root, the caller of these tests.
class ASessionOwnedByTheCaller : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        s_ = openGraphicalSession(*client_);
        ASSERT_FALSE(s_.path.empty());
        log_ = std::make_unique<MessageLog>(client_->connection());
    }
    void TearDown() override
    {
        log_.reset();
        BusTest::TearDown();
    }
    Reply get(const char* method, GVariant* params = nullptr) { return session(s_.path, method, params); }
    std::vector<MessageLog::Entry> propertiesChanged() { return log_->signals("PropertiesChanged"); }
    Opened s_;
    std::unique_ptr<MessageLog> log_;
};

TEST_F(ASessionOwnedByTheCaller, TakesTheIdleHintWithIdleHintChanged)
{
    EXPECT_TRUE(isReply(get("SetIdleHint", g_variant_new("(b)", TRUE)), "()", "()"));
    EXPECT_TRUE(isReply(get("GetIdleHint"), "(b)", "(true,)"));
    const auto changed = log_->signals("IdleHintChanged");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].path, s_.path);
    EXPECT_EQ(changed[0].iface, kSessionIface);
    EXPECT_EQ(changed[0].signature, "(b)");
    EXPECT_EQ(changed[0].body, "(true,)");
}

TEST_F(ASessionOwnedByTheCaller, SendsPropertiesChangedForTheIdleHint)
{
    ASSERT_TRUE(get("SetIdleHint", g_variant_new("(b)", TRUE)).ok());
    const auto changed = propertiesChanged();
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].path, s_.path);
    EXPECT_EQ(changed[0].signature, "(sa{sv}as)");
    EXPECT_EQ(changed[0].body, "('org.freedesktop.ConsoleKit.Session', {'idle-hint': <true>}, @as [])");
}

TEST_F(ASessionOwnedByTheCaller, ReportsWhenItBecameIdle)
{
    const gint64 before = g_get_real_time();
    ASSERT_TRUE(get("SetIdleHint", g_variant_new("(b)", TRUE)).ok());
    const gint64 after = g_get_real_time();
    const std::string since = firstString(get("GetIdleSinceHint"));
    GDateTime* t = g_date_time_new_from_iso8601(since.c_str(), nullptr);
    ASSERT_NE(t, nullptr) << since;
    const gint64 at = g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
    g_date_time_unref(t);
    EXPECT_GE(at, before);
    EXPECT_LE(at, after);
}

TEST_F(ASessionOwnedByTheCaller, ClearsTheIdleHintWithIdleHintChangedFalse)
{
    ASSERT_TRUE(get("SetIdleHint", g_variant_new("(b)", TRUE)).ok());
    log_->clear();
    EXPECT_TRUE(isReply(get("SetIdleHint", g_variant_new("(b)", FALSE)), "()", "()"));
    EXPECT_TRUE(isReply(get("GetIdleHint"), "(b)", "(false,)"));
    EXPECT_TRUE(isReply(get("GetIdleSinceHint"), "(s)", "('',)"));
    const auto changed = log_->signals("IdleHintChanged");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].body, "(false,)");
}

TEST_F(ASessionOwnedByTheCaller, SendsNoSignalWhenTheIdleHintDoesNotChange)
{
    // Signals go out before the reply, so they would be in the log by now.
    EXPECT_TRUE(isReply(get("SetIdleHint", g_variant_new("(b)", FALSE)), "()", "()"));
    EXPECT_TRUE(log_->signals("IdleHintChanged").empty());
    EXPECT_TRUE(propertiesChanged().empty());
}

TEST_F(ASessionOwnedByTheCaller, TakesTheLockedHintWithPropertiesChangedOnly)
{
    EXPECT_TRUE(isReply(get("SetLockedHint", g_variant_new("(b)", TRUE)), "()", "()"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "LockedHint"), "(v)", "(<true>,)"));
    const auto changed = propertiesChanged();
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].body, "('org.freedesktop.ConsoleKit.Session', {'LockedHint': <true>}, @as [])");
    EXPECT_TRUE(log_->signals("Lock").empty());
}

TEST_F(ASessionOwnedByTheCaller, ClearsTheLockedHint)
{
    ASSERT_TRUE(get("SetLockedHint", g_variant_new("(b)", TRUE)).ok());
    EXPECT_TRUE(isReply(get("SetLockedHint", g_variant_new("(b)", FALSE)), "()", "()"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "LockedHint"), "(v)", "(<false>,)"));
}

TEST_F(ASessionOwnedByTheCaller, SendsLockAndPropertiesChangedWhenLocked)
{
    ASSERT_TRUE(isReply(get("Lock"), "()", "()"));
    const int lock = log_->indexOf([](const MessageLog::Entry& e) { return e.member == "Lock"; });
    const int changed = log_->indexOf([](const MessageLog::Entry& e) { return e.member == "PropertiesChanged"; });
    ASSERT_GE(lock, 0);
    ASSERT_GE(changed, 0);
    EXPECT_EQ(propertiesChanged()[0].body, "('org.freedesktop.ConsoleKit.Session', {'LockedHint': <true>}, @as [])");
}

TEST_F(ASessionOwnedByTheCaller, SendsTheLockSignalAgainWhenLockedTwice)
{
    ASSERT_TRUE(get("Lock").ok());
    ASSERT_TRUE(get("Lock").ok());
    EXPECT_EQ(log_->signals("Lock").size(), 2u);
    EXPECT_EQ(propertiesChanged().size(), 1u); // the hint changed once
}

} // namespace
} // namespace ck::test
