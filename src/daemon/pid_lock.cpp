// PidLock: the pid file under an exclusive flock.
#include "daemon/pid_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/atomic_file.h"

namespace ck::daemon {

namespace {
std::string errnoText(const std::string& what, int err)
{
    return what + ": " + std::strerror(err);
}
} // namespace

Result<PidLock> PidLock::acquire(const std::string& rundir)
{
    if (auto r = makeDirectories(rundir, 0755); !r)
        return r.error();
    const std::string path = rundir + "/pid";
    // The rundir itself is locked first: that works on a read-only /run too, where no pid file
    // can be created, so one daemon per rundir holds whatever the file system allows.
    UniqueFd dir(::open(rundir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return Error{ErrorCode::Failed, errnoText("cannot open " + rundir, errno)};
    if (::flock(dir.get(), LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err != EWOULDBLOCK)
            return Error{ErrorCode::Failed, errnoText("cannot lock " + rundir, err)};
        std::string holder;
        if (UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)); fd) {
            char buf[32] = {};
            const ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
            holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
            while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
                holder.pop_back();
        }
        return Error{ErrorCode::Busy,
            rundir + " is locked by another console-kit-daemon"
                + (holder.empty() ? std::string() : " (pid " + holder + ")") + " using the same directories"};
    }
    // A daemon that exits cleanly unlinks the file while it holds the lock: whoever locked the
    // old inode meanwhile must open the path again, or two daemons would each hold "a" lock.
    for (int attempt = 0; attempt < 10; ++attempt) {
        UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!fd && errno == EROFS)
            return PidLock({}, std::move(dir), {}); // no pid file; the directory lock stands
        if (!fd)
            return Error{ErrorCode::Failed, errnoText("cannot open " + path, errno)};
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0)
            return Error{ErrorCode::Failed, errnoText("cannot lock " + path, errno)};
        struct stat held { };
        struct stat named { };
        if (::fstat(fd.get(), &held) == 0 && ::stat(path.c_str(), &named) == 0 && held.st_ino == named.st_ino
            && held.st_dev == named.st_dev)
            return PidLock(path, std::move(dir), std::move(fd));
    }
    return Error{ErrorCode::Failed, "cannot lock " + path + ": it keeps being replaced"};
}

PidLock::~PidLock()
{
    // Ours while we hold the lock; unlinked before the lock goes (see acquire()).
    if (fd_)
        ::unlink(path_.c_str());
}

Result<void> PidLock::writePid(pid_t pid)
{
    if (!fd_)
        return Error{ErrorCode::Failed, "no pid file: the rundir is read-only (the rundir itself is locked)"};
    const std::string text = std::to_string(pid) + "\n";
    if (::ftruncate(fd_.get(), 0) != 0
        || ::pwrite(fd_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        return Error{ErrorCode::Failed, errnoText("cannot write " + path_, errno)};
    return {};
}

} // namespace ck::daemon
