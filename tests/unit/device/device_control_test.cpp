// DeviceControl on a fake device layer: every rule of spec/device-control.md §7/§14 as an exact,
// ordered list of ioctls and signals.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "device/device_control.h"
#include "fake_device_layer.h"

namespace ck::device {
namespace {

using Log = std::vector<std::string>;

constexpr uid_t kOwner = 1000;
constexpr uid_t kOther = 1001;
const std::string kCtl = ":1.10";

class ADeviceControl : public ::testing::Test {
protected:
    SessionInfo session(std::string id = "Session1", unsigned vt = 7, bool active = true)
    {
        return SessionInfo{std::move(id), kOwner, "seat0", vt, active};
    }
    void control(const SessionInfo& s, const std::string& ctl = kCtl)
    {
        ASSERT_TRUE(dc.takeControl(s, ctl, kOwner, false).ok());
    }
    TakenDevice take(unsigned major, unsigned minor, const std::string& id = "Session1")
    {
        auto r = dc.takeDevice(id, kCtl, major, minor);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        return r.ok() ? r.value() : TakenDevice{};
    }
    Log drain() { return std::exchange(fake.log, {}); }

    test::FakeDeviceLayer fake;
    DeviceControl dc{fake, &fake, fake};
};

// Devices are handled in device-number order (13:64 before 226:0).

// --- TakeControl -------------------------------------------------------------------------------

TEST_F(ADeviceControl, PreparesTheSessionsVtWhenItsOwnerTakesControl)
{
    control(session());
    EXPECT_EQ(drain(), Log({"prepare vt7 uid 1000"}));
    EXPECT_EQ(dc.controllerOf("Session1"), kCtl);
    EXPECT_EQ(dc.preparedVts(), std::vector<unsigned>{7});
}

TEST_F(ADeviceControl, LetsRootTakeControlOfAnySession)
{
    EXPECT_TRUE(dc.takeControl(session(), kCtl, 0, false).ok());
}

TEST_F(ADeviceControl, RefusesControlToAUserWhoDoesNotOwnTheSession)
{
    auto r = dc.takeControl(session(), kCtl, kOther, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
    EXPECT_FALSE(dc.isControlled("Session1"));
    EXPECT_EQ(drain(), Log{});
}

TEST_F(ADeviceControl, TreatsTakeControlBySameSenderAsANoOp)
{
    control(session());
    drain();
    EXPECT_TRUE(dc.takeControl(session(), kCtl, kOwner, false).ok());
    EXPECT_EQ(drain(), Log{});
}

TEST_F(ADeviceControl, RefusesASecondControllerWithoutForce)
{
    control(session());
    auto r = dc.takeControl(session(), ":1.11", kOwner, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_EQ(r.error().message, "Session controller already present");
    EXPECT_EQ(dc.controllerOf("Session1"), kCtl);
}

TEST_F(ADeviceControl, RefusesForceByANonRootOwner)
{
    control(session());
    auto r = dc.takeControl(session(), ":1.11", kOwner, true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
    EXPECT_EQ(dc.controllerOf("Session1"), kCtl);
}

TEST_F(ADeviceControl, LetsRootForceATakeoverAndTellsTheOldControllerItsDevicesAreGone)
{
    control(session());
    take(226, 0);
    take(13, 64);
    drain();
    ASSERT_TRUE(dc.takeControl(session(), ":1.11", 0, true).ok());
    EXPECT_EQ(drain(),
        Log({"revoke event0#1", "dropMaster card0#1", "PauseDevice Session1 -> :1.10 13:64 gone",
            "PauseDevice Session1 -> :1.10 226:0 gone"}));
    EXPECT_EQ(dc.controllerOf("Session1"), ":1.11");
    EXPECT_EQ(dc.deviceCount("Session1"), 0u);
}

TEST_F(ADeviceControl, LeavesTheVtAloneForASessionWithoutVt)
{
    control(session("Session1", 0));
    EXPECT_EQ(drain(), Log{});
    EXPECT_TRUE(dc.isControlled("Session1"));
}

TEST_F(ADeviceControl, FailsTakeControlWhenTheVtCannotBePrepared)
{
    fake.failPrepare = true;
    auto r = dc.takeControl(session(), kCtl, kOwner, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_FALSE(dc.isControlled("Session1"));
}

TEST_F(ADeviceControl, RefusesASecondControllerOfTheSameVtThroughAnotherSession)
{
    control(session());
    auto r = dc.takeControl(session("Session2"), ":1.11", kOwner, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
}

// --- calls by others ------------------------------------------------------------------------------

TEST_F(ADeviceControl, AnswersEveryControllerOnlyCallFromAnotherSenderWithFailed)
{
    control(session());
    take(226, 0);
    drain();
    const std::string other = ":1.99";
    std::vector<Error> errors;
    if (auto r = dc.releaseControl("Session1", other); !r)
        errors.push_back(r.error());
    if (auto r = dc.takeDevice("Session1", other, 13, 64); !r)
        errors.push_back(r.error());
    if (auto r = dc.releaseDevice("Session1", other, 226, 0); !r)
        errors.push_back(r.error());
    if (auto r = dc.pauseDeviceComplete("Session1", other, 226, 0); !r)
        errors.push_back(r.error());
    if (auto r = dc.takeDevice("Session2", kCtl, 13, 64); !r) // an uncontrolled session
        errors.push_back(r.error());
    ASSERT_EQ(errors.size(), 5u);
    for (const auto& e : errors) {
        EXPECT_EQ(e.code, ErrorCode::Failed);
        EXPECT_TRUE(e.message.starts_with("Only the session controller may")) << e.message;
    }
    EXPECT_EQ(drain(), Log{});
}

// --- TakeDevice admission -----------------------------------------------------------------------

TEST_F(ADeviceControl, RefusesDeviceNumbersOutOfRangeBeforeLookingThemUp)
{
    control(session());
    drain();
    auto a = dc.takeDevice("Session1", kCtl, 4096, 0);
    auto b = dc.takeDevice("Session1", kCtl, 1, 1u << 20);
    ASSERT_FALSE(a.ok());
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(a.error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(b.error().code, ErrorCode::InvalidInput);
    EXPECT_EQ(drain(), Log{});
}

TEST_F(ADeviceControl, RefusesADeviceTakenTwice)
{
    control(session());
    take(226, 0);
    auto r = dc.takeDevice("Session1", kCtl, 226, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::General);
    EXPECT_EQ(r.error().message, "Device has already been requested");
}

TEST_F(ADeviceControl, RefusesAnUnsupportedDeviceAndRemembersNothingOfIt)
{
    control(session());
    auto r = dc.takeDevice("Session1", kCtl, 1, 3);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::NotSupported);
    EXPECT_EQ(dc.deviceCount("Session1"), 0u);
    // Asking again gets the same answer, not "already requested" (ConsoleKit2's bug).
    auto again = dc.takeDevice("Session1", kCtl, 1, 3);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::NotSupported);
}

TEST_F(ADeviceControl, RefusesADeviceOfAnotherSeat)
{
    fake.seats[226] = "seat1";
    control(session());
    drain();
    auto r = dc.takeDevice("Session1", kCtl, 226, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
    EXPECT_EQ(drain(), Log({"lookup 226:0"})); // never opened
}

TEST_F(ADeviceControl, RefusesEveryDeviceToASessionWithoutSeat)
{
    SessionInfo s = session("Session1", 0);
    s.seat.clear();
    control(s);
    auto r = dc.takeDevice("Session1", kCtl, 13, 64);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InsufficientPermission);
}

TEST_F(ADeviceControl, RefusesThe129thDevice)
{
    control(session());
    for (unsigned i = 0; i < kMaxDevicesPerSession; ++i)
        take(13, 64 + i);
    auto r = dc.takeDevice("Session1", kCtl, 13, 64 + 200);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_EQ(dc.deviceCount("Session1"), kMaxDevicesPerSession);
}

TEST_F(ADeviceControl, FailsTakeDeviceWhenTheNodeCannotBeOpened)
{
    fake.openErrors["card0"] = ENOENT;
    control(session());
    auto r = dc.takeDevice("Session1", kCtl, 226, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_EQ(dc.deviceCount("Session1"), 0u);
}

// --- TakeDevice per type and activity -----------------------------------------------------------

TEST_F(ADeviceControl, MakesTheDaemonsCardFdMasterInAnActiveSession)
{
    control(session());
    drain();
    TakenDevice card = take(226, 0);
    TakenDevice input = take(13, 64);
    EXPECT_FALSE(card.inactive);
    EXPECT_FALSE(input.inactive);
    EXPECT_EQ(fake.label(card.fd), "card0#1");
    EXPECT_EQ(drain(), Log({"lookup 226:0", "open card0#1", "setMaster card0#1", "lookup 13:64", "open event0#1"}));
    EXPECT_EQ(dc.deviceState("Session1", 226, 0).value(), DeviceState::Active);
}

TEST_F(ADeviceControl, HandsOutACardPausedWhenAnotherMasterExists)
{
    fake.setMasterErrors["card0"] = {EBUSY};
    control(session());
    TakenDevice card = take(226, 0);
    EXPECT_TRUE(card.inactive);
    EXPECT_EQ(dc.deviceState("Session1", 226, 0).value(), DeviceState::Paused);
}

TEST_F(ADeviceControl, HandsOutDevicesPausedInAnInactiveSession)
{
    control(session("Session1", 7, false));
    drain();
    EXPECT_TRUE(take(226, 0).inactive);
    EXPECT_TRUE(take(13, 64).inactive);
    EXPECT_TRUE(take(240, 0).inactive);
    EXPECT_EQ(drain(),
        Log({"lookup 226:0", "open card0#1", "dropMaster card0#1", "lookup 13:64", "open event0#1", "revoke event0#1",
            "lookup 240:0", "open hidraw0#1", "revoke hidraw0#1"}));
}

// --- VT switches -----------------------------------------------------------------------------------

TEST_F(ADeviceControl, PausesEveryDeviceBeforeLettingTheVtGo)
{
    control(session());
    take(226, 0);
    take(13, 64);
    drain();
    dc.vtRelease(7);
    EXPECT_EQ(drain(),
        Log({"revoke event0#1", "dropMaster card0#1", "PauseDevice Session1 -> :1.10 13:64 force",
            "PauseDevice Session1 -> :1.10 226:0 force", "reldisp vt7"}));
    // The seat then reports the session inactive: nothing more to do.
    dc.sessionActiveChanged("Session1", false);
    EXPECT_EQ(drain(), Log{});
}

TEST_F(ADeviceControl, ResumesOnReturnWithTheSameCardAndANewInputFd)
{
    control(session());
    const int cardFd = take(226, 0).fd;
    const int oldInput = take(13, 64).fd;
    dc.vtRelease(7);
    dc.sessionActiveChanged("Session1", false);
    drain();
    dc.vtAcquire(7);
    EXPECT_EQ(drain(), Log({"ackacq vt7"})); // the seat has not reported us active yet
    dc.sessionActiveChanged("Session1", true);
    EXPECT_EQ(drain(),
        Log({"open event0#2", "setMaster card0#1", "ResumeDevice Session1 -> :1.10 13:64 event0#2",
            "ResumeDevice Session1 -> :1.10 226:0 card0#1"}));
    // The revoked input fd was the daemon's own and is closed; the card's stays.
    EXPECT_LT(::fcntl(oldInput, F_GETFD), 0);
    EXPECT_GE(::fcntl(cardFd, F_GETFD), 0);
}

TEST_F(ADeviceControl, KeepsACardPausedWithoutResumeDeviceWhenSetMasterFails)
{
    control(session());
    take(226, 0);
    dc.vtRelease(7);
    dc.sessionActiveChanged("Session1", false);
    fake.setMasterErrors["card0"] = {EBUSY};
    drain();
    dc.sessionActiveChanged("Session1", true);
    EXPECT_EQ(drain(), Log({"setMaster card0#1 -> EBUSY"}));
    EXPECT_EQ(dc.deviceState("Session1", 226, 0).value(), DeviceState::Paused);
}

TEST_F(ADeviceControl, ShowsActiveFalseThenTrueAroundAQuickSwitchAwayAndBackTheSeatNeverSaw)
{
    control(session());
    take(226, 0);
    drain();
    dc.vtRelease(7);
    dc.vtAcquire(7); // the seat still says active: it never saw the other VT
    EXPECT_EQ(drain(),
        Log({"dropMaster card0#1", "PauseDevice Session1 -> :1.10 226:0 force", "reldisp vt7", "ackacq vt7",
            "ActiveChanged Session1 false", "ActiveChanged Session1 true", "setMaster card0#1",
            "ResumeDevice Session1 -> :1.10 226:0 card0#1"}));
}

TEST_F(ADeviceControl, PausesOnlyTheForegroundSessionOnARelease)
{
    control(session("Session1", 7));
    take(226, 0, "Session1");
    ASSERT_TRUE(dc.takeControl(session("Session2", 8, false), ":1.20", kOwner, false).ok());
    ASSERT_TRUE(dc.takeDevice("Session2", ":1.20", 13, 64).ok());
    drain();
    dc.vtRelease(7);
    EXPECT_EQ(drain(), Log({"dropMaster card0#1", "PauseDevice Session1 -> :1.10 226:0 force", "reldisp vt7"}));
}

TEST_F(ADeviceControl, LetsAnUncontrolledVtGoAndRestoresIt)
{
    dc.vtRelease(3);
    EXPECT_EQ(drain(), Log({"reldisp vt3", "restore vt3"}));
}

TEST_F(ADeviceControl, PausesDevicesWhenTheSeatMakesTheSessionInactiveWithoutAVtSignal)
{
    control(session("Session1", 0));
    take(226, 0);
    take(13, 64);
    drain();
    dc.sessionActiveChanged("Session1", false);
    EXPECT_EQ(drain(),
        Log({"revoke event0#1", "dropMaster card0#1", "PauseDevice Session1 -> :1.10 13:64 force",
            "PauseDevice Session1 -> :1.10 226:0 force"}));
}

// --- PauseDeviceComplete and the "pause" protocol --------------------------------------------------

TEST_F(ADeviceControl, AcceptsAnUnsolicitedPauseDeviceComplete)
{
    control(session());
    take(226, 0);
    drain();
    ASSERT_TRUE(dc.pauseDeviceComplete("Session1", kCtl, 226, 0).ok());
    EXPECT_EQ(drain(), Log({"dropMaster card0#1"}));
    EXPECT_EQ(dc.deviceState("Session1", 226, 0).value(), DeviceState::Paused);
    auto r = dc.pauseDeviceComplete("Session1", kCtl, 226, 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "Device doesn't exist");
}

TEST_F(ADeviceControl, CompletesAPauseRequestOnceTheControllerPausedEveryDevice)
{
    control(session("Session1", 0));
    take(226, 0);
    take(13, 64);
    drain();
    EXPECT_FALSE(dc.requestPause("Session1"));
    EXPECT_EQ(drain(),
        Log({"PauseDevice Session1 -> :1.10 13:64 pause", "PauseDevice Session1 -> :1.10 226:0 pause",
            "arm timer Session1 3000"}));
    ASSERT_TRUE(dc.pauseDeviceComplete("Session1", kCtl, 226, 0).ok());
    ASSERT_TRUE(dc.pauseDeviceComplete("Session1", kCtl, 13, 64).ok());
    EXPECT_EQ(
        drain(), Log({"dropMaster card0#1", "revoke event0#1", "cancel timer Session1", "pause completed Session1"}));
}

TEST_F(ADeviceControl, ForcesAPauseTheControllerDidNotAnswerInTime)
{
    control(session("Session1", 0));
    take(226, 0);
    take(13, 64);
    EXPECT_FALSE(dc.requestPause("Session1"));
    ASSERT_TRUE(dc.pauseDeviceComplete("Session1", kCtl, 226, 0).ok());
    drain();
    dc.pauseTimerFired("Session1");
    EXPECT_EQ(
        drain(), Log({"revoke event0#1", "PauseDevice Session1 -> :1.10 13:64 force", "pause completed Session1"}));
}

TEST_F(ADeviceControl, NeedsNoPauseWhenNothingRuns)
{
    control(session("Session1", 0, false));
    take(226, 0);
    EXPECT_TRUE(dc.requestPause("Session1"));
    EXPECT_TRUE(dc.requestPause("Session9"));
}

// --- release, loss of control, unplug ------------------------------------------------------------

TEST_F(ADeviceControl, StopsThenClosesAReleasedDeviceSilently)
{
    control(session());
    const int fd = take(226, 0).fd;
    drain();
    ASSERT_TRUE(dc.releaseDevice("Session1", kCtl, 226, 0).ok());
    EXPECT_EQ(drain(), Log({"dropMaster card0#1"}));
    EXPECT_LT(::fcntl(fd, F_GETFD), 0);
    auto r = dc.releaseDevice("Session1", kCtl, 226, 0);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Failed);
    EXPECT_EQ(r.error().message, "Device doesn't exist");
}

class ALostController : public ADeviceControl, public ::testing::WithParamInterface<int> { };

TEST_P(ALostController, StopsAndClosesEveryDeviceSilentlyAndRestoresTheVt)
{
    control(session());
    const int card = take(226, 0).fd;
    take(13, 64);
    drain();
    switch (GetParam()) {
    case 0:
        ASSERT_TRUE(dc.releaseControl("Session1", kCtl).ok());
        break;
    case 1:
        dc.nameVanished(kCtl);
        break;
    case 2:
        dc.sessionClosed("Session1");
        break;
    case 3:
        dc.shutdown();
        break;
    }
    EXPECT_EQ(drain(), Log({"revoke event0#1", "dropMaster card0#1", "restore vt7"}));
    EXPECT_FALSE(dc.isControlled("Session1"));
    EXPECT_LT(::fcntl(card, F_GETFD), 0);
}

INSTANTIATE_TEST_SUITE_P(ReleaseVanishCloseShutdown, ALostController, ::testing::Values(0, 1, 2, 3));

TEST_F(ADeviceControl, IgnoresTheVanishingOfANameThatControlsNothing)
{
    control(session());
    drain();
    dc.nameVanished(":1.77");
    EXPECT_EQ(drain(), Log{});
    EXPECT_TRUE(dc.isControlled("Session1"));
}

TEST_F(ADeviceControl, TellsTheControllerAnUnpluggedDeviceIsGone)
{
    control(session());
    take(13, 64);
    drain();
    dc.deviceRemoved(13, 64);
    EXPECT_EQ(drain(), Log({"revoke event0#1", "PauseDevice Session1 -> :1.10 13:64 gone"}));
    EXPECT_EQ(dc.deviceCount("Session1"), 0u);
}

TEST_F(ADeviceControl, RestoresEveryPreparedVtWhenDestroyed)
{
    auto layer = std::make_unique<test::FakeDeviceLayer>();
    {
        DeviceControl local(*layer, layer.get(), *layer);
        ASSERT_TRUE(local.takeControl(session(), kCtl, kOwner, false).ok());
    }
    EXPECT_EQ(layer->log, Log({"prepare vt7 uid 1000", "restore vt7"}));
}

TEST_F(ADeviceControl, RecordsWhoControlsWhichDevices)
{
    control(session());
    take(226, 0);
    take(13, 64);
    auto records = dc.records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].session, "Session1");
    EXPECT_EQ(records[0].controller, kCtl);
    EXPECT_EQ(records[0].devices, (std::vector<std::pair<unsigned, unsigned>>{{13, 64}, {226, 0}}));
    dc.nameVanished(kCtl);
    EXPECT_TRUE(dc.records().empty());
}

TEST(DeviceTypeNames, NameEveryTypeAndState)
{
    EXPECT_STREQ(typeName(Type::Drm), "drm");
    EXPECT_STREQ(typeName(Type::Evdev), "evdev");
    EXPECT_STREQ(typeName(Type::Hidraw), "hidraw");
    EXPECT_STREQ(deviceStateName(DeviceState::Active), "active");
    EXPECT_STREQ(deviceStateName(DeviceState::Paused), "paused");
    EXPECT_STREQ(deviceStateName(DeviceState::PendingPause), "pending-pause");
}

} // namespace
} // namespace ck::device
