// SysfsDeviceOps on a fake sysfs tree with real character devices, and on the real /sys.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

#include "device/sysfs_device_ops.h"
#include "fake_sysfs.h"

namespace ck::device {
namespace {

class AFakeSysfsTree : public ::testing::Test {
protected:
    test::FakeSysfs tree;
    SysfsDeviceOps ops{tree.root()};
};

TEST_F(AFakeSysfsTree, ClassifiesACardAnEventNodeAndAHidrawNodeOnSeat0)
{
    auto card = ops.lookup(1, 3);
    auto event = ops.lookup(1, 5);
    auto hid = ops.lookup(1, 7);
    ASSERT_TRUE(card.ok()) << card.error().message;
    ASSERT_TRUE(event.ok()) << event.error().message;
    ASSERT_TRUE(hid.ok()) << hid.error().message;
    EXPECT_EQ(card->type, Type::Drm);
    EXPECT_EQ(event->type, Type::Evdev);
    EXPECT_EQ(hid->type, Type::Hidraw);
    EXPECT_EQ(card->devnode, tree.root() + "/dev/dri/card0");
    EXPECT_EQ(event->devnode, tree.root() + "/dev/input/event0");
    EXPECT_EQ(card->seat, "seat0");
    EXPECT_EQ(event->seat, "seat0");
}

TEST_F(AFakeSysfsTree, TakesTheSeatFromTheUdevDatabase)
{
    tree.setUdevSeat("c1:3", "seat1");
    tree.setUdevSeat("+input:input0", "seat2");
    EXPECT_EQ(ops.lookup(1, 3)->seat, "seat1");
    EXPECT_EQ(ops.lookup(1, 5)->seat, "seat2"); // an event node inherits its input device's seat
}

TEST_F(AFakeSysfsTree, RefusesARenderNodeAndAnAbsentDevice)
{
    tree.write("sys/devices/fake/drm/renderD128/uevent", "MAJOR=1\nMINOR=8\nDEVNAME=dri/renderD128\n");
    tree.symlink(tree.root() + "/sys/class/drm", "sys/devices/fake/drm/renderD128/subsystem");
    tree.symlink(tree.root() + "/sys/devices/fake/drm/renderD128", "sys/dev/char/1:8");
    auto render = ops.lookup(1, 8);
    ASSERT_FALSE(render.ok());
    EXPECT_EQ(render.error().code, ErrorCode::NotSupported);
    auto absent = ops.lookup(226, 0);
    ASSERT_FALSE(absent.ok());
    EXPECT_EQ(absent.error().code, ErrorCode::NotSupported);
}

TEST_F(AFakeSysfsTree, OpensTheRealNodeReadWriteNonBlocking)
{
    if (!tree.nodesMade())
        GTEST_SKIP() << "mknod needs root";
    auto info = ops.lookup(1, 3);
    ASSERT_TRUE(info.ok());
    auto fd = ops.open(*info);
    ASSERT_TRUE(fd.ok()) << fd.error().message;
    struct stat st { };
    ASSERT_EQ(::fstat(fd->get(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(st.st_rdev, makedev(1, 3));
    const int flags = ::fcntl(fd->get(), F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT_TRUE(flags & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(AFakeSysfsTree, RefusesANodeWhoseNumberIsNotTheDevices)
{
    if (!tree.nodesMade())
        GTEST_SKIP() << "mknod needs root";
    auto info = ops.lookup(1, 3);
    ASSERT_TRUE(info.ok());
    info->minor = 5; // the node at dev/dri/card0 is 1:3, not 1:5
    auto fd = ops.open(*info);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().code, ErrorCode::Failed);
}

TEST_F(AFakeSysfsTree, RefusesASymlinkInPlaceOfTheNode)
{
    tree.symlink("/dev/null", "dev/dri/card1");
    Info info{1, 3, Type::Drm, tree.root() + "/dev/dri/card1", "", "seat0"};
    auto fd = ops.open(info);
    ASSERT_FALSE(fd.ok());
}

TEST(RealDeviceIoctls, ReachTheKernelAndFailOnANonDevice)
{
    SysfsDeviceOps ops;
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(null.isValid());
    EXPECT_EQ(ops.setMaster(null.get()), ENOTTY);
    EXPECT_EQ(ops.dropMaster(null.get()), ENOTTY);
    EXPECT_EQ(ops.revoke(null.get(), Type::Evdev), ENOTTY);
    EXPECT_EQ(ops.revoke(null.get(), Type::Hidraw), ENOTTY);
}

TEST(RealSysfs, RefusesMemTtyConsoleAndAbsentDevices)
{
    if (::access("/sys/dev/char/1:3", F_OK) != 0)
        GTEST_SKIP() << "no /sys";
    SysfsDeviceOps ops;
    for (auto [major, minor] : {std::pair{1u, 3u}, {4u, 1u}, {5u, 1u}, {226u, 250u}}) {
        auto r = ops.lookup(major, minor);
        ASSERT_FALSE(r.ok()) << major << ":" << minor;
        EXPECT_EQ(r.error().code, ErrorCode::NotSupported);
    }
}

// --- the DRM-master stand-in ------------------------------------------------------------------

class AnOfdLockMaster : public AFakeSysfsTree {
protected:
    void SetUp() override
    {
        if (!tree.nodesMade())
            GTEST_SKIP() << "mknod needs root";
        info = ops2.lookup(1, 3).value();
    }
    UniqueFd openCard() { return ops2.open(info).value(); }
    // What a process that opens the card anew sees: F_WRLCK while someone is master.
    static short lockSeenBy(int fd)
    {
        struct flock l { };
        l.l_type = F_WRLCK;
        l.l_whence = SEEK_SET;
        EXPECT_EQ(::fcntl(fd, F_OFD_GETLK, &l), 0);
        return l.l_type;
    }

    OfdLockMasterOps ops2{tree.root()};
    Info info;
};

TEST_F(AnOfdLockMaster, BelongsToOneOpenFileDescriptionAndItsDuplicates)
{
    UniqueFd a = openCard();
    UniqueFd b = openCard();
    ASSERT_EQ(ops2.setMaster(a.get()), 0);
    EXPECT_EQ(ops2.setMaster(b.get()), EBUSY); // another master exists
    UniqueFd dupA(::dup(a.get()));
    EXPECT_EQ(lockSeenBy(dupA.get()), F_UNLCK); // the client's dup is the master itself
    EXPECT_EQ(lockSeenBy(b.get()), F_WRLCK);
    ASSERT_EQ(ops2.dropMaster(a.get()), 0);
    EXPECT_EQ(lockSeenBy(b.get()), F_UNLCK);
    EXPECT_EQ(ops2.setMaster(b.get()), 0);
}

TEST_F(AnOfdLockMaster, EndsWithTheLastCloseOfTheDescription)
{
    UniqueFd a = openCard();
    UniqueFd probe = openCard();
    ASSERT_EQ(ops2.setMaster(a.get()), 0);
    UniqueFd dupA(::dup(a.get()));
    a.reset();
    EXPECT_EQ(lockSeenBy(probe.get()), F_WRLCK); // the duplicate keeps it
    dupA.reset();
    EXPECT_EQ(lockSeenBy(probe.get()), F_UNLCK);
}

} // namespace
} // namespace ck::device
