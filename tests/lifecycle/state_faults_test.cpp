// The real daemon on a full or read-only state directory (a small tmpfs in a private mount
// namespace): calls are answered, the last good files stay, one warning, and the files catch up
// by themselves once the directory is writable again.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_bus.h"

namespace ck::test {
namespace {

using namespace std::chrono_literals;

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Session ids in the restart state that are not dropped again (snapshot + appended records).
std::set<std::string> sessionsInState(const std::string& text)
{
    std::set<std::string> ids;
    std::istringstream in(text);
    std::string section;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.front() == '[')
            section = line;
        else if (line.starts_with("id=") && section == "[session]")
            ids.insert(line.substr(3));
        else if (line.starts_with("id=") && section == "[drop-session]")
            ids.erase(line.substr(3));
    }
    return ids;
}

// The test process moves into a private mount namespace once (everything it starts follows it), so
// the tmpfs mounts below are seen by nobody else.
bool privateMounts()
{
    static const bool done = [] {
        if (::unshare(CLONE_NEWNS) != 0)
            return false;
        return ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    }();
    return done;
}

// A 1 MiB tmpfs on the daemon's rundir, which a filler file can fill up.
class SmallRundir {
public:
    explicit SmallRundir(const std::string& dir) : dir_(dir)
    {
        ::mkdir(dir.c_str(), 0755);
        mounted_ = ::mount("ck-test-run", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") == 0;
    }
    ~SmallRundir()
    {
        if (mounted_)
            ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    void fill()
    {
        const std::string filler = dir_ + "/filler";
        const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const std::string block(4096, 'f');
        while (::write(fd, block.data(), block.size()) > 0) { }
        ::fsync(fd);
        ::close(fd);
    }
    void makeRoom() { ::unlink((dir_ + "/filler").c_str()); }
    // Only while no file on it is open for writing (EBUSY otherwise).
    bool setReadOnly(bool ro)
    {
        return ::mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0),
                   "size=1m,mode=0755")
            == 0;
    }

private:
    std::string dir_;
    bool mounted_ = false;
};

class ADaemonWhoseStateDirectory : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0 || !privateMounts())
            GTEST_SKIP() << "needs root and a private mount namespace";
        run_ = std::make_unique<SmallRundir>(daemon_.rundir());
        if (!run_->mounted())
            GTEST_SKIP() << "cannot mount a tmpfs";
        ASSERT_TRUE(daemon_.start()) << daemon_.stderrText();
        client_ = std::make_unique<Client>(bus_.address());
        // One session written while there is room.
        ASSERT_TRUE(client_->manager("OpenSession").ok());
        ASSERT_TRUE(client_->waitFor([&] { return count(database(), "[Session ") == 1; }));
        goodDatabase_ = database();
        goodState_ = readText(daemon_.rundir() + "/state");
    }
    void TearDown() override
    {
        client_.reset();
        if (daemon_.running()) {
            EXPECT_EQ(daemon_.stop(), 0) << daemon_.stderrText();
        }
        run_.reset();
    }

    std::string database() const { return readText(daemon_.rundir() + "/database"); }

    // n sessions, each call answered within a second.
    void openSessions(int n)
    {
        for (int i = 0; i < n; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            Reply r = client_->manager("OpenSession");
            ASSERT_TRUE(r.ok()) << r.print();
            EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "call " << i;
        }
    }

    void expectTheLastGoodFilesAndOneWarningEach()
    {
        EXPECT_EQ(database(), goodDatabase_) << "the database was removed or damaged";
        // Appends that still fit in the file's last page may have gone in; nothing written before
        // may be lost.
        const auto now = sessionsInState(readText(daemon_.rundir() + "/state"));
        for (const auto& id : sessionsInState(goodState_))
            EXPECT_TRUE(now.contains(id)) << id << " is gone from the restart state";
        // The database is written at most every 50 ms: its failed write may come a moment later.
        client_->waitFor([&] { return count(daemon_.stderrText(), "cannot write the session database") > 0; });
        const std::string log = daemon_.stderrText();
        EXPECT_EQ(count(log, "cannot write the restart state"), 1u) << log;
        EXPECT_EQ(count(log, "cannot write the session database"), 1u) << log;
    }

    void expectTheFilesToCatchUp(std::size_t sessions)
    {
        // No further change: the daemon's own retries bring both files up to date.
        EXPECT_TRUE(client_->waitFor([&] { return count(database(), "[Session ") == sessions; }, 10s)) << database();
        EXPECT_TRUE(client_->waitFor(
            [&] { return sessionsInState(readText(daemon_.rundir() + "/state")).size() == sessions; }, 10s));
        client_->waitFor([&] { return count(daemon_.stderrText(), "written again") >= 2; });
        EXPECT_EQ(count(daemon_.stderrText(), "written again"), 2u) << daemon_.stderrText();
    }

    TestBus bus_;
    Daemon daemon_{bus_};
    std::unique_ptr<SmallRundir> run_;
    std::unique_ptr<Client> client_;
    std::string goodDatabase_, goodState_;
};

TEST_F(ADaemonWhoseStateDirectory, IsFullKeepsAnsweringLogsOnceAndCatchesUpWhenSpaceReturns)
{
    run_->fill();
    openSessions(50);
    expectTheLastGoodFilesAndOneWarningEach();
    run_->makeRoom();
    expectTheFilesToCatchUp(51);
}

TEST_F(ADaemonWhoseStateDirectory, IsReadOnlyKeepsAnsweringLogsOnceAndCatchesUpWhenWritableAgain)
{
    // The daemon keeps the restart state open for appending, which a remount read-only refuses
    // (EBUSY): stop it (its session's leader, our client, stays), remount, start it again.
    ASSERT_EQ(daemon_.stop(), 0);
    ASSERT_TRUE(run_->setReadOnly(true));
    goodState_ = readText(daemon_.rundir() + "/state");
    goodDatabase_ = database();
    ::truncate((daemon_.root() + "/daemon.stderr").c_str(), 0);
    ASSERT_TRUE(daemon_.start()) << daemon_.stderrText();
    ASSERT_EQ(count(database(), "[Session "), 1u);
    openSessions(20);
    expectTheLastGoodFilesAndOneWarningEach();
    ASSERT_TRUE(run_->setReadOnly(false));
    expectTheFilesToCatchUp(21);
}

// Issue 13.6: the session controllers record is rewritten when a name leaves the bus and the
// record changes; on a full /run the failed content is not retried (and warned about) for every
// client that comes and goes.
TEST_F(ADaemonWhoseStateDirectory, IsFullWarnsOnceAboutTheControllersRecordHoweverManyClientsLeave)
{
    Reply sessions = client_->manager("GetSessions");
    ASSERT_TRUE(sessions.ok()) << sessions.print();
    const gchar* path = nullptr;
    GVariantIter* iter = nullptr;
    g_variant_get(sessions.value, "(ao)", &iter);
    ASSERT_TRUE(g_variant_iter_next(iter, "&o", &path));
    const std::string session = path;
    g_variant_iter_free(iter);
    run_->fill();
    Reply taken
        = client_->call(session, "org.freedesktop.ConsoleKit.Session", "TakeControl", g_variant_new("(b)", FALSE));
    ASSERT_TRUE(taken.ok()) << taken.print();
    for (int i = 0; i < 10; ++i) {
        Client passer(bus_.address());
        ASSERT_TRUE(passer.manager("GetSeats").ok());
    }
    ASSERT_TRUE(client_->manager("GetSeats").ok()); // the daemon has seen every one leave
    const std::string log = daemon_.stderrText();
    EXPECT_EQ(count(log, "cannot record the session controllers"), 1u) << log;
}

} // namespace
} // namespace ck::test
