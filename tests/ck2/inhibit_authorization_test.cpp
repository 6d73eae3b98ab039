// Issue 18.6: who may take a block lock, and who may act against one. Every attack runs as an
// unprivileged uid (setpriv) against the real daemon on the private bus.
#include <unistd.h>

#include <string>

#include "ck2/ck2_fixture.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEmptyList = "(@a(ssssuu) [],)";
constexpr uid_t kNobody = 65534;
constexpr uid_t kOtherUser = 2; // "bin": the bus needs a passwd entry
const std::string kManagerError = "org.freedesktop.ConsoleKit.Manager.Error.";

// inhibit_holder.py as `uid`: takes one lock and holds it until the Child goes.
std::unique_ptr<Child> holderAs(uid_t uid, const std::string& address, const std::string& what, const std::string& mode)
{
    return std::make_unique<Child>(std::vector<std::string>{"setpriv", "--reuid=" + std::to_string(uid),
        "--regid=" + std::to_string(uid), "--clear-groups", "/usr/bin/python3",
        env("CK_SOURCE_ROOT") + "/tests/ck2/inhibit_holder.py", address, "1", what, mode});
}

class AnInhibitorWithoutPolkit : public Ck2Test {
protected:
    // A local session of `uid`, opened by root with parameters (as a display manager does).
    std::string localSessionOf(uid_t uid)
    {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
        g_variant_builder_add(&b, "(sv)", "is-local", g_variant_new_boolean(TRUE));
        g_variant_builder_add(&b, "(sv)", "display-device", g_variant_new_string("/dev/tty9"));
        return openSession(*client_, g_variant_new("(a(sv))", &b));
    }
};

TEST_F(AnInhibitorWithoutPolkit, RefusesABlockLockToAUserWithoutASessionWithANamedError)
{
    for (const char* what : {"shutdown", "sleep", "idle", "handle-power-key", "sleep:shutdown"}) {
        auto nobody = holderAs(kNobody, bus_->address(), what, "block");
        auto line = nobody->readLine();
        ASSERT_TRUE(line.has_value()) << what;
        EXPECT_TRUE(line->starts_with("error " + kManagerError + "InsufficientPermission: ")) << what << ": " << *line;
        EXPECT_NE(line->find("local session"), std::string::npos) << *line;
    }
    EXPECT_EQ(client_->manager("ListInhibitors").print(), kEmptyList);
    // Nothing stops root's power-off now.
    EXPECT_TRUE(client_->manager("PowerOff", g_variant_new("(b)", FALSE)).ok());
}

TEST_F(AnInhibitorWithoutPolkit, GivesADelayLockOnShutdownOrSleepToAnybody)
{
    auto nobody = holderAs(kNobody, bus_->address(), "sleep:shutdown", "delay");
    EXPECT_EQ(nobody->readLine(), "ok");
    EXPECT_EQ(nobody->readLine(), "holding");
    EXPECT_NE(client_->manager("ListInhibitors").print(), kEmptyList);
}

TEST_F(AnInhibitorWithoutPolkit, GivesABlockLockToAUserWithALocalSession)
{
    ASSERT_FALSE(localSessionOf(kNobody).empty());
    auto nobody = holderAs(kNobody, bus_->address(), "shutdown", "block");
    EXPECT_EQ(nobody->readLine(), "ok");
    EXPECT_EQ(nobody->readLine(), "holding");
    const std::string list = client_->manager("ListInhibitors").print();
    EXPECT_NE(list.find("'shutdown', 'holder 0', 'test', 'block', uint32 65534"), std::string::npos) << list;
}

TEST_F(AnInhibitorWithoutPolkit, BlocksAnotherUserButRootOverridesIt)
{
    ASSERT_FALSE(localSessionOf(kNobody).empty());
    auto nobody = holderAs(kNobody, bus_->address(), "shutdown", "block");
    ASSERT_EQ(nobody->readLine(), "ok");
    ASSERT_EQ(nobody->readLine(), "holding");

    CommandResult other
        = gdbusCallAs(kOtherUser, bus_->address(), kManagerPath, std::string(kManagerIface) + ".PowerOff", {"false"});
    EXPECT_NE(other.status, 0);
    EXPECT_NE(other.output.find(kManagerError + "Inhibited"), std::string::npos) << other.output;
    EXPECT_NE(other.output.find("holder 0"), std::string::npos) << other.output;
    EXPECT_TRUE(scriptCalls().empty());

    Reply root = client_->manager("PowerOff", g_variant_new("(b)", FALSE));
    EXPECT_TRUE(root.ok()) << root.print();
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-stop"});
}

class AnInhibitorWithPolkit : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.polkit = true;
        return s;
    }
};

TEST_F(AnInhibitorWithPolkit, AsksTheAuthorityForEveryKindOfABlockLockAndHonoursANo)
{
    polkit_->setAnswer("org.freedesktop.consolekit.inhibit-block-sleep", "yes");
    polkit_->setAnswer("org.freedesktop.consolekit.inhibit-block-shutdown", "no");
    auto refused = holderAs(kNobody, bus_->address(), "sleep:shutdown", "block");
    auto line = refused->readLine();
    ASSERT_TRUE(line.has_value());
    EXPECT_TRUE(line->starts_with("error " + kManagerError + "InsufficientPermission: ")) << *line;
    EXPECT_NE(line->find("org.freedesktop.consolekit.inhibit-block-shutdown"), std::string::npos) << *line;
    std::vector<std::string> asked;
    for (const auto& c : polkit_->checks()) {
        asked.push_back(c.actionId);
        EXPECT_EQ(c.flags, 0u) << "Inhibit asks without interaction";
    }
    EXPECT_EQ(asked, (std::vector<std::string>{"org.freedesktop.consolekit.inhibit-block-shutdown"}))
        << "shutdown is checked first and decides";

    polkit_->clearChecks();
    auto allowed = holderAs(kNobody, bus_->address(), "sleep", "block");
    EXPECT_EQ(allowed->readLine(), "ok");
    ASSERT_EQ(polkit_->checks().size(), 1u);
    EXPECT_EQ(polkit_->checks()[0].actionId, "org.freedesktop.consolekit.inhibit-block-sleep");
}

TEST_F(AnInhibitorWithPolkit, LetsAUserWithTheIgnoreInhibitActionActAgainstAnotherUsersBlock)
{
    polkit_->setDefault("yes"); // locks and actions
    polkit_->setAnswer("org.freedesktop.consolekit.system.stop-ignore-inhibit", "no");
    auto nobody = holderAs(kNobody, bus_->address(), "shutdown", "block");
    ASSERT_EQ(nobody->readLine(), "ok");
    ASSERT_EQ(nobody->readLine(), "holding");

    const std::string method = std::string(kManagerIface) + ".PowerOff";
    CommandResult refused = gdbusCallAs(kOtherUser, bus_->address(), kManagerPath, method, {"false"});
    EXPECT_NE(refused.output.find(kManagerError + "Inhibited"), std::string::npos) << refused.output;
    EXPECT_TRUE(scriptCalls().empty());

    // The holder's own lock does not stop the holder (logind's rule).
    CommandResult own = gdbusCallAs(kNobody, bus_->address(), kManagerPath, method, {"false"});
    EXPECT_EQ(own.status, 0) << own.output;
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-stop"});

    polkit_->setAnswer("org.freedesktop.consolekit.system.stop-ignore-inhibit", "yes");
    CommandResult overridden = gdbusCallAs(kOtherUser, bus_->address(), kManagerPath, method, {"false"});
    EXPECT_EQ(overridden.status, 0) << overridden.output;
    EXPECT_EQ(scriptCalls().size(), 2u);
}

} // namespace
} // namespace ck::test
