// main() of the daemon-level real-VT tests: skips (77) without root or a VT console, and always
// switches back to the VT that was active at start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "daemon_vt_support.h"

namespace {
class RestoreVtEnvironment : public ::testing::Environment {
public:
    void TearDown() override { ck::test::restoreOriginalVt(); }
};
} // namespace

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    if (::geteuid() != 0) {
        std::fprintf(stderr, "vt-daemon-test: not root, skipping\n");
        return 77;
    }
    if (!ck::test::openTestConsole()) {
        std::fprintf(stderr, "vt-daemon-test: /dev/tty0 is not a usable VT console, skipping\n");
        return 77;
    }
    std::printf("vt-daemon-test: original VT %u; sessions on VTs %u (text), %u (X), %u (spare)\n",
        ck::test::gVt.original, ck::test::gVt.text, ck::test::gVt.x, ck::test::gVt.third);
    ::testing::AddGlobalTestEnvironment(new RestoreVtEnvironment);
    const int rc = RUN_ALL_TESTS();
    ck::test::restoreOriginalVt();
    ck::test::closeTestConsole();
    return rc;
}
