// Memory scenario "valgrind": the daemon itself under memcheck — 200 sessions opened and closed
// (CloseSession and disconnect), queries, VT switches — then SIGTERM: no definite or indirect
// leak, no invalid read or write.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "memory/bus_load.h"
#include "memory/console_switcher.h"
#include "memory/scenario.h"

namespace ck::memtest {
namespace {

constexpr std::size_t kSessions = 200;

std::string readAll(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class ADaemonUnderMemcheck : public MemoryScenario {
protected:
    ADaemonUnderMemcheck() : MemoryScenario("valgrind") { }
    void checkRequirements() override
    {
        test::skipUnless(::access(valgrind().c_str(), X_OK) == 0, "valgrind is not installed");
    }
    static std::string valgrind() { return test::env("CK_VALGRIND", "/usr/bin/valgrind"); }
};

TEST_F(ADaemonUnderMemcheck, LeaksNothingAndMakesNoInvalidAccess)
{
    const std::string supp = test::env("CK_SOURCE_ROOT", ".") + "/tools/valgrind/glib-extra.supp";
    const std::string log = artifactDir() + "/valgrind-daemon.log";
    ::unlink(log.c_str());

    auto console = ConsoleSwitcher::open();
    if (!console)
        std::printf("NOTE: skipping the VT switches of this scenario: %s\n", console.error().message.c_str());

    test::DaemonOptions options;
    options.vtWatch = console ? "waitevent" : "none";
    // Words split on spaces: no path here may contain one.
    // No allocator option: the daemon runs on glibc's malloc, which memcheck replaces as it is.
    options.wrapper = valgrind()
        + " --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1"
          " --show-leak-kinds=definite,indirect --num-callers=40"
          " --suppressions=/usr/share/glib-2.0/valgrind/glib.supp --suppressions="
        + supp + " --log-file=" + log;
    // GLib's slice allocator would hide leaks and reuse behind valgrind's back.
    options.env["G_SLICE"] = "always-malloc";
    options.env["G_DEBUG"] = "gc-friendly";
    startDaemon(options, std::chrono::milliseconds(2000));
    checkpoint("started under memcheck");

    // Half the sessions end with CloseSession, half with their leader's disconnect.
    test::Client closer(bus_->address());
    test::Client dropper(bus_->address());
    auto closing = openSessions(closer.connection(), kSessions / 2);
    ASSERT_TRUE(closing) << closing.error().message;
    auto dropping = openSessions(dropper.connection(), kSessions / 2, 2000);
    ASSERT_TRUE(dropping) << dropping.error().message;
    checkpoint(std::to_string(kSessions) + " sessions");

    // Queries through every path that builds replies, errors included.
    const std::string seat = "/org/freedesktop/ConsoleKit/Seat1";
    const std::string session = "/org/freedesktop/ConsoleKit/Session1";
    auto replies = callMany(client_->connection(), 200, [&](std::size_t i) -> CallSpec {
        const char* cookie = i % 5 == 1 ? (*closing)[i % 100].c_str() : "no-such-cookie";
        switch (i % 5) {
        case 0:
            return {test::kManagerPath, test::kManagerIface, "GetSessions", nullptr};
        case 1:
        case 2:
            return {test::kManagerPath, test::kManagerIface, "GetSessionForCookie", g_variant_new("(s)", cookie)};
        case 3:
            return {seat, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new("(s)", test::kSeatIface)};
        default:
            return {session, "org.freedesktop.DBus.Introspectable", "Introspect", nullptr};
        }
    });
    for (std::size_t i = 0; i < replies.size(); ++i)
        EXPECT_EQ(replies[i].ok(), i % 5 != 2) << i << ": " << replies[i].print();

    if (console) {
        // The sessions of `closing` sit on VTs 1..63: each switch changes the active session.
        for (unsigned vt : {2u, 3u, 7u, 12u, 1u, 5u}) {
            auto r = (*console)->switchTo(vt);
            EXPECT_TRUE(r) << r.error().message;
            // Memcheck is slow: give the daemon time to notice and update the seat.
            idleFor(std::chrono::milliseconds(300));
        }
        EXPECT_TRUE((*console)->restore());
        idleFor(std::chrono::milliseconds(300));
        checkpoint("VT switches");
    }

    auto closed = closeSessions(closer.connection(), *closing);
    EXPECT_TRUE(closed) << closed.error().message;
    dropper.close();
    ASSERT_TRUE(waitForSessionCount(client_->connection(), 0, std::chrono::seconds(120)));
    checkpoint("all sessions gone");

    const int status = stopDaemon();
    const std::string text = readAll(log);
    EXPECT_EQ(status, 0) << "valgrind's exit status (1 = errors found); log " << log;
    const bool noLeakPossible = text.find("All heap blocks were freed -- no leaks are possible") != std::string::npos;
    EXPECT_TRUE(noLeakPossible || text.find("definitely lost: 0 bytes") != std::string::npos) << text;
    EXPECT_TRUE(noLeakPossible || text.find("indirectly lost: 0 bytes") != std::string::npos) << text;
    EXPECT_NE(text.find("ERROR SUMMARY: 0 errors"), std::string::npos) << text;
    // The summary for the test log.
    for (const char* key : {"in use at exit:", "total heap usage:", "definitely lost:", "indirectly lost:",
             "possibly lost:", "still reachable:", "suppressed:", "ERROR SUMMARY:"}) {
        const auto pos = text.find(key);
        if (pos == std::string::npos)
            continue;
        const auto start = text.rfind('\n', pos) + 1;
        std::printf("%s\n", text.substr(start, text.find('\n', pos) - start).c_str());
    }
}

} // namespace
} // namespace ck::memtest
