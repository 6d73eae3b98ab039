// Static seat configuration (spec §4.1): parsing one .seat file and reading a seats.d directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/seat_config.h"
#include "util/atomic_file.h"

namespace ck::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const std::string kData = CK_CORE_TEST_DATA;

TEST(ParseSeatFile, ReadsTheDevicesOfAGoodFile)
{
    auto cfg = parseSeatFile("# a comment\n"
                             "[Seat Entry]\n"
                             "Version=1.0\n"
                             "Name=USB seat\n"
                             "Hidden=false\n"
                             "Devices=drm:card1;input:/dev/input/event3\n",
        "usb.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->file, "usb.seat");
    EXPECT_THAT(cfg->devices, ElementsAre(Device{"drm", "card1"}, Device{"input", "/dev/input/event3"}));
}

TEST(ParseSeatFile, RefusesAFileThatIsNotUtf8)
{
    auto cfg = parseSeatFile("[Seat Entry]\nDevices=drm:card\xff\n", "bad.seat");
    ASSERT_FALSE(cfg.ok()) << "a device name that GVariant would refuse entered the model";
    EXPECT_EQ(cfg.error().message, "bad.seat: not a seat file (not UTF-8)");
}

TEST(ParseSeatFile, AcceptsTheShippedPrimarySeatWithNoDevices)
{
    auto cfg
        = parseSeatFile("[Seat Entry]\nVersion=1.0\nName=Primary seat\nHidden=false\nDevices=\n", "00-primary.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->file, "00-primary.seat");
    EXPECT_THAT(cfg->devices, IsEmpty());
}

TEST(ParseSeatFile, AcceptsAFileWithoutADevicesKey)
{
    auto cfg = parseSeatFile("[Seat Entry]\nName=Bare\n", "bare.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_THAT(cfg->devices, IsEmpty());
}

TEST(ParseSeatFile, SplitsADeviceAtItsFirstColonOnly)
{
    auto cfg = parseSeatFile("[Seat Entry]\nDevices=usb:/sys/devices/pci0000:00/usb1;\n", "f.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_THAT(cfg->devices, ElementsAre(Device{"usb", "/sys/devices/pci0000:00/usb1"}));
}

TEST(ParseSeatFile, MarksAHiddenFileWithAnEmptyFileName)
{
    auto cfg = parseSeatFile("[Seat Entry]\nHidden=true\nDevices=drm:card1\n", "hidden.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->file, "");
}

TEST(ParseSeatFile, TakesHiddenAsTheGKeyFileBooleanItIs)
{
    auto one = parseSeatFile("[Seat Entry]\nHidden=1\n", "one.seat");
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->file, "");
    auto no = parseSeatFile("[Seat Entry]\nHidden=false\n", "no.seat");
    ASSERT_TRUE(no.ok());
    EXPECT_EQ(no->file, "no.seat");
    // GKeyFile booleans are case-sensitive: "True" is not true, and ConsoleKit then read FALSE.
    auto capital = parseSeatFile("[Seat Entry]\nHidden=True\n", "capital.seat");
    ASSERT_TRUE(capital.ok());
    EXPECT_EQ(capital->file, "capital.seat");
}

TEST(ParseSeatFile, RejectsAFileWhoseFirstGroupIsNotSeatEntry)
{
    auto cfg = parseSeatFile("[Desktop Entry]\nName=x\n[Seat Entry]\nDevices=drm:card1\n", "desktop.seat");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.error().code, ErrorCode::InvalidInput);
    EXPECT_THAT(cfg.error().message, HasSubstr("desktop.seat"));
    EXPECT_THAT(cfg.error().message, HasSubstr("[Seat Entry]"));
}

TEST(ParseSeatFile, RejectsADeviceWithoutAColon)
{
    auto cfg = parseSeatFile("[Seat Entry]\nDevices=drm:card1;card2\n", "nocolon.seat");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.error().code, ErrorCode::InvalidInput);
    EXPECT_THAT(cfg.error().message, HasSubstr("nocolon.seat"));
    EXPECT_THAT(cfg.error().message, HasSubstr("'card2'"));
}

TEST(ParseSeatFile, RejectsADeviceWithAnEmptyType)
{
    auto cfg = parseSeatFile("[Seat Entry]\nDevices=:card1\n", "notype.seat");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.error().code, ErrorCode::InvalidInput);
}

TEST(ParseSeatFile, UnescapesSemicolonsAndBackslashesInDevices)
{
    auto cfg = parseSeatFile("[Seat Entry]\nDevices=usb:a\\;b;drm:card0;path:c\\\\d\n", "escaped.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_THAT(cfg->devices, ElementsAre(Device{"usb", "a;b"}, Device{"drm", "card0"}, Device{"path", "c\\d"}));
}

TEST(ParseSeatFile, RejectsAFileWithNoGroupAtAll)
{
    for (const char* text : {"", "\n\n", "# only a comment\n"}) {
        auto cfg = parseSeatFile(text, "empty.seat");
        ASSERT_FALSE(cfg.ok()) << '"' << text << '"';
        EXPECT_EQ(cfg.error().code, ErrorCode::InvalidInput);
        EXPECT_THAT(cfg.error().message, HasSubstr("empty.seat"));
    }
}

TEST(ParseSeatFile, RejectsAKeyBeforeTheFirstGroup)
{
    auto cfg = parseSeatFile("Devices=drm:card1\n[Seat Entry]\n", "early.seat");
    ASSERT_FALSE(cfg.ok());
    EXPECT_THAT(cfg.error().message, HasSubstr("early.seat:1"));
}

TEST(ParseSeatFile, RejectsAMalformedLineWithItsLineNumber)
{
    auto group = parseSeatFile("[Seat Entry]\n[Broken\n", "group.seat");
    ASSERT_FALSE(group.ok());
    EXPECT_THAT(group.error().message, HasSubstr("group.seat:2"));
    auto line = parseSeatFile("[Seat Entry]\n# fine\nno equals sign here\n", "line.seat");
    ASSERT_FALSE(line.ok());
    EXPECT_THAT(line.error().message, HasSubstr("line.seat:3"));
}

TEST(ParseSeatFile, IgnoresKeysOfOtherGroups)
{
    auto cfg = parseSeatFile(
        "[Seat Entry]\nDevices=drm:card1\n\n[X-Vendor]\nDevices=not-a-device\nHidden=true\n", "vendor.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_EQ(cfg->file, "vendor.seat");
    EXPECT_THAT(cfg->devices, ElementsAre(Device{"drm", "card1"}));
}

TEST(ParseSeatFile, ToleratesCrlfAndSpacesAroundTheEqualsSign)
{
    auto cfg = parseSeatFile("[Seat Entry]\r\nDevices = drm:card1\r\n", "dos.seat");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    EXPECT_THAT(cfg->devices, ElementsAre(Device{"drm", "card1"}));
}

TEST(LoadSeatConfigs, ReadsTheShippedDirectory)
{
    std::vector<std::string> problems;
    auto seats = loadSeatConfigs(kData + "/seats.d", problems);
    ASSERT_THAT(seats, SizeIs(1));
    EXPECT_EQ(seats[0].file, kData + "/seats.d/00-primary.seat");
    EXPECT_THAT(seats[0].devices, IsEmpty());
    EXPECT_THAT(problems, IsEmpty());
}

TEST(LoadSeatConfigs, ReadsSeatFilesInSortedOrderAndSkipsEverythingElse)
{
    std::vector<std::string> problems;
    const std::string dir = kData + "/seats-mixed.d";
    auto seats = loadSeatConfigs(dir, problems);
    std::vector<std::string> files;
    for (const auto& s : seats)
        files.push_back(s.file);
    // Hidden 20-hidden.seat, README and 50-backup.seat.bak are skipped; two broken files are reported.
    EXPECT_THAT(files, ElementsAre(dir + "/00-primary.seat", dir + "/10-usb.seat", dir + "/2-late.seat"));
    ASSERT_THAT(seats, SizeIs(3));
    EXPECT_THAT(seats[1].devices,
        ElementsAre(Device{"usb", "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"},
            Device{"drm", "/sys/devices/pci0000:00/0000:00:02.0/drm/card1"}));
    EXPECT_THAT(seats[2].devices, ElementsAre(Device{"input", "/dev/input/event7"}));
    ASSERT_THAT(problems, SizeIs(2));
    EXPECT_THAT(problems[0], HasSubstr("30-desktop.seat"));
    EXPECT_THAT(problems[1], HasSubstr("40-nocolon.seat"));
}

TEST(LoadSeatConfigs, YieldsTheConsoleSeatForAMissingDirectory)
{
    std::vector<std::string> problems;
    auto seats = loadSeatConfigs(kData + "/no-such-seats.d", problems);
    ASSERT_THAT(seats, SizeIs(1));
    EXPECT_EQ(seats[0].file, kBuiltInConsoleSeat);
    EXPECT_THAT(seats[0].devices, IsEmpty());
    EXPECT_THAT(problems, IsEmpty());
}

// A directory whose entries are created at run time (a directory named like a seat file cannot be
// checked in).
class ASeatsDirectory : public ::testing::Test {
protected:
    ASeatsDirectory()
    {
        char tmpl[] = "/tmp/ck-core-seats-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr)
            ADD_FAILURE() << "mkdtemp failed";
        dir_ = tmpl;
    }
    ~ASeatsDirectory() override { std::filesystem::remove_all(dir_); }

    std::string dir_;
};

TEST_F(ASeatsDirectory, ReportsAnUnreadableEntryAndReadsTheRest)
{
    ASSERT_TRUE(writeFileAtomically(dir_ + "/00-primary.seat", "[Seat Entry]\nDevices=\n").ok());
    ASSERT_EQ(::mkdir((dir_ + "/10-directory.seat").c_str(), 0755), 0);
    ASSERT_TRUE(writeFileAtomically(dir_ + "/20-usb.seat", "[Seat Entry]\nDevices=drm:card1\n").ok());
    std::vector<std::string> problems;
    auto seats = loadSeatConfigs(dir_, problems);
    ASSERT_THAT(seats, SizeIs(2));
    EXPECT_EQ(seats[0].file, dir_ + "/00-primary.seat");
    EXPECT_EQ(seats[1].file, dir_ + "/20-usb.seat");
    ASSERT_THAT(problems, SizeIs(1));
    EXPECT_THAT(problems[0], HasSubstr("10-directory.seat"));
}

TEST_F(ASeatsDirectory, IgnoresAFileNamedJustDotSeat)
{
    ASSERT_TRUE(writeFileAtomically(dir_ + "/.seat", "[Seat Entry]\nDevices=drm:card1\n").ok());
    std::vector<std::string> problems;
    EXPECT_THAT(loadSeatConfigs(dir_, problems), IsEmpty());
    EXPECT_THAT(problems, IsEmpty());
}

TEST_F(ASeatsDirectory, YieldsNoSeatsWhenEmpty)
{
    std::vector<std::string> problems;
    EXPECT_THAT(loadSeatConfigs(dir_, problems), IsEmpty());
    EXPECT_THAT(problems, IsEmpty());
}

} // namespace
} // namespace ck::core
