// org.freedesktop.DBus.Properties on sessions and seats: every property of the interface XML with
// its declared type, values, and that Set is refused to everybody.
#include <map>

#include "bus/bus_fixture.h"

namespace ck::test {
namespace {

// The properties (name → signature) the interface XML in the source tree declares.
std::map<std::string, std::string> declaredProperties(const char* xmlFile, const char* iface)
{
    std::map<std::string, std::string> out;
    const std::string path = env("CK_SOURCE_ROOT") + "/dbus/" + xmlFile;
    gchar* xml = nullptr;
    if (!g_file_get_contents(path.c_str(), &xml, nullptr, nullptr)) {
        ADD_FAILURE() << "cannot read " << path;
        return out;
    }
    GDBusNodeInfo* node = g_dbus_node_info_new_for_xml(xml, nullptr);
    g_free(xml);
    if (node == nullptr) {
        ADD_FAILURE() << "cannot parse " << path;
        return out;
    }
    if (GDBusInterfaceInfo* info = g_dbus_node_info_lookup_interface(node, iface))
        for (GDBusPropertyInfo** p = info->properties; p != nullptr && *p != nullptr; ++p)
            out[(*p)->name] = (*p)->signature;
    g_dbus_node_info_unref(node);
    return out;
}

// name → (type, printed value) of a GetAll reply.
std::map<std::string, std::pair<std::string, std::string>> allProperties(const Reply& r)
{
    std::map<std::string, std::pair<std::string, std::string>> out;
    if (!r.ok())
        return out;
    GVariant* dict = g_variant_get_child_value(r.value, 0);
    GVariantIter iter;
    g_variant_iter_init(&iter, dict);
    const gchar* name = nullptr;
    GVariant* value = nullptr;
    while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
        gchar* printed = g_variant_print(value, TRUE);
        out[name] = {g_variant_get_type_string(value), printed};
        g_free(printed);
        g_variant_unref(value);
    }
    g_variant_unref(dict);
    return out;
}

class ASessionsProperties : public BusTest {
protected:
    void SetUp() override
    {
        BusTest::SetUp();
        if (HasFatalFailure())
            return;
        s_ = open(*client_,
            sessionParameters({{"unix-user", g_variant_new_int32(1000)}, {"session-type", g_variant_new_string("x11")},
                {"session-class", g_variant_new_string("user")}, {"session-service", g_variant_new_string("gdm")},
                {"x11-display", g_variant_new_string(":1")}, {"x11-display-device", g_variant_new_string("/dev/tty8")},
                {"display-device", g_variant_new_string("")}, {"is-local", g_variant_new_boolean(TRUE)}}));
        ASSERT_FALSE(s_.path.empty());
    }
    Reply getAll() { return properties(s_.path, "GetAll", g_variant_new("(s)", kSessionIface)); }
    Opened s_;
};

TEST_F(ASessionsProperties, AreExactlyTheXmlPropertiesWithTheirDeclaredTypes)
{
    Reply r = getAll();
    ASSERT_TRUE(r.ok()) << r.print();
    EXPECT_EQ(g_variant_get_type_string(r.value), std::string("(a{sv})"));
    const auto declared = declaredProperties("org.freedesktop.ConsoleKit.Session.xml", kSessionIface);
    ASSERT_EQ(declared.size(), 16u);
    const auto actual = allProperties(r);
    for (const auto& [name, type] : declared) {
        auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << "GetAll lacks " << name << ": " << r.print();
        EXPECT_EQ(it->second.first, type) << name;
    }
    EXPECT_EQ(actual.size(), declared.size()) << r.print();
}

TEST_F(ASessionsProperties, CarryTheSessionsValues)
{
    const auto p = allProperties(getAll());
    auto value = [&](const char* name) {
        auto it = p.find(name);
        return it == p.end() ? std::string("(missing)") : it->second.second;
    };
    EXPECT_EQ(value("unix-user"), "uint32 1000");
    EXPECT_EQ(value("user"), "uint32 1000");
    EXPECT_EQ(value("Seat"), "('seat0', objectpath '/org/freedesktop/ConsoleKit/Seat1')");
    EXPECT_EQ(value("session-service"), "'gdm'");
    EXPECT_EQ(value("session-type"), "'x11'");
    EXPECT_EQ(value("session-class"), "'user'");
    EXPECT_EQ(value("session-state"), "'online'");
    EXPECT_EQ(value("remote-host-name"), "''");
    EXPECT_EQ(value("display-device"), "''");
    EXPECT_EQ(value("x11-display"), "':1'");
    EXPECT_EQ(value("x11-display-device"), "'/dev/tty8'");
    EXPECT_EQ(value("VTNr"), "uint32 8");
    EXPECT_EQ(value("active"), "false");
    EXPECT_EQ(value("is-local"), "true");
    EXPECT_EQ(value("idle-hint"), "false");
    EXPECT_EQ(value("LockedHint"), "false");
}

TEST_F(ASessionsProperties, AreReadableOneByOne)
{
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "unix-user"), "(v)", "(<uint32 1000>,)"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "Seat"), "(v)",
        "(<('seat0', objectpath '/org/freedesktop/ConsoleKit/Seat1')>,)"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "VTNr"), "(v)", "(<uint32 8>,)"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "x11-display"), "(v)", "(<':1'>,)"));
}

TEST_F(ASessionsProperties, NameTheDynamicSeatOfARemoteSession)
{
    const Opened remote = openRemoteSession(*client_);
    EXPECT_TRUE(isReply(client_->getProperty(remote.path, kSessionIface, "Seat"), "(v)",
        "(<('Seat2', objectpath '/org/freedesktop/ConsoleKit/Seat2')>,)"));
}

TEST_F(ASessionsProperties, AreReadOnlyEvenForRoot)
{
    Reply r
        = properties(s_.path, "Set", g_variant_new("(ssv)", kSessionIface, "idle-hint", g_variant_new_boolean(TRUE)));
    EXPECT_TRUE(isError(r, kInvalidArgs, "not writable"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "idle-hint"), "(v)", "(<false>,)"));
    r = properties(s_.path, "Set", g_variant_new("(ssv)", kSessionIface, "unix-user", g_variant_new_uint32(0)));
    EXPECT_TRUE(isError(r, kInvalidArgs, "not writable"));
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "unix-user"), "(v)", "(<uint32 1000>,)"));
    EXPECT_TRUE(daemonAnswers());
}

TEST_F(ASessionsProperties, AreReadOnlyForOtherUsers)
{
    CommandResult r = gdbusCallAs(kNobody, bus_->address(), s_.path, "org.freedesktop.DBus.Properties.Set",
        {kSessionIface, "idle-hint", "<true>"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("org.freedesktop.DBus.Error.InvalidArgs"), std::string::npos) << r.output;
    EXPECT_TRUE(isReply(client_->getProperty(s_.path, kSessionIface, "idle-hint"), "(v)", "(<false>,)"));
}

TEST_F(ASessionsProperties, AreReadableByOtherUsers)
{
    CommandResult r = gdbusCallAs(
        kNobody, bus_->address(), s_.path, "org.freedesktop.DBus.Properties.Get", {kSessionIface, "unix-user"});
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("<uint32 1000>"), std::string::npos) << r.output;
}

TEST_F(ASessionsProperties, AnswerAnUnknownPropertyNameWithInvalidArgs)
{
    EXPECT_TRUE(
        isError(client_->getProperty(s_.path, kSessionIface, "no-such-property"), kInvalidArgs, "no-such-property"));
}

TEST_F(ASessionsProperties, ChangeWithPropertiesChangedWhenLocked)
{
    MessageLog log(client_->connection());
    ASSERT_TRUE(client_->manager("LockSession", g_variant_new("(s)", s_.path.c_str())).ok());
    const auto changed = log.signals("PropertiesChanged");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].path, s_.path);
    EXPECT_EQ(changed[0].iface, kPropertiesIface);
    EXPECT_EQ(changed[0].body, "('org.freedesktop.ConsoleKit.Session', {'LockedHint': <true>}, @as [])");
}

// --- seats -------------------------------------------------------------------------------------

using ASeatsProperties = BusTest;

TEST_F(ASeatsProperties, AreExactlyTheXmlPropertiesWithTheirDeclaredTypes)
{
    Reply r = properties(kSeat1, "GetAll", g_variant_new("(s)", kSeatIface));
    ASSERT_TRUE(r.ok()) << r.print();
    const auto declared = declaredProperties("org.freedesktop.ConsoleKit.Seat.xml", kSeatIface);
    const auto actual = allProperties(r);
    ASSERT_EQ(declared.size(), 2u);
    for (const auto& [name, type] : declared) {
        auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << "GetAll lacks " << name << ": " << r.print();
        EXPECT_EQ(it->second.first, type) << name;
    }
    EXPECT_EQ(actual.size(), declared.size()) << r.print();
}

TEST_F(ASeatsProperties, NameTheConsoleSeatSeat0AndLetItBeGraphical)
{
    EXPECT_TRUE(isReply(properties(kSeat1, "GetAll", g_variant_new("(s)", kSeatIface)), "(a{sv})",
        "({'name': <'seat0'>, 'CanGraphical': <true>},)"));
    EXPECT_TRUE(isReply(client_->getProperty(kSeat1, kSeatIface, "name"), "(v)", "(<'seat0'>,)"));
}

TEST_F(ASeatsProperties, NameADynamicSeatByItsId)
{
    openRemoteSession(*client_);
    EXPECT_TRUE(
        isReply(client_->getProperty("/org/freedesktop/ConsoleKit/Seat2", kSeatIface, "name"), "(v)", "(<'Seat2'>,)"));
}

TEST_F(ASeatsProperties, LetADynamicSeatBeGraphicalAsTheXmlSays)
{
    openRemoteSession(*client_);
    EXPECT_TRUE(isReply(
        client_->getProperty("/org/freedesktop/ConsoleKit/Seat2", kSeatIface, "CanGraphical"), "(v)", "(<true>,)"));
}

TEST_F(ASeatsProperties, AreReadOnlyEvenForRoot)
{
    EXPECT_TRUE(
        isError(properties(kSeat1, "Set", g_variant_new("(ssv)", kSeatIface, "name", g_variant_new_string("x"))),
            kInvalidArgs, "not writable"));
    EXPECT_TRUE(isError(
        properties(kSeat1, "Set", g_variant_new("(ssv)", kSeatIface, "CanGraphical", g_variant_new_boolean(FALSE))),
        kInvalidArgs, "not writable"));
    EXPECT_TRUE(isReply(client_->getProperty(kSeat1, kSeatIface, "name"), "(v)", "(<'seat0'>,)"));
}

TEST_F(ASeatsProperties, AreReadOnlyForOtherUsers)
{
    CommandResult r = gdbusCallAs(
        kNobody, bus_->address(), kSeat1, "org.freedesktop.DBus.Properties.Set", {kSeatIface, "name", "<'x'>"});
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.output.find("org.freedesktop.DBus.Error.InvalidArgs"), std::string::npos) << r.output;
}

TEST_F(ASeatsProperties, AreNotOfferedByTheManager)
{
    EXPECT_TRUE(
        isReply(properties(kManagerPath, "GetAll", g_variant_new("(s)", kManagerIface)), "(a{sv})", "(@a{sv} {},)"));
}

} // namespace
} // namespace ck::test
