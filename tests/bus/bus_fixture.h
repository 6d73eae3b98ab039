// Fixture for bus tests: one private bus and one daemon per test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/test_bus.h"

namespace ck::test {

class BusTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        bus_ = std::make_unique<TestBus>();
        daemon_ = std::make_unique<Daemon>(*bus_, options());
        ASSERT_TRUE(daemon_->start()) << daemon_->stderrText();
        client_ = std::make_unique<Client>(bus_->address());
    }
    void TearDown() override
    {
        client_.reset();
        if (daemon_ && daemon_->running()) {
            EXPECT_EQ(daemon_->stop(), 0) << daemon_->stderrText();
        }
        daemon_.reset();
        bus_.reset();
    }
    virtual DaemonOptions options() { return {}; }

    // Opens a session with parameters as root; returns the session path.
    std::string openWithParameters(Client& c, GVariant* params)
    {
        Reply cookie = c.manager("OpenSessionWithParameters", params);
        EXPECT_TRUE(cookie.ok()) << cookie.print();
        if (!cookie.ok())
            return {};
        const gchar* ck = nullptr;
        g_variant_get(cookie.value, "(&s)", &ck);
        Reply path = c.manager("GetSessionForCookie", g_variant_new("(s)", ck));
        EXPECT_TRUE(path.ok()) << path.print();
        const gchar* p = nullptr;
        g_variant_get(path.value, "(&o)", &p);
        return p;
    }

    std::unique_ptr<TestBus> bus_;
    std::unique_ptr<Daemon> daemon_;
    std::unique_ptr<Client> client_;
};

} // namespace ck::test
