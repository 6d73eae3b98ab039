// Fixture for the ConsoleKit2-addition bus tests: a private bus, optionally a fake polkit
// authority (python-dbusmock with tests/ck2/fake_polkit.py), power scripts that only record
// their call, a fake /sys/power/state, and the real daemon.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/daemon_fixture.h"
#include "support/session_openers.h"
#include "support/test_bus.h"
#include "support/test_main.h"

namespace ck::test {

// Checked by main() before any test runs.
// The real daemon (root only) on a private dbus-daemon, a python-dbusmock polkit, python3-gi clients.
inline const bool kCk2Prerequisites
    = declarePrerequisites({runAsRoot(), program("dbus-daemon"), pythonModule("gi"), pythonModule("dbusmock")});

// The fake polkit authority on the test bus.
class FakePolkit {
public:
    explicit FakePolkit(const TestBus& bus);
    ~FakePolkit();
    bool running() const { return running_; }
    void setAnswer(const std::string& actionId, const std::string& answer);
    void setDefault(const std::string& answer);
    struct Check {
        std::string actionId, subject;
        unsigned flags = 0;
    };
    std::vector<Check> checks();
    void clearChecks();

private:
    const TestBus& bus_;
    std::unique_ptr<Child> child_;
    std::unique_ptr<Client> control_;
    bool running_ = false;
};

struct Ck2Setup {
    bool polkit = false;
    std::string powerState = "freeze mem disk\n"; // fake /sys/power/state
    std::optional<std::string> meminfo; // set: --proc-root at a dir holding only this meminfo
    std::vector<std::string> extraArgs;
    std::string vtWatch = "none";
};

class Ck2Test : public DaemonTest {
protected:
    void SetUp() override;
    void TearDown() override;
    void beforeDaemon() override;
    DaemonOptions options() override;
    virtual Ck2Setup setup() { return {}; }

    // Scripts: every ck-system-* appends "<name>" to <scripts>/calls; <scripts>/<name>.exit
    // holds an exit status to use, <scripts>/<name>.sleep seconds to sleep first.
    std::string scriptsDir() const { return scripts_->path(); }
    std::vector<std::string> scriptCalls() const;
    bool scriptDone(const std::string& name) const; // its "done" line was written
    void setScriptExit(const std::string& name, int status);
    void setScriptSleep(const std::string& name, double seconds);
    void removeScript(const std::string& name);

    // Opens a session with parameters as root through `c`; returns its path.
    std::string openSession(Client& c, GVariant* params);
    // Inhibit through `c`; the returned fd is the lock (-1 and the error on failure).
    struct Lock {
        int fd = -1;
        std::string errorName, errorMessage;
    };
    Lock inhibit(
        Client& c, const std::string& what, const std::string& who, const std::string& why, const std::string& mode);
    // The first string/bool of a reply ("(s)"/"(b)").
    static std::string str(const Reply& r);
    static bool boolean(const Reply& r);
    // Number of signals named `name` whose args print as `args` (empty: any).
    size_t countSignals(const Client& c, const std::string& name, const std::string& args = "") const;

    std::unique_ptr<TempDir> scripts_;
    std::unique_ptr<TempDir> machine_;
    std::unique_ptr<FakePolkit> polkit_;
};

// Asynchronous Manager call: the reply lands here while the test iterates the main loop. A call
// still pending when the AsyncCall goes (a failed assertion) is answered into the void.
class AsyncCall {
public:
    ~AsyncCall();
    void start(Client& c, const std::string& method, GVariant* params);
    bool finished = false;
    Reply reply;
    std::chrono::steady_clock::time_point sent, answered;

private:
    std::shared_ptr<AsyncCall*> self_;
};

} // namespace ck::test
