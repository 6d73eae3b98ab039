// LightDM's liblightdm-gobject against the daemon: what a greeter's power menu gets from us
// when logind is absent.
#include <map>
#include <sstream>

#include "ck2/ck2_fixture.h"

namespace ck::test {
namespace {

class ALightDMGreeter : public Ck2Test {
protected:
    Ck2Setup setup() override
    {
        Ck2Setup s;
        s.polkit = true;
        s.meminfo = "Active(anon):    1000 kB\nSwapTotal:    8000000 kB\nSwapFree:     8000000 kB\n";
        return s;
    }
    // Runs lightdm_client.py with the given requests; name -> printed result.
    std::map<std::string, std::string> ask(const std::vector<std::string>& requests)
    {
        std::vector<std::string> argv = {"/usr/bin/python3", env("CK_SOURCE_ROOT") + "/tests/ck2/lightdm_client.py"};
        argv.insert(argv.end(), requests.begin(), requests.end());
        CommandResult r = runCommand(argv, {{"DBUS_SYSTEM_BUS_ADDRESS", bus_->address()}});
        if (r.status == 77)
            skipped_ = true;
        std::map<std::string, std::string> out;
        std::istringstream lines(r.output);
        for (std::string line; std::getline(lines, line);)
            if (auto eq = line.find('='); eq != std::string::npos)
                out[line.substr(0, eq)] = line.substr(eq + 1);
        return out;
    }
    bool skipped_ = false;
};

TEST_F(ALightDMGreeter, SeesTheBooleanAnswersOfCanRestartAndCanStop)
{
    polkit_->setAnswer("org.freedesktop.consolekit.system.restart", "yes");
    polkit_->setAnswer("org.freedesktop.consolekit.system.stop", "no");
    auto answers = ask({"can_restart", "can_shutdown"});
    if (skipped_)
        GTEST_SKIP() << "gir1.2-lightdm-1 is not installed";
    EXPECT_EQ(answers["can_restart"], "True"); // our CanRestart -> true
    EXPECT_EQ(answers["can_shutdown"], "False"); // our CanStop -> false
    EXPECT_TRUE(boolean(client_->manager("CanRestart")));
    EXPECT_FALSE(boolean(client_->manager("CanStop")));
}

// liblightdm 1.26 reads ConsoleKit2's string answers of CanSuspend/CanHibernate and offers the
// action only for "yes": "challenge" (authentication needed) hides it from the greeter.
TEST_F(ALightDMGreeter, OffersSuspendAndHibernateOnlyForAPlainYes)
{
    polkit_->setAnswer("org.freedesktop.consolekit.system.suspend", "yes");
    polkit_->setAnswer("org.freedesktop.consolekit.system.hibernate", "challenge");
    auto answers = ask({"can_suspend", "can_hibernate"});
    if (skipped_)
        GTEST_SKIP() << "gir1.2-lightdm-1 is not installed";
    EXPECT_EQ(str(client_->manager("CanSuspend")), "yes");
    EXPECT_EQ(str(client_->manager("CanHibernate")), "challenge");
    EXPECT_EQ(answers["can_suspend"], "True");
    EXPECT_EQ(answers["can_hibernate"], "False");
    const auto checks = polkit_->checks();
    ASSERT_GE(checks.size(), 2u);
    EXPECT_EQ(checks[0].actionId, "org.freedesktop.consolekit.system.suspend");
    EXPECT_EQ(checks[0].flags, 0u);
}

TEST_F(ALightDMGreeter, SuspendsAndRestartsThroughTheDaemon)
{
    polkit_->setDefault("yes");
    auto answers = ask({"suspend", "restart"});
    if (skipped_)
        GTEST_SKIP() << "gir1.2-lightdm-1 is not installed";
    EXPECT_EQ(answers["suspend"], "True");
    EXPECT_EQ(answers["restart"], "True");
    EXPECT_EQ(scriptCalls(), (std::vector<std::string>{"ck-system-suspend", "ck-system-restart"}));
    const auto checks = polkit_->checks();
    ASSERT_EQ(checks.size(), 2u);
    EXPECT_EQ(checks[0].flags, 0u); // lightdm_suspend passes interactive = FALSE
    EXPECT_EQ(checks[1].flags, 1u); // Restart() always allows interaction
}

TEST_F(ALightDMGreeter, ReportsARefusalAsAnError)
{
    polkit_->setAnswer("org.freedesktop.consolekit.system.stop", "no");
    auto answers = ask({"shutdown"});
    if (skipped_)
        GTEST_SKIP() << "gir1.2-lightdm-1 is not installed";
    EXPECT_TRUE(answers["shutdown"].starts_with("error: ")) << answers["shutdown"];
    EXPECT_NE(answers["shutdown"].find("Not Authorized"), std::string::npos) << answers["shutdown"];
    EXPECT_TRUE(scriptCalls().empty());
}

} // namespace
} // namespace ck::test
