// readFile: bounded, regular files only, never blocked by a FIFO.
#include "util/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ck {
namespace {

class AFileReader : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ck-util-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    std::string dir_;
};

TEST_F(AFileReader, ReadsARegularFile)
{
    ASSERT_TRUE(writeFileAtomically(dir_ + "/f", "content"));
    auto text = readFile(dir_ + "/f");
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "content");
}

TEST_F(AFileReader, RefusesAFifoAtOnceInsteadOfWaitingForAWriter)
{
    const std::string fifo = dir_ + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
    ::alarm(10); // before the fix open() blocks; fail the test rather than hang it
    auto text = readFile(fifo);
    ::alarm(0);
    ASSERT_FALSE(text);
    EXPECT_NE(text.error().message.find("not a regular file"), std::string::npos) << text.error().message;
}

TEST_F(AFileReader, RefusesADirectoryAndAFileAboveTheBound)
{
    EXPECT_FALSE(readFile(dir_));
    ASSERT_TRUE(writeFileAtomically(dir_ + "/big", std::string(100, 'x')));
    EXPECT_FALSE(readFile(dir_ + "/big", 99));
    EXPECT_TRUE(readFile(dir_ + "/big", 100));
}

} // namespace
} // namespace ck
