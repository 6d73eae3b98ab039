// Fixture of the connector tests: the integration fixture (private bus, real daemon, root client)
// with DBUS_SYSTEM_BUS_ADDRESS pointing at the test bus, plus readers of a session's properties.
#pragma once

#include <cstdlib>
#include <string>

#include "integration/integration_fixture.h"

namespace ck::test {

class ConnectorTest : public IntegrationTest {
protected:
    void SetUp() override
    {
        IntegrationTest::SetUp();
        if (bus_)
            ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
    }

    // A property of a session as g_variant_print shows it ("'text'", "uint32 5", "true").
    std::string property(const std::string& path, const char* name)
    {
        Reply r = client_->getProperty(path, kSessionIface, name);
        if (!r.ok())
            return r.print();
        GVariant* boxed = g_variant_get_child_value(r.value, 0);
        GVariant* inner = g_variant_get_variant(boxed);
        gchar* text = g_variant_print(inner, TRUE);
        std::string out = text;
        g_free(text);
        g_variant_unref(inner);
        g_variant_unref(boxed);
        return out;
    }
};

} // namespace ck::test
