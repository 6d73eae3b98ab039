// User runtime directories on a scratch parent: creation, sharing, removal, hostile leftovers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "power/runtime_dirs.h"
#include "power_test_support.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace ck::power {
namespace {

bool exists(const std::string& path)
{
    struct stat st { };
    return ::lstat(path.c_str(), &st) == 0;
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

// Lowers CAP_SYS_ADMIN from the effective set (it stays permitted) so that mount(2) fails with
// EPERM while chown and mkdir still work; raises it again when done.
class WithoutMountCapability {
public:
    WithoutMountCapability()
    {
        header_.version = _LINUX_CAPABILITY_VERSION_3;
        if (::syscall(SYS_capget, &header_, saved_) != 0)
            return;
        __user_cap_data_struct lowered[2] = {saved_[0], saved_[1]};
        lowered[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
        lowered_ = ::syscall(SYS_capset, &header_, lowered) == 0;
    }
    ~WithoutMountCapability()
    {
        if (lowered_)
            ::syscall(SYS_capset, &header_, saved_);
    }
    WithoutMountCapability(const WithoutMountCapability&) = delete;
    WithoutMountCapability& operator=(const WithoutMountCapability&) = delete;
    bool lowered() const { return lowered_; }

private:
    __user_cap_header_struct header_{};
    __user_cap_data_struct saved_[2]{};
    bool lowered_ = false;
};

// Sends the log to a temporary file in place of fd 2 for its lifetime; text() reads what came.
class CapturedLog {
public:
    CapturedLog()
    {
        ck::log::setUseStderr(true);
        std::fflush(stderr);
        file_ = std::tmpfile();
        saved_ = ::dup(STDERR_FILENO);
        if (file_ != nullptr && saved_ >= 0)
            ::dup2(::fileno(file_), STDERR_FILENO);
    }
    ~CapturedLog()
    {
        restore();
        if (file_ != nullptr)
            std::fclose(file_);
        ck::log::setUseStderr(false);
    }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    std::string text()
    {
        restore();
        std::string out;
        if (file_ == nullptr)
            return out;
        std::rewind(file_);
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;)
            out.append(buf, n);
        return out;
    }

private:
    void restore()
    {
        std::fflush(stderr);
        if (saved_ >= 0) {
            ::dup2(saved_, STDERR_FILENO);
            ::close(saved_);
            saved_ = -1;
        }
    }
    std::FILE* file_ = nullptr;
    int saved_ = -1;
};

class RuntimeDirsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0)
            GTEST_SKIP() << "creating directories for other users needs root";
    }
    std::string parent() const { return scratch_.path() + "/user"; }
    std::string dirOf(uid_t uid) const { return parent() + "/" + std::to_string(uid); }
    test::ScratchDir scratch_;
    test::ScratchDir outside_;
    core::Manager manager_;
};

TEST_F(RuntimeDirsTest, CreatesAPrivateDirectoryOwnedByTheUserForTheFirstSession)
{
    RuntimeDirs dirs(manager_, {parent(), false});
    core::Session& s = test::openSession(manager_, 65534);
    struct stat st { };
    ASSERT_EQ(::lstat(dirOf(65534).c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
    EXPECT_EQ(s.runtimeDir(), dirOf(65534));
}

TEST_F(RuntimeDirsTest, GivesAUidWithoutPasswdEntryItsOwnNumberAsGroup)
{
    RuntimeDirs dirs(manager_, {parent(), false});
    test::openSession(manager_, 4123456);
    struct stat st { };
    ASSERT_EQ(::lstat(dirOf(4123456).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 4123456u);
    EXPECT_EQ(st.st_gid, 4123456u);
}

TEST_F(RuntimeDirsTest, SharesTheDirectoryAndRemovesItAfterTheLastSession)
{
    RuntimeDirs dirs(manager_, {parent(), false});
    core::Session& a = test::openSession(manager_, 65534);
    core::Session& b = test::openSession(manager_, 65534);
    core::Session& root = test::openSession(manager_, 0);
    EXPECT_EQ(b.runtimeDir(), a.runtimeDir());
    EXPECT_EQ(root.runtimeDir(), dirOf(0));
    ::mkdir((dirOf(65534) + "/sub").c_str(), 0700);
    std::ofstream(dirOf(65534) + "/sub/file") << "data";
    manager_.removeSession(a);
    EXPECT_TRUE(exists(dirOf(65534) + "/sub/file"));
    manager_.removeSession(b);
    EXPECT_FALSE(exists(dirOf(65534)));
    EXPECT_TRUE(exists(dirOf(0)));
    manager_.removeSession(root);
    EXPECT_FALSE(exists(dirOf(0)));
    EXPECT_EQ(dirs.userCount(), 0u);
}

TEST_F(RuntimeDirsTest, NeverFollowsASymlinkWhenRemoving)
{
    RuntimeDirs dirs(manager_, {parent(), false});
    core::Session& s = test::openSession(manager_, 65534);
    std::ofstream(outside_.path() + "/precious") << "keep me";
    ASSERT_EQ(::symlink(outside_.path().c_str(), (dirOf(65534) + "/escape").c_str()), 0);
    ASSERT_EQ(::symlink((outside_.path() + "/precious").c_str(), (dirOf(65534) + "/file-link").c_str()), 0);
    manager_.removeSession(s);
    EXPECT_FALSE(exists(dirOf(65534)));
    EXPECT_TRUE(exists(outside_.path() + "/precious"));
}

TEST_F(RuntimeDirsTest, ReusesAValidLeftoverFromARestart)
{
    ::mkdir(parent().c_str(), 0755);
    ::mkdir(dirOf(65534).c_str(), 0700);
    ASSERT_EQ(::chown(dirOf(65534).c_str(), 65534, 65534), 0);
    std::ofstream(dirOf(65534) + "/bus") << "socket";
    RuntimeDirs dirs(manager_, {parent(), false});
    core::Session& s = test::openSession(manager_, 65534);
    EXPECT_EQ(s.runtimeDir(), dirOf(65534));
    EXPECT_TRUE(exists(dirOf(65534) + "/bus"));
}

TEST_F(RuntimeDirsTest, RecreatesALeftoverWithTheWrongOwnerOrMode)
{
    ::mkdir(parent().c_str(), 0755);
    ::mkdir(dirOf(65534).c_str(), 0755); // root's, world-readable: somebody else's doing
    std::ofstream(dirOf(65534) + "/planted") << "x";
    RuntimeDirs dirs(manager_, {parent(), false});
    test::openSession(manager_, 65534);
    struct stat st { };
    ASSERT_EQ(::lstat(dirOf(65534).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    EXPECT_FALSE(exists(dirOf(65534) + "/planted"));
}

TEST_F(RuntimeDirsTest, ReplacesASymlinkPlantedInItsPlaceWithoutTouchingTheTarget)
{
    ::mkdir(parent().c_str(), 0755);
    std::ofstream(outside_.path() + "/precious") << "keep me";
    ASSERT_EQ(::symlink(outside_.path().c_str(), dirOf(65534).c_str()), 0);
    RuntimeDirs dirs(manager_, {parent(), false});
    test::openSession(manager_, 65534);
    struct stat st { };
    ASSERT_EQ(::lstat(dirOf(65534).c_str(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_TRUE(exists(outside_.path() + "/precious"));
}

TEST_F(RuntimeDirsTest, MountsASizeLimitedTmpfsAndUnmountsItAfterTheLastSession)
{
    RuntimeDirs dirs(manager_, {parent(), true});
    core::Session& s = test::openSession(manager_, 65534);
    if (!mounted(dirOf(65534))) {
        manager_.removeSession(s);
        GTEST_SKIP() << "mounting a tmpfs is not possible here";
    }
    struct stat st { };
    ASSERT_EQ(::lstat(dirOf(65534).c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u); // the tmpfs root, as mode=/uid=/gid= made it
    EXPECT_EQ(st.st_mode & 07777, 0700u);
    std::ofstream(dirOf(65534) + "/file") << "x";
    manager_.removeSession(s);
    EXPECT_FALSE(mounted(dirOf(65534)));
    EXPECT_FALSE(exists(dirOf(65534)));
}

TEST_F(RuntimeDirsTest, WarnsWhenTheTmpfsCannotBeMountedAndKeepsAPlainDirectory)
{
    RuntimeDirs dirs(manager_, {parent(), true});
    CapturedLog log;
    WithoutMountCapability noMount;
    if (!noMount.lowered())
        GTEST_SKIP() << "cannot lower CAP_SYS_ADMIN here";
    core::Session& s = test::openSession(manager_, 65534);
    const std::string logged = log.text();
    EXPECT_FALSE(mounted(dirOf(65534)));
    EXPECT_EQ(s.runtimeDir(), dirOf(65534));
    // A warning, not debug: without a tmpfs the directory shares /run's space, which an admin must see.
    EXPECT_NE(logged.find("warning: no tmpfs on " + dirOf(65534) + " (a plain directory instead)"), std::string::npos)
        << "logged: " << logged;
    manager_.removeSession(s);
}

TEST_F(RuntimeDirsTest, RemovingATreeLeavesAMountPointBelowAlone)
{
    const std::string top = scratch_.path() + "/tree";
    ASSERT_EQ(::mkdir(top.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((top + "/mnt").c_str(), 0755), 0);
    std::ofstream(top + "/plain") << "x";
    if (::mount("tmpfs", (top + "/mnt").c_str(), "tmpfs", 0, "size=1m") != 0)
        GTEST_SKIP() << "mounting a tmpfs is not possible here";
    std::ofstream(top + "/mnt/inside") << "keep";
    UniqueFd dir(::open(scratch_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto r = removeTreeAt(dir.get(), "tree");
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(exists(top + "/mnt/inside"));
    EXPECT_FALSE(exists(top + "/plain"));
    ::umount2((top + "/mnt").c_str(), MNT_DETACH);
    EXPECT_TRUE(removeTreeAt(dir.get(), "tree").ok());
    EXPECT_FALSE(exists(top));
}

} // namespace
} // namespace ck::power
