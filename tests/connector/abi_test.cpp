// ABI check: ConsoleKit2's own test-connector and ck-launch-session, built by abi-check.sh from a
// ConsoleKit2 source tree (CK_CONSOLEKIT2_SRC; skipped without it) against our header and library,
// run unchanged against our libck-connector.so.0 and the real daemon.
#include <fstream>

#include "connector/connector_fixture.h"

namespace ck::test {
namespace {

class ConsoleKit2Programs : public ConnectorTest {
protected:
    void SetUp() override
    {
        const std::string source = env("CK_CONSOLEKIT2_SRC");
        skipUnless(!source.empty(), "CK_CONSOLEKIT2_SRC (a ConsoleKit2 source tree) is not set");
        ConnectorTest::SetUp();
        out_ = bus_->dir() + "/abi";
        const CommandResult built = runCommand(
            {"sh", env("CK_ABI_CHECK"), source, out_, env("CK_CONNECTOR_LIB_DIR"), env("CK_CONNECTOR_HEADER_DIR")});
        skipUnless(built.status != 77, "no ConsoleKit2 source tree");
        std::fprintf(stderr, "%s", built.output.c_str());
        ASSERT_EQ(built.status, 0) << built.output;
    }

    // A ConsoleKit2 program run with our library and this test's bus.
    ToolSpec program(std::vector<std::string> argv)
    {
        argv[0] = out_ + "/progs/" + argv[0];
        ToolSpec spec = tool(std::move(argv));
        spec.env["LD_LIBRARY_PATH"] = env("CK_CONNECTOR_LIB_DIR");
        return spec;
    }

    std::string out_;
};

TEST_F(ConsoleKit2Programs, LoadOurLibrary)
{
    ToolSpec spec = program({"test-connector"});
    spec.env["LD_TRACE_LOADED_OBJECTS"] = "1";
    ToolResult r = runTool(spec);
    EXPECT_NE(r.out.find("libck-connector.so.0 => " + env("CK_CONNECTOR_LIB_DIR") + "/libck-connector.so.0"),
        std::string::npos)
        << r.out;
}

TEST_F(ConsoleKit2Programs, TestConnectorOpensReadsAndClosesItsSession)
{
    client_->watchSignals();
    ToolResult r = runTool(program({"test-connector"}));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Session cookie is '"), std::string::npos) << r.out;
    // Its uid 730 has no passwd entry here: the daemon may make no runtime dir for it, and
    // test-connector then prints the error it got, as it would with ConsoleKit2.
    EXPECT_TRUE(r.out.find("XDG_RUNTIME_DIR is '") != std::string::npos
        || r.out.find("Failed to get XDG_RUNTIME_DIR error is 'Unable to get runtime dir for session")
            != std::string::npos)
        << r.out;
    ASSERT_TRUE(client_->waitForSignal("SessionAdded")) << r.out;
    ASSERT_TRUE(client_->waitForSignal("SessionRemoved")) << "test-connector closed its session";
    EXPECT_TRUE(waitForSessionCount(0));
}

TEST_F(ConsoleKit2Programs, CkLaunchSessionRunsItsCommandInASessionOfItsOwn)
{
    const std::string marker = bus_->dir() + "/go-on";
    ToolProcess p(program({"ck-launch-session", "--", "sh", "-c",
        "echo cookie=$XDG_SESSION_COOKIE; echo dir=${XDG_RUNTIME_DIR-unset}; echo ready; i=0; "
        "while [ ! -e "
            + marker + " ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i+1)); done; exit 5"}));
    ASSERT_TRUE(p.waitForOutput("ready")) << p.out() << p.err();
    std::string cookie, dir;
    for (const auto& line : lines(p.out())) {
        if (line.starts_with("cookie="))
            cookie = line.substr(7);
        if (line.starts_with("dir="))
            dir = line.substr(4);
    }
    ASSERT_FALSE(cookie.empty()) << p.out() << p.err();
    const std::string path = sessionForCookie(cookie);
    ASSERT_FALSE(path.empty());
    EXPECT_EQ(property(path, "unix-user"), "uint32 0");
    // The child read the runtime dir through the connector it inherited from its parent.
    Reply daemonsDir = client_->call(path, kSessionIface, "GetXDGRuntimeDir");
    if (daemonsDir.ok()) {
        EXPECT_EQ(dir, stringOf(daemonsDir));
    }
    std::ofstream(marker) << "go\n";
    // ConsoleKit2's ck-launch-session exits with the raw wait status: 5 << 8, truncated to 0.
    EXPECT_NE(p.wait(), -1) << p.err();
    EXPECT_TRUE(waitForSessionCount(0)) << "the session ended with ck-launch-session";
}

} // namespace
} // namespace ck::test
