// main() of the daemon-level test binaries: exit 77 when a prerequisite is missing or every test
// skipped, and a visible list of the tests that skipped (see test_main.h).
#include "support/test_main.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

// The reason a skipped test gave (the message of its GTEST_SKIP).
std::string skipReason(const ::testing::TestResult& result)
{
    for (int i = 0; i < result.total_part_count(); ++i) {
        const auto& part = result.GetTestPartResult(i);
        if (part.skipped())
            return part.message();
    }
    return {};
}

} // namespace

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    const char* self = argc > 0 ? argv[0] : "test";
    if (!GTEST_FLAG_GET(list_tests)) {
        if (const std::string missing = ck::test::missingPrerequisite(); !missing.empty()) {
            std::printf("SKIP: %s: needs %s\n", self, missing.c_str());
            return 77;
        }
    }
    const int rc = RUN_ALL_TESTS();

    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    int ran = 0;
    std::vector<std::string> skipped;
    for (int s = 0; s < unit.total_test_suite_count(); ++s) {
        const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
        for (int t = 0; t < suite.total_test_count(); ++t) {
            const ::testing::TestInfo& info = *suite.GetTestInfo(t);
            if (!info.should_run())
                continue;
            ++ran;
            if (info.result()->Skipped()) {
                std::string line = std::string(suite.name()) + "." + info.name();
                if (const std::string why = skipReason(*info.result()); !why.empty())
                    line += ": " + why;
                skipped.push_back(line);
            }
        }
    }
    if (!skipped.empty()) {
        std::printf("ck-test: %zu of %d tests skipped:\n", skipped.size(), ran);
        for (const auto& line : skipped)
            std::printf("ck-test:   SKIPPED %s\n", line.c_str());
    }
    if (rc == 0 && ran > 0 && static_cast<int>(skipped.size()) == ran)
        return 77;
    return rc;
}
