// pam_ck_connector's rules on their own: from PAM items and environment to the request.
#include <gtest/gtest.h>

#include "pam/login_request.h"

namespace ck::pam {
namespace {

ModuleOptions options(std::initializer_list<const char*> args)
{
    std::vector<const char*> argv(args);
    return parseOptions(static_cast<int>(argv.size()), argv.data());
}

TEST(ModuleOptionsParsing, KnowsDebugAndNox11AndCollectsTheRest)
{
    ModuleOptions o = options({"debug", "nox11", "frobnicate"});
    EXPECT_TRUE(o.debug);
    EXPECT_TRUE(o.nox11);
    EXPECT_EQ(o.unknown, std::vector<std::string>{"frobnicate"});
    ModuleOptions none = options({});
    EXPECT_FALSE(none.debug);
    EXPECT_FALSE(none.nox11) << "nothing carries over from an earlier call";
}

TEST(ALoginRequest, PutsDevInFrontOfARelativeTty)
{
    LoginInputs in;
    in.tty = "tty1";
    EXPECT_EQ(decide(in, {}).request->displayDevice, "/dev/tty1");
    in.tty = "/dev/pts/3";
    EXPECT_EQ(decide(in, {}).request->displayDevice, "/dev/pts/3");
}

TEST(ALoginRequest, TakesATtyWithAColonForAnX11Display)
{
    LoginInputs in;
    in.tty = ":0";
    Decision d = decide(in, {});
    ASSERT_TRUE(d.request);
    EXPECT_EQ(d.request->x11Display, ":0");
    EXPECT_EQ(d.request->displayDevice, "");
}

TEST(ALoginRequest, LetsCkconVariablesOverrideTheItems)
{
    LoginInputs in;
    in.tty = "tty1";
    in.xdisplay = ":1";
    in.ckconTty = "/dev/tty9";
    in.ckconX11Display = ":9";
    in.ckconX11DisplayDevice = "/dev/tty10";
    in.xdgVtnr = "2";
    Decision d = decide(in, {});
    ASSERT_TRUE(d.request);
    EXPECT_EQ(d.request->displayDevice, "/dev/tty9");
    EXPECT_EQ(d.request->x11Display, ":9");
    EXPECT_EQ(d.request->x11DisplayDevice, "/dev/tty10");
    EXPECT_EQ(d.request->vtnr, 2u);
}

TEST(ALoginRequest, TakesOnlyAVtNumberFromOneTo63)
{
    LoginInputs in;
    in.tty = "tty1";
    for (const char* bad : {"0", "64", "x", "-1", "007", ""}) {
        in.xdgVtnr = bad;
        EXPECT_FALSE(decide(in, {}).request->vtnr) << bad;
    }
    in.xdgVtnr = "63";
    EXPECT_EQ(decide(in, {}).request->vtnr, 63u);
}

TEST(ALoginRequest, IsRemoteWithARemoteHostAndLocalWithAnEmptyOne)
{
    LoginInputs in;
    in.tty = "pts/0";
    in.rhost = "";
    EXPECT_TRUE(decide(in, {}).request->isLocal);
    in.rhost = "example.org";
    Decision d = decide(in, {});
    EXPECT_FALSE(d.request->isLocal);
    EXPECT_EQ(d.request->remoteHostName, "example.org");
}

TEST(ALoginRequest, FailsWithoutAnyTerminalOrDisplay)
{
    LoginInputs in;
    in.tty = "";
    Decision d = decide(in, {});
    EXPECT_FALSE(d.request);
    EXPECT_TRUE(d.failure);
}

TEST(ALoginRequest, IsSkippedWithNox11ForEveryGraphicalHint)
{
    const ModuleOptions nox11 = options({"nox11"});
    LoginInputs tty;
    tty.tty = "tty7";
    LoginInputs a = tty, b = tty, c = tty, d = tty;
    a.xdisplay = ":0";
    b.ckconX11Display = ":1";
    c.xdgSessionType = "wayland";
    d.tty = ":0";
    for (const LoginInputs& in : {a, b, c, d}) {
        Decision r = decide(in, nox11);
        EXPECT_FALSE(r.request);
        EXPECT_FALSE(r.failure) << "a deliberate skip, not a failure";
    }
    LoginInputs text = tty;
    text.xdgSessionType = "tty";
    EXPECT_TRUE(decide(text, nox11).request);
}

} // namespace
} // namespace ck::pam
