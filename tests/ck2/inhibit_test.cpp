// Inhibitor locks on a real bus: the fd is the lock, ListInhibitors, block and delay locks
// against the system actions, idle locks, bad input, the per-user cap.
#include <unistd.h>

#include <string>
#include <thread>

#include "ck2/ck2_fixture.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEmptyList = "(@a(ssssuu) [],)";

std::string holderScript()
{
    return env("CK_SOURCE_ROOT") + "/tests/ck2/inhibit_holder.py";
}

using AnInhibitor = Ck2Test;

TEST_F(AnInhibitor, ListsNothingAsAnEmptyArray)
{
    EXPECT_EQ(client_->manager("ListInhibitors").print(), kEmptyList);
}

TEST_F(AnInhibitor, ReturnsAnFdAndListsTheLockWithTheCallersUidAndPid)
{
    Lock lock = inhibit(*client_, "shutdown:sleep", "tester", "testing", "block");
    ASSERT_GE(lock.fd, 0) << lock.errorName << ": " << lock.errorMessage;
    EXPECT_EQ(client_->manager("ListInhibitors").print(),
        "([('shutdown:sleep', 'tester', 'testing', 'block', uint32 0, uint32 " + std::to_string(::getpid()) + ")],)");
    ::close(lock.fd);
}

TEST_F(AnInhibitor, IsReleasedOnceEveryCopyOfItsFdIsClosed)
{
    Lock lock = inhibit(*client_, "idle", "tester", "", "delay");
    ASSERT_GE(lock.fd, 0) << lock.errorMessage;
    const int copy = ::dup(lock.fd);
    ::close(lock.fd);
    std::this_thread::sleep_for(200ms);
    EXPECT_NE(client_->manager("ListInhibitors").print(), kEmptyList); // the copy still holds it
    const auto closed = std::chrono::steady_clock::now();
    ::close(copy);
    EXPECT_TRUE(client_->waitFor([&] { return client_->manager("ListInhibitors").print() == kEmptyList; }, 2s));
    std::fprintf(stderr, "lock released %.1f ms after the last close\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - closed).count());
}

TEST_F(AnInhibitor, SpellsWhatInAFixedOrder)
{
    Lock a = inhibit(*client_, "idle:sleep:shutdown", "a", "", "block");
    Lock b = inhibit(
        *client_, "handle-lid-switch:handle-power-key:handle-hibernate-key:handle-suspend-key", "b", "", "delay");
    ASSERT_GE(a.fd, 0);
    ASSERT_GE(b.fd, 0);
    const std::string list = client_->manager("ListInhibitors").print();
    EXPECT_NE(list.find("'shutdown:sleep:idle', 'a'"), std::string::npos) << list;
    EXPECT_NE(list.find("'handle-power-key:handle-suspend-key:handle-hibernate-key:handle-lid-switch', 'b'"),
        std::string::npos)
        << list;
    ::close(a.fd);
    ::close(b.fd);
}

TEST_F(AnInhibitor, RejectsBadInputNamingTheProblem)
{
    struct Case {
        std::string what, who, mode, expect;
    };
    const std::vector<Case> cases = {
        {"", "x", "block", "empty"},
        {"sleep:coffee", "x", "block", "\"coffee\""},
        {"sleep::idle", "x", "block", "empty token"},
        {"sleep:", "x", "block", "empty token"},
        {":sleep", "x", "block", "empty token"},
        {"sleep", "x", "Block", "mode \"Block\""},
        {"sleep", "x", "", "mode"},
        {"sleep", std::string(4097, 'w'), "block", "'who' is longer than 4096"},
    };
    for (const auto& c : cases) {
        Lock lock = inhibit(*client_, c.what, c.who, "why", c.mode);
        EXPECT_LT(lock.fd, 0) << c.what;
        EXPECT_EQ(lock.errorName, "org.freedesktop.ConsoleKit.Manager.Error.InvalidInput") << c.what;
        EXPECT_NE(lock.errorMessage.find(c.expect), std::string::npos) << c.what << ": " << lock.errorMessage;
    }
    EXPECT_EQ(client_->manager("ListInhibitors").print(), kEmptyList);
    Lock ok = inhibit(*client_, "sleep", std::string(4096, 'w'), "", "block"); // exactly the limit
    EXPECT_GE(ok.fd, 0) << ok.errorMessage;
    ::close(ok.fd);
}

TEST_F(AnInhibitor, InBlockModeOnShutdownRefusesPowerOffToOtherUsersButNotToRoot)
{
    Lock lock = inhibit(*client_, "shutdown", "burner", "writing a DVD", "block");
    ASSERT_GE(lock.fd, 0);
    for (const char* method : {"PowerOff", "Reboot"}) {
        CommandResult r
            = gdbusCallAs(65534, bus_->address(), kManagerPath, std::string(kManagerIface) + "." + method, {"false"});
        EXPECT_NE(r.output.find("org.freedesktop.ConsoleKit.Manager.Error.Inhibited"), std::string::npos)
            << method << r.output;
        EXPECT_NE(r.output.find("burner"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("writing a DVD"), std::string::npos) << r.output;
    }
    for (const char* method : {"Stop", "Restart"}) {
        CommandResult r = gdbusCallAs(65534, bus_->address(), kManagerPath, std::string(kManagerIface) + "." + method);
        EXPECT_NE(r.output.find("org.freedesktop.ConsoleKit.Manager.Error.Inhibited"), std::string::npos)
            << method << r.output;
    }
    EXPECT_TRUE(scriptCalls().empty());
    // Root overrides a block lock (its own here; another user's in inhibit_authorization_test).
    EXPECT_TRUE(client_->manager("PowerOff", g_variant_new("(b)", FALSE)).ok());
    EXPECT_EQ(scriptCalls(), (std::vector<std::string>{"ck-system-stop"}));
    ::close(lock.fd);
}

class ADelayInhibitor : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.extraArgs = {"--inhibit-delay-max-ms=20000"};
        return s;
    }
};

TEST_F(ADelayInhibitor, HoldsTheActionUntilItIsReleased)
{
    client_->watchSignals();
    Lock lock = inhibit(*client_, "sleep", "player", "saving state", "delay");
    ASSERT_GE(lock.fd, 0);
    AsyncCall suspend;
    suspend.start(*client_, "Suspend", g_variant_new("(b)", FALSE));
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(true,)") == 1; }));
    client_->waitFor([] { return false; }, 500ms);
    EXPECT_FALSE(suspend.finished);
    EXPECT_TRUE(scriptCalls().empty());

    const auto released = std::chrono::steady_clock::now();
    ::close(lock.fd);
    ASSERT_TRUE(client_->waitFor([&] { return suspend.finished; }, 5s));
    EXPECT_TRUE(suspend.reply.ok()) << suspend.reply.print();
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-suspend"});
    const auto afterRelease = suspend.answered - released;
    EXPECT_LT(afterRelease, 1s);
    std::fprintf(stderr, "Suspend answered %.1f ms after the delay lock was released\n",
        std::chrono::duration<double, std::milli>(afterRelease).count());
}

TEST_F(ADelayInhibitor, OnShutdownDoesNotDelaySleep)
{
    Lock lock = inhibit(*client_, "shutdown", "x", "", "delay");
    ASSERT_GE(lock.fd, 0);
    const auto before = std::chrono::steady_clock::now();
    EXPECT_TRUE(client_->manager("Suspend", g_variant_new("(b)", FALSE)).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
    ::close(lock.fd);
}

class ADelayInhibitorWithPolkit : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.polkit = true;
        s.extraArgs = {"--inhibit-delay-max-ms=20000"};
        return s;
    }
};

TEST_F(ADelayInhibitorWithPolkit, LosesToAnotherUsersBlockInhibitorTakenMeanwhile)
{
    polkit_->setDefault("yes");
    polkit_->setAnswer("org.freedesktop.consolekit.system.suspend-ignore-inhibit", "no");
    client_->watchSignals();
    Lock delay = inhibit(*client_, "sleep", "slow", "", "delay");
    ASSERT_GE(delay.fd, 0);
    // uid 2 (bin) asks to suspend; the delay lock holds it off.
    Child suspend({"sh", "-c",
        "setpriv --reuid=2 --regid=2 --clear-groups gdbus call --address '" + bus_->address()
            + "' --dest org.freedesktop.ConsoleKit --object-path /org/freedesktop/ConsoleKit/Manager --method "
              "org.freedesktop.ConsoleKit.Manager.Suspend false 2>&1"});
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(true,)") == 1; }));
    Lock block = inhibit(*client_, "sleep", "stubborn", "no", "block"); // root's lock: another user's
    ASSERT_GE(block.fd, 0);
    ::close(delay.fd);
    auto line = suspend.readLine(10s);
    ASSERT_TRUE(line.has_value());
    EXPECT_NE(line->find("org.freedesktop.ConsoleKit.Manager.Error.Inhibited"), std::string::npos) << *line;
    EXPECT_NE(line->find("stubborn"), std::string::npos) << *line;
    EXPECT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(false,)") == 1; }));
    EXPECT_TRUE(scriptCalls().empty());
    ::close(block.fd);
}

TEST_F(ADelayInhibitor, DoesNotStopRootWithABlockInhibitorTakenMeanwhile)
{
    client_->watchSignals();
    Lock delay = inhibit(*client_, "sleep", "slow", "", "delay");
    ASSERT_GE(delay.fd, 0);
    AsyncCall suspend;
    suspend.start(*client_, "Suspend", g_variant_new("(b)", FALSE));
    ASSERT_TRUE(client_->waitFor([&] { return countSignals(*client_, "PrepareForSleep", "(true,)") == 1; }));
    Lock block = inhibit(*client_, "sleep", "stubborn", "no", "block");
    ASSERT_GE(block.fd, 0);
    ::close(delay.fd);
    ASSERT_TRUE(client_->waitFor([&] { return suspend.finished; }, 5s));
    EXPECT_TRUE(suspend.reply.ok()) << suspend.reply.print();
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-suspend"});
    ::close(block.fd);
}

class ADelayInhibitorWithAShortBound : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.extraArgs = {"--inhibit-delay-max-ms=500"};
        return s;
    }
};

TEST_F(ADelayInhibitorWithAShortBound, HoldsTheActionNoLongerThanTheBound)
{
    Lock lock = inhibit(*client_, "sleep", "forgetful", "", "delay");
    ASSERT_GE(lock.fd, 0);
    const auto before = std::chrono::steady_clock::now();
    Reply r = client_->manager("Suspend", g_variant_new("(b)", FALSE));
    const auto took = std::chrono::steady_clock::now() - before;
    EXPECT_TRUE(r.ok()) << r.print();
    EXPECT_GE(took, 450ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(scriptCalls(), std::vector<std::string>{"ck-system-suspend"});
    EXPECT_NE(client_->manager("ListInhibitors").print(), kEmptyList); // the lock itself stays
    ::close(lock.fd);
}

TEST_F(AnInhibitor, OnIdleInBlockModeKeepsTheSystemFromBeingIdle)
{
    client_->watchSignals();
    EXPECT_EQ(client_->manager("GetSystemIdleHint").print(), "(true,)"); // no sessions: idle
    Lock delay = inhibit(*client_, "idle", "x", "", "delay");
    EXPECT_EQ(client_->manager("GetSystemIdleHint").print(), "(true,)"); // delay mode: no effect
    Lock block = inhibit(*client_, "idle", "presenter", "slides", "block");
    ASSERT_GE(block.fd, 0);
    EXPECT_EQ(client_->manager("GetSystemIdleHint").print(), "(false,)");
    EXPECT_TRUE(client_->waitForSignal("SystemIdleHintChanged"));
    ::close(block.fd);
    EXPECT_TRUE(client_->waitFor([&] { return countSignals(*client_, "SystemIdleHintChanged", "(true,)") == 1; }, 2s));
    EXPECT_EQ(client_->manager("GetSystemIdleHint").print(), "(true,)");
    ::close(delay.fd);
}

TEST_F(AnInhibitor, GoesAwayWithTheProcessThatHeldIt)
{
    Child holder({"/usr/bin/python3", holderScript(), bus_->address(), "1", "sleep", "block"});
    ASSERT_EQ(holder.readLine(), "ok");
    ASSERT_EQ(holder.readLine(), "holding");
    const std::string list = client_->manager("ListInhibitors").print();
    EXPECT_NE(list.find("uint32 " + std::to_string(holder.pid())), std::string::npos) << list;
    holder.kill(SIGKILL);
    EXPECT_TRUE(client_->waitFor([&] { return client_->manager("ListInhibitors").print() == kEmptyList; }, 2s));
}

class AnInhibitorCap : public Ck2Test {
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.extraArgs = {"--inhibitors-per-user=3"};
        return s;
    }
};

TEST_F(AnInhibitorCap, LimitsTheLocksOfAnUnprivilegedUserButNotRoot)
{
    Child nobody({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", holderScript(),
        bus_->address(), "4", "shutdown", "delay"});
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(nobody.readLine(), "ok") << i;
    auto refused = nobody.readLine();
    ASSERT_TRUE(refused.has_value());
    EXPECT_TRUE(refused->starts_with("error org.freedesktop.ConsoleKit.Manager.Error.Busy: ")) << *refused;
    EXPECT_NE(refused->find("uid 65534"), std::string::npos) << *refused;
    ASSERT_EQ(nobody.readLine(), "holding");

    Reply list = client_->manager("ListInhibitors");
    ASSERT_TRUE(list.ok()) << list.print();
    GVariantIter* iter = nullptr;
    g_variant_get(list.value, "(a(ssssuu))", &iter);
    const gchar *what = nullptr, *who = nullptr, *why = nullptr, *mode = nullptr;
    guint32 uid = 0, pid = 0;
    size_t count = 0;
    while (g_variant_iter_next(iter, "(&s&s&s&suu)", &what, &who, &why, &mode, &uid, &pid)) {
        EXPECT_EQ(uid, 65534u);
        EXPECT_EQ(pid, static_cast<guint32>(nobody.pid()));
        ++count;
    }
    g_variant_iter_free(iter);
    EXPECT_EQ(count, 3u) << list.print();

    std::vector<Lock> mine;
    for (int i = 0; i < 5; ++i) {
        mine.push_back(inhibit(*client_, "sleep", "root " + std::to_string(i), "", "block"));
        EXPECT_GE(mine.back().fd, 0) << mine.back().errorMessage;
    }
    nobody.closeStdin();
    EXPECT_EQ(nobody.wait(), 0);
    for (auto& l : mine)
        ::close(l.fd);
    EXPECT_TRUE(client_->waitFor([&] { return client_->manager("ListInhibitors").print() == kEmptyList; }, 2s));
}

} // namespace
} // namespace ck::test
