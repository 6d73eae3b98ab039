// XDG_RUNTIME_DIR on a real bus: created for the first session of a user, shared, removed
// after the last one.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "ck2/ck2_fixture.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

GVariant* sessionOf(uid_t uid)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&b, "(sv)", "unix-user", g_variant_new_int32(static_cast<gint32>(uid)));
    g_variant_builder_add(&b, "(sv)", "session-type", g_variant_new_string("x11"));
    g_variant_builder_add(&b, "(sv)", "x11-display", g_variant_new_string(":3"));
    return g_variant_new("(a(sv))", &b);
}

bool mounted(const std::string& path)
{
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mountPoint;
        fields >> id >> parent >> devno >> root >> mountPoint;
        if (mountPoint == path)
            return true;
    }
    return false;
}

using ARuntimeDir = Ck2Test;

TEST_F(ARuntimeDir, IsCreatedPrivateForTheFirstSessionSharedAndRemovedAfterTheLast)
{
    const std::string dir = daemon_->root() + "/user/65534";
    Client first(bus_->address());
    Client second(bus_->address());
    const std::string s1 = openSession(first, sessionOf(65534));
    struct stat st { };
    ASSERT_EQ(::lstat(dir.c_str(), &st), 0) << daemon_->stderrText();
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u); // nobody's primary group (nogroup)
    EXPECT_TRUE(mounted(dir)) << "no tmpfs on " << dir;
    EXPECT_EQ(client_->call(s1, kSessionIface, "GetXDGRuntimeDir").print(), "('" + dir + "',)");

    const std::string s2 = openSession(second, sessionOf(65534));
    EXPECT_EQ(client_->call(s2, kSessionIface, "GetXDGRuntimeDir").print(), "('" + dir + "',)");
    std::ofstream(dir + "/socket-of-the-user") << "x";

    // The Manager's SessionRemoved, one per session (the dynamic seat sends its own as well).
    const auto removed = [&] {
        return std::count_if(client_->signals.begin(), client_->signals.end(),
            [](const auto& sig) { return sig.iface == kManagerIface && sig.name == "SessionRemoved"; });
    };
    client_->watchSignals();
    first.close();
    ASSERT_TRUE(client_->waitFor([&] { return removed() == 1; }, 30s));
    EXPECT_EQ(::lstat((dir + "/socket-of-the-user").c_str(), &st), 0) << "removed while a session remains";

    second.close();
    // Generous: under `meson test --setup=valgrind` the test client itself runs 20-50x slower.
    ASSERT_TRUE(client_->waitFor([&] { return removed() == 2; }, 30s));
    EXPECT_TRUE(client_->waitFor([&] { return ::lstat(dir.c_str(), &st) != 0; }, 2s)) << dir << " is still there";
    EXPECT_FALSE(mounted(dir));
}

TEST_F(ARuntimeDir, BelongsToEachUserSeparatelyRootIncluded)
{
    Client leader(bus_->address());
    const std::string a = openSession(leader, sessionOf(65534));
    const std::string b = openSession(leader, sessionOf(0));
    EXPECT_EQ(client_->call(a, kSessionIface, "GetXDGRuntimeDir").print(), "('" + daemon_->root() + "/user/65534',)");
    EXPECT_EQ(client_->call(b, kSessionIface, "GetXDGRuntimeDir").print(), "('" + daemon_->root() + "/user/0',)");
    struct stat st { };
    ASSERT_EQ(::lstat((daemon_->root() + "/user/0").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 0u);
    leader.close();
    EXPECT_TRUE(client_->waitFor(
        [&] {
            return ::lstat((daemon_->root() + "/user/0").c_str(), &st) != 0
                && ::lstat((daemon_->root() + "/user/65534").c_str(), &st) != 0;
        },
        3s));
}

} // namespace
} // namespace ck::test
