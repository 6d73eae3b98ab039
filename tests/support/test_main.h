// The main() of the test binaries that need more than the build: prerequisites, then the tests.
//
// Meson knows one status per test binary, so the rules are:
//  - A prerequisite of the whole binary (root, dbus-daemon, a python3 module) is declared by the
//    fixture that needs it (declarePrerequisites() in its .cpp) and checked before any test runs:
//    if one is missing the binary prints "SKIP: <what>" and exits 77, and meson shows SKIP.
//  - A single test may still GTEST_SKIP() for a reason of its own (no pseudo-terminals, the
//    foreground VT moved). gtest counts that as passed, so main() prints every skipped test with
//    its reason in a "ck-test: N of M tests skipped" block at the end of the log; if every test
//    that ran was skipped, it exits 77 so that meson shows SKIP instead of OK.
// Link test_main_dep (tests/support/meson.build) instead of gtest's own main.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ck::test {

struct Prerequisite {
    std::string what; // as the skip message names it, e.g. "root", "dbus-daemon on PATH"
    std::function<bool()> present;
};

Prerequisite runAsRoot();
Prerequisite program(const std::string& name); // an executable on PATH
Prerequisite pythonModule(const std::string& module); // importable by /usr/bin/python3

// Adds prerequisites of the binary that links the calling file; returns true, so that a fixture's
// .cpp can declare them in a namespace-scope constant:
//   [[maybe_unused]] const bool kNeeds = declarePrerequisites({runAsRoot(), program("dbus-daemon")});
bool declarePrerequisites(std::vector<Prerequisite> needs);

// The first declared prerequisite that is missing, or an empty string.
std::string missingPrerequisite();

} // namespace ck::test
