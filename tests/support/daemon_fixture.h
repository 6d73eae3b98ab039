// DaemonTest: the base fixture of every suite that runs the real daemon — one private bus, the
// daemon (started in SetUp unless a fixture says otherwise) and a root client per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/session_openers.h"
#include "support/test_bus.h"

namespace ck::test {

class DaemonTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        bus_ = std::make_unique<TestBus>();
        beforeDaemon();
        if (HasFatalFailure())
            return;
        daemon_ = std::make_unique<Daemon>(*bus_, options());
        if (withDaemon()) {
            ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
        }
        client_ = std::make_unique<Client>(bus_->address());
    }
    void TearDown() override
    {
        stopDaemon();
        bus_.reset();
    }
    // The client goes, the daemon must exit 0 on SIGTERM. It leaves the users' runtime-dir tmpfs
    // mounts for a restart; its root (a TempDir) detaches whatever is mounted below it.
    void stopDaemon()
    {
        client_.reset();
        if (daemon_ && daemon_->running()) {
            EXPECT_EQ(daemon_->stop(), 0) << daemon_->stderrText();
        }
        daemon_.reset();
    }

    // What else the bus needs before the daemon starts (a fake polkit ...).
    virtual void beforeDaemon() { }

    virtual DaemonOptions options() { return {}; }
    // false: the bus without ConsoleKit on it (daemon_ exists, not started).
    virtual bool withDaemon() const { return true; }

    // OpenSessionWithParameters through `c`, which then leads the session; a failure fails the test.
    OpenedSession openSessionOn(Client& c, GVariant* params)
    {
        OpenedSession o = openSessionWith(c, params);
        EXPECT_TRUE(o.ok()) << o.error;
        return o;
    }

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> client_;
};

} // namespace ck::test
