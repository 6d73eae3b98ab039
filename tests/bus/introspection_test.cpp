// Introspection of the object tree: the root lists Manager, seats and sessions; each node declares
// its ConsoleKit interface exactly as the interface XML does.
#include <algorithm>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

class TheObjectTree : public BusTest {
protected:
    Reply introspect(const std::string& path)
    {
        return client_->call(path, "org.freedesktop.DBus.Introspectable", "Introspect");
    }
    static bool contains(const std::vector<std::string>& v, const std::string& x)
    {
        return std::find(v.begin(), v.end(), x) != v.end();
    }
    // Method names of `iface` in the XML file of the source tree.
    static std::vector<std::string> xmlMethods(const char* file, const char* iface)
    {
        std::vector<std::string> out;
        gchar* xml = nullptr;
        const std::string path = env("CK_SOURCE_ROOT") + "/dbus/" + file;
        if (!g_file_get_contents(path.c_str(), &xml, nullptr, nullptr))
            return out;
        GDBusNodeInfo* node = g_dbus_node_info_new_for_xml(xml, nullptr);
        g_free(xml);
        if (node == nullptr)
            return out;
        if (GDBusInterfaceInfo* info = g_dbus_node_info_lookup_interface(node, iface))
            for (GDBusMethodInfo** m = info->methods; m != nullptr && *m != nullptr; ++m)
                out.emplace_back((*m)->name);
        g_dbus_node_info_unref(node);
        std::sort(out.begin(), out.end());
        return out;
    }
    static std::vector<std::string> methodsOf(const Introspection& node, const char* iface)
    {
        std::vector<std::string> out;
        if (node.info == nullptr)
            return out;
        if (GDBusInterfaceInfo* info = g_dbus_node_info_lookup_interface(node.info, iface))
            for (GDBusMethodInfo** m = info->methods; m != nullptr && *m != nullptr; ++m)
                out.emplace_back((*m)->name);
        std::sort(out.begin(), out.end());
        return out;
    }
};

TEST_F(TheObjectTree, ListsTheManagerAndTheConsoleSeatUnderTheRoot)
{
    Introspection root(introspect("/org/freedesktop/ConsoleKit"));
    ASSERT_NE(root.info, nullptr);
    EXPECT_EQ(root.nodes, (std::vector<std::string>{"Manager", "Seat1"}));
}

TEST_F(TheObjectTree, ListsSessionsAndDynamicSeatsUnderTheRoot)
{
    openTextSession(*client_);
    openRemoteSession(*client_);
    Introspection root(introspect("/org/freedesktop/ConsoleKit"));
    EXPECT_TRUE(contains(root.nodes, "Manager"));
    EXPECT_TRUE(contains(root.nodes, "Seat1"));
    EXPECT_TRUE(contains(root.nodes, "Seat2"));
    EXPECT_TRUE(contains(root.nodes, "Session1"));
    EXPECT_TRUE(contains(root.nodes, "Session2"));
    EXPECT_EQ(root.nodes.size(), 5u);
}

TEST_F(TheObjectTree, DropsAClosedSessionFromTheRoot)
{
    const Opened s = openRemoteSession(*client_);
    ASSERT_TRUE(client_->manager("CloseSession", g_variant_new("(s)", s.cookie.c_str())).ok());
    Introspection root(introspect("/org/freedesktop/ConsoleKit"));
    EXPECT_EQ(root.nodes, (std::vector<std::string>{"Manager", "Seat1"}));
}

TEST_F(TheObjectTree, DescribesASessionNodeWithTheSessionInterface)
{
    const Opened s = openTextSession(*client_);
    Introspection node(introspect(s.path));
    EXPECT_TRUE(contains(node.interfaces, kSessionIface));
    EXPECT_TRUE(contains(node.interfaces, "org.freedesktop.DBus.Properties"));
    EXPECT_TRUE(contains(node.interfaces, "org.freedesktop.DBus.Introspectable"));
    EXPECT_FALSE(contains(node.interfaces, kSeatIface));
    EXPECT_EQ(methodsOf(node, kSessionIface), xmlMethods("org.freedesktop.ConsoleKit.Session.xml", kSessionIface));
}

TEST_F(TheObjectTree, DescribesASeatNodeWithTheSeatInterface)
{
    Introspection node(introspect(kSeat1));
    EXPECT_TRUE(contains(node.interfaces, kSeatIface));
    EXPECT_FALSE(contains(node.interfaces, kSessionIface));
    EXPECT_EQ(methodsOf(node, kSeatIface), xmlMethods("org.freedesktop.ConsoleKit.Seat.xml", kSeatIface));
}

TEST_F(TheObjectTree, DescribesTheManagerNodeWithEveryMethodOfTheXml)
{
    Introspection node(introspect(kManagerPath));
    EXPECT_TRUE(contains(node.interfaces, kManagerIface));
    const auto methods = methodsOf(node, kManagerIface);
    EXPECT_EQ(methods, xmlMethods("org.freedesktop.ConsoleKit.Manager.xml", kManagerIface));
    EXPECT_TRUE(contains(methods, "OpenSessionWithParameters"));
}

TEST_F(TheObjectTree, IsReachableFromItsParents)
{
    Introspection top(introspect("/org/freedesktop"));
    EXPECT_TRUE(contains(top.nodes, "ConsoleKit"));
}

} // namespace
} // namespace ck::test
