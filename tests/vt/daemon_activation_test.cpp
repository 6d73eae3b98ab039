// Activation through the bus on real VTs: every activating method switches the kernel's VT and
// replies once, after the switch has been announced; who may switch; the timeout path.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "daemon_vt_support.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace ck::test {
namespace {

const std::string kSeatIfaceDot = std::string(kSeatIface) + ".";
const std::string kSessionIfaceDot = std::string(kSessionIface) + ".";
const std::string kManagerIfaceDot = std::string(kManagerIface) + ".";

class ADaemonActivatingOnRealVts : public DaemonOnRealVt {
protected:
    void SetUp() override
    {
        DaemonOnRealVt::SetUp();
        if (!started_)
            return;
        text_ = openText(gVt.text);
        x_ = openXOnVt(gVt.x);
        ASSERT_FALSE(text_.path.empty());
        ASSERT_FALSE(x_.path.empty());
        log_->clear();
    }

    // Calls `method`; expects success, the kernel on `vt` by the time the reply arrives, the
    // Seat.ActiveSessionChanged(activePath) signal recorded BEFORE the reply, and one reply only.
    void expectSwitchingCall(const std::string& path, const char* iface, const char* method, GVariant* params,
        unsigned vt, const std::string& activePath)
    {
        SCOPED_TRACE(std::string(iface) + "." + method + " on " + path + " [" + GetParam() + "]");
        ASSERT_NE(kernelVt(), vt) << "the test must start elsewhere";
        log_->clear();
        AsyncCall call(client_->connection(), path, iface, method, params);
        ASSERT_TRUE(call.finish()) << "no reply";
        const unsigned vtAtReply = kernelVt();
        const auto took = Clock::now() - call.sentAt();
        EXPECT_TRUE(call.reply().ok()) << call.reply().print();
        EXPECT_EQ(vtAtReply, vt) << "the reply came before the switch";
        const auto entries = log_->entries();
        int replyAt = -1, signalAt = -1;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            if (e.replySerial == call.serial() && replyAt < 0)
                replyAt = static_cast<int>(i);
            if (e.member == "ActiveSessionChanged" && e.path == kSeat1Path && signalAt < 0)
                signalAt = static_cast<int>(i);
        }
        ASSERT_GE(replyAt, 0);
        ASSERT_GE(signalAt, 0) << "no Seat.ActiveSessionChanged before the reply";
        EXPECT_LT(signalAt, replyAt) << "the reply overtook the signal";
        EXPECT_EQ(entries[static_cast<std::size_t>(signalAt)].body, "('" + activePath + "',)");
        spin(150ms);
        std::size_t replies = 0;
        for (const auto& e : log_->entries())
            replies += e.replySerial == call.serial() ? 1 : 0;
        EXPECT_EQ(replies, 1u) << "exactly one reply";
        EXPECT_EQ(activeSession(), activePath == "/" ? "" : activePath);
        std::printf("[%s] %s.%s: reply %lld us after the call\n", GetParam().c_str(), iface, method, micros(took));
    }

    // The call (already active target): success, no switch, no ActiveSessionChanged.
    void expectNoSwitchSuccess(const std::string& path, const char* iface, const char* method, GVariant* params)
    {
        SCOPED_TRACE(std::string(iface) + "." + method + " on " + path);
        const unsigned before = kernelVt();
        log_->clear();
        Reply r = client_->call(path, iface, method, params);
        EXPECT_TRUE(r.ok()) << r.print();
        spin(150ms);
        EXPECT_EQ(kernelVt(), before);
        EXPECT_EQ(log_->signals("ActiveSessionChanged").size(), 0u);
        EXPECT_EQ(log_->signals("ActiveChanged").size(), 0u);
    }

    // gdbus call as uid 65534: refused with <iface>.Error.InsufficientPermission; nothing switches.
    void expectRefusedForNobody(const std::string& path, const std::string& ifaceDotMethod,
        const std::vector<std::string>& args, const char* ifaceShort)
    {
        SCOPED_TRACE(ifaceDotMethod + " as uid 65534");
        const unsigned before = kernelVt();
        log_->clear();
        CommandResult r = gdbusCallAs(kNobodyUid, bus_->address(), path, ifaceDotMethod, args);
        EXPECT_NE(r.status, 0) << r.output;
        EXPECT_NE(r.output.find(errorName(ifaceShort, "InsufficientPermission")), std::string::npos) << r.output;
        spin(150ms);
        EXPECT_EQ(kernelVt(), before) << "nothing switched";
        EXPECT_EQ(log_->signals("ActiveSessionChanged").size(), 0u);
    }

    // gdbus call as uid 65534 (who has a session on the seat): succeeds, and the VT is `vt` when it returns.
    void expectAllowedForNobody(
        const std::string& path, const std::string& ifaceDotMethod, const std::vector<std::string>& args, unsigned vt)
    {
        SCOPED_TRACE(ifaceDotMethod + " as uid 65534 with a session");
        ASSERT_NE(kernelVt(), vt);
        CommandResult r = gdbusCallAs(kNobodyUid, bus_->address(), path, ifaceDotMethod, args);
        EXPECT_EQ(r.status, 0) << r.output;
        EXPECT_EQ(kernelVt(), vt) << "switched by the time the reply arrived";
    }

    Opened text_, x_;
};

TEST_P(ADaemonActivatingOnRealVts, SeatActivateSessionSwitchesAndRepliesAfterTheSwitch)
{
    expectSwitchingCall(
        kSeat1Path, kSeatIface, "ActivateSession", g_variant_new("(o)", text_.path.c_str()), gVt.text, text_.path);
    expectSwitchingCall(
        kSeat1Path, kSeatIface, "ActivateSession", g_variant_new("(o)", x_.path.c_str()), gVt.x, x_.path);
    EXPECT_TRUE(isActive(x_.path));
    EXPECT_FALSE(isActive(text_.path));
}

TEST_P(ADaemonActivatingOnRealVts, SessionActivateSwitchesAndRepliesAfterTheSwitch)
{
    expectSwitchingCall(x_.path, kSessionIface, "Activate", nullptr, gVt.x, x_.path);
    expectSwitchingCall(text_.path, kSessionIface, "Activate", nullptr, gVt.text, text_.path);
}

TEST_P(ADaemonActivatingOnRealVts, SeatSwitchToReachesVtsWithAndWithoutASession)
{
    expectSwitchingCall(kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.text), gVt.text, text_.path);
    // A VT without a session: the seat announces "/" before the reply.
    expectSwitchingCall(kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.third), gVt.third, "/");
    expectSwitchingCall(kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.x), gVt.x, x_.path);
}

TEST_P(ADaemonActivatingOnRealVts, SeatSwitchToAVtWithoutASessionFromAnotherSuchVtStillWaitsForTheSwitch)
{
    // No session changes, so no signal: only the order "kernel switched, then reply" can be checked.
    log_->clear();
    AsyncCall call(client_->connection(), kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.third));
    ASSERT_TRUE(call.finish());
    EXPECT_TRUE(call.reply().ok()) << call.reply().print();
    EXPECT_EQ(kernelVt(), gVt.third);
    spin(100ms);
    EXPECT_EQ(log_->signals("ActiveSessionChanged").size(), 0u);
}

TEST_P(ADaemonActivatingOnRealVts, ManagerActivateSessionTakesABareIdOrAPath)
{
    expectSwitchingCall(
        kManagerPath, kManagerIface, "ActivateSession", g_variant_new("(s)", text_.id.c_str()), gVt.text, text_.path);
    expectSwitchingCall(
        kManagerPath, kManagerIface, "ActivateSession", g_variant_new("(s)", x_.path.c_str()), gVt.x, x_.path);
}

TEST_P(ADaemonActivatingOnRealVts, ManagerActivateSessionOnSeatSwitches)
{
    expectSwitchingCall(kManagerPath, kManagerIface, "ActivateSessionOnSeat",
        g_variant_new("(ss)", text_.path.c_str(), kSeat1Path), gVt.text, text_.path);
    expectSwitchingCall(kManagerPath, kManagerIface, "ActivateSessionOnSeat",
        g_variant_new("(ss)", x_.id.c_str(), "Seat1"), gVt.x, x_.path);
}

TEST_P(ADaemonActivatingOnRealVts, ActivatingTheActiveSessionSucceedsWithoutASwitch)
{
    ASSERT_TRUE(switchTo(gVt.text));
    ASSERT_TRUE(waitActive(text_.path));
    spin(50ms);
    expectNoSwitchSuccess(kSeat1Path, kSeatIface, "ActivateSession", g_variant_new("(o)", text_.path.c_str()));
    expectNoSwitchSuccess(text_.path, kSessionIface, "Activate", nullptr);
    expectNoSwitchSuccess(kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.text));
    expectNoSwitchSuccess(kManagerPath, kManagerIface, "ActivateSession", g_variant_new("(s)", text_.id.c_str()));
    expectNoSwitchSuccess(
        kManagerPath, kManagerIface, "ActivateSessionOnSeat", g_variant_new("(ss)", text_.id.c_str(), kSeat1Path));
    // SwitchTo the VT in front that has no session.
    ASSERT_TRUE(switchTo(gVt.third));
    ASSERT_TRUE(waitActive(""));
    spin(50ms);
    expectNoSwitchSuccess(kSeat1Path, kSeatIface, "SwitchTo", g_variant_new("(u)", gVt.third));
    EXPECT_TRUE(isActive(text_.path) == false);
}

TEST_P(ADaemonActivatingOnRealVts, RefusesACallerWithoutASessionOnTheSeatAndSwitchesNothing)
{
    const std::string t = std::to_string(gVt.text);
    expectRefusedForNobody(kSeat1Path, kSeatIfaceDot + "ActivateSession", {text_.path}, "Seat");
    expectRefusedForNobody(text_.path, kSessionIfaceDot + "Activate", {}, "Session");
    expectRefusedForNobody(kSeat1Path, kSeatIfaceDot + "SwitchTo", {"uint32 " + t}, "Seat");
    expectRefusedForNobody(kSeat1Path, kSeatIfaceDot + "SwitchTo", {"uint32 " + std::to_string(gVt.third)}, "Seat");
    expectRefusedForNobody(kManagerPath, kManagerIfaceDot + "ActivateSession", {text_.id}, "Manager");
    expectRefusedForNobody(kManagerPath, kManagerIfaceDot + "ActivateSession", {x_.path}, "Manager");
    expectRefusedForNobody(kManagerPath, kManagerIfaceDot + "ActivateSessionOnSeat", {x_.id, kSeat1Path}, "Manager");
    EXPECT_EQ(kernelVt(), gVt.original);
    EXPECT_EQ(activeSession(), "");
}

TEST_P(ADaemonActivatingOnRealVts, LetsAUserWithASessionOnTheSeatSwitch)
{
    // Root opens a session for uid 65534 on the third VT: from then on 65534 may switch.
    const Opened own = openText(gVt.third, kNobodyUid);
    ASSERT_FALSE(own.path.empty());
    expectAllowedForNobody(kSeat1Path, kSeatIfaceDot + "ActivateSession", {text_.path}, gVt.text);
    EXPECT_TRUE(waitActive(text_.path));
    expectAllowedForNobody(x_.path, kSessionIfaceDot + "Activate", {}, gVt.x);
    expectAllowedForNobody(kSeat1Path, kSeatIfaceDot + "SwitchTo", {"uint32 " + std::to_string(gVt.third)}, gVt.third);
    EXPECT_TRUE(waitActive(own.path));
    expectAllowedForNobody(
        kSeat1Path, kSeatIfaceDot + "SwitchTo", {"uint32 " + std::to_string(gVt.original)}, gVt.original);
    expectAllowedForNobody(kManagerPath, kManagerIfaceDot + "ActivateSession", {text_.id}, gVt.text);
    expectAllowedForNobody(kManagerPath, kManagerIfaceDot + "ActivateSessionOnSeat", {x_.path, kSeat1Path}, gVt.x);
    EXPECT_TRUE(waitActive(x_.path));
}

INSTANTIATE_TEST_SUITE_P(
    BothWatchModes, ADaemonActivatingOnRealVts, ::testing::Values("waitevent", "waitactive"), modeName);

// --activation-timeout-ms=300, and a VT that does not let go: the kernel waits for VT_RELDISP.
class ADaemonWhoseSwitchIsHeldBack : public ADaemonActivatingOnRealVts {
protected:
    std::vector<std::string> extraArgs() override { return {"--activation-timeout-ms=300"}; }
};

TEST_P(ADaemonWhoseSwitchIsHeldBack, AnswersAnErrorAfterTheTimeoutAndNeverAgain)
{
    ASSERT_TRUE(switchTo(gVt.text));
    ASSERT_TRUE(waitActive(text_.path));
    SwitchBlocker blocker(gVt.text);
    ASSERT_TRUE(blocker.ok());
    log_->clear();

    AsyncCall call(
        client_->connection(), kSeat1Path, kSeatIface, "ActivateSession", g_variant_new("(o)", x_.path.c_str()));
    ASSERT_TRUE(call.finish(3s));
    const auto took = Clock::now() - call.sentAt();
    EXPECT_EQ(call.reply().errorName, errorName("Seat", "Failed")) << call.reply().print();
    EXPECT_GE(took, 290ms);
    EXPECT_LT(took, 1500ms);
    EXPECT_EQ(kernelVt(), gVt.text) << "the switch was held back";
    EXPECT_EQ(activeSession(), text_.path);
    std::printf("[%s] held-back activation: %s after %lld ms\n", GetParam().c_str(), call.reply().print().c_str(),
        micros(took) / 1000);

    // Let the switch happen late: the daemon follows it but does not answer the call again.
    ASSERT_TRUE(blocker.release());
    ASSERT_TRUE(kernelReaches(gVt.x));
    EXPECT_TRUE(waitActive(x_.path));
    spin(150ms);
    std::size_t replies = 0;
    for (const auto& e : log_->entries())
        replies += e.replySerial == call.serial() ? 1 : 0;
    EXPECT_EQ(replies, 1u) << "exactly one reply";
    ASSERT_EQ(log_->signals("ActiveSessionChanged", kSeat1Path).size(), 1u);
    EXPECT_EQ(log_->signals("ActiveSessionChanged", kSeat1Path)[0].body, "('" + x_.path + "',)");
}

INSTANTIATE_TEST_SUITE_P(
    BothWatchModes, ADaemonWhoseSwitchIsHeldBack, ::testing::Values("waitevent", "waitactive"), modeName);

} // namespace
} // namespace ck::test
