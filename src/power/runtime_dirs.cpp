// User runtime directories: creation, tmpfs mount, safe removal.
#include "power/runtime_dirs.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "util/atomic_file.h"
#include "util/log.h"
#include "util/unique_fd.h"

namespace ck::power {

namespace {
// A user's tree is the user's to shape: refuse to descend absurdly deep (each level costs an fd).
constexpr int kMaxDepth = 128;

std::string errnoText(const std::string& what, int err)
{
    return what + ": " + std::strerror(err);
}

gid_t primaryGid(uid_t uid)
{
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
        return found->pw_gid;
    return static_cast<gid_t>(uid); // no passwd entry: a group with the same number
}

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

// Empties the directory open as `fd` (on device `dev`).
Result<void> removeContents(int fd, dev_t dev, int depth)
{
    if (depth > kMaxDepth)
        return Error{ErrorCode::Failed, "directory tree deeper than " + std::to_string(kMaxDepth) + " levels"};
    UniqueFd listFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0)); // closedir() closes the copy, not `fd`
    if (!listFd)
        return Error{ErrorCode::Failed, errnoText("dup", errno)};
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(listFd.get()));
    if (!dir)
        return Error{ErrorCode::Failed, errnoText("fdopendir", errno)};
    listFd.release(); // owned by dir now
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir.get())) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            names.emplace_back(e->d_name);
    }
    dir.reset();
    Result<void> outcome;
    for (const auto& name : names) {
        struct stat st { };
        if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; // gone meanwhile
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev) {
                outcome = Error{ErrorCode::Failed, "'" + name + "' is a mount point; left alone"};
                continue;
            }
            // O_NOFOLLOW: if it was swapped for a symlink since fstatat, the open fails and the
            // unlink below removes the link itself, never its target.
            UniqueFd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (child) {
                if (auto r = removeContents(child.get(), dev, depth + 1); !r)
                    outcome = r;
                if (::unlinkat(fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
                    outcome = Error{ErrorCode::Failed, errnoText("cannot remove '" + name + "'", errno)};
                continue;
            }
        }
        if (::unlinkat(fd, name.c_str(), 0) != 0 && errno != ENOENT)
            outcome = Error{ErrorCode::Failed, errnoText("cannot remove '" + name + "'", errno)};
    }
    return outcome;
}
} // namespace

Result<void> removeTreeAt(int dirFd, const std::string& name)
{
    UniqueFd fd(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT)
            return {};
        if (errno == ENOTDIR || errno == ELOOP) { // a file or a symlink: remove just that
            if (::unlinkat(dirFd, name.c_str(), 0) != 0 && errno != ENOENT)
                return Error{ErrorCode::Failed, errnoText("cannot remove '" + name + "'", errno)};
            return {};
        }
        return Error{ErrorCode::Failed, errnoText("cannot open '" + name + "'", errno)};
    }
    struct stat st { };
    if (::fstat(fd.get(), &st) != 0)
        return Error{ErrorCode::Failed, errnoText("cannot stat '" + name + "'", errno)};
    auto contents = removeContents(fd.get(), st.st_dev, 0);
    fd.reset();
    if (::unlinkat(dirFd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return Error{ErrorCode::Failed,
            errnoText("cannot remove '" + name + "'", errno)
                + (contents ? std::string() : " (" + contents.error().message + ")")};
    return {};
}

RuntimeDirs::RuntimeDirs(core::Manager& manager, RuntimeDirOptions options)
    : manager_(manager), options_(std::move(options))
{
    connections_.push_back(manager_.sessionAdded.connect([this](core::Session& s) { sessionAdded(s); }));
    connections_.push_back(manager_.sessionRemoved.connect([this](core::Session& s) { sessionRemoved(s); }));
}

// Directories stay when the daemon stops: the sessions go on and a restarted daemon takes them
// over (restored sessions come back through sessionAdded).
RuntimeDirs::~RuntimeDirs() = default;

std::string RuntimeDirs::pathFor(uid_t uid) const
{
    return options_.parent + "/" + std::to_string(uid);
}

void RuntimeDirs::sessionAdded(core::Session& session)
{
    const uid_t uid = session.params().unixUser;
    User& user = users_[uid];
    ++user.sessions;
    if (!user.ready) {
        if (auto r = prepare(uid); !r) {
            log::warning("no XDG_RUNTIME_DIR for uid " + std::to_string(uid) + ": " + r.error().message);
            return;
        }
        user.ready = true;
    }
    manager_.setRuntimeDir(session, pathFor(uid));
}

void RuntimeDirs::sessionRemoved(core::Session& session)
{
    const uid_t uid = session.params().unixUser;
    auto it = users_.find(uid);
    if (it == users_.end())
        return;
    if (--it->second.sessions > 0)
        return;
    const bool ready = it->second.ready;
    users_.erase(it);
    if (ready)
        destroy(uid);
}

Result<void> RuntimeDirs::prepare(uid_t uid)
{
    if (auto r = makeDirectories(options_.parent, 0755); !r)
        return r;
    UniqueFd parent(::open(options_.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent)
        return Error{ErrorCode::Failed, errnoText("cannot open " + options_.parent, errno)};
    const std::string name = std::to_string(uid);
    const std::string path = pathFor(uid);
    const gid_t gid = primaryGid(uid);

    struct stat st { };
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        // Left from a daemon restart (or a crash): reuse it only if nobody could have planted it.
        if (S_ISDIR(st.st_mode) && st.st_uid == uid && (st.st_mode & 07777) == 0700) {
            log::debug("reusing " + path);
            return {};
        }
        log::info(path + " exists but is not a 0700 directory of uid " + std::to_string(uid) + "; recreating it");
        ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);
        if (auto r = removeTreeAt(parent.get(), name); !r)
            return Error{ErrorCode::Failed, "cannot remove the stale " + path + ": " + r.error().message};
    }
    if (::mkdirat(parent.get(), name.c_str(), 0700) != 0)
        return Error{ErrorCode::Failed, errnoText("cannot create " + path, errno)};
    UniqueFd dir(::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir || ::fchown(dir.get(), uid, gid) != 0 || ::fchmod(dir.get(), 0700) != 0) {
        const int err = errno;
        ::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR);
        return Error{ErrorCode::Failed, errnoText("cannot set up " + path, err)};
    }
    if (options_.mountTmpfs) {
        const std::string data = "mode=0700,uid=" + std::to_string(uid) + ",gid=" + std::to_string(gid) + ",size=10%";
        if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NODEV | MS_NOSUID, data.c_str()) != 0)
            log::warning(errnoText("no tmpfs on " + path + " (a plain directory instead)", errno));
    }
    log::debug("created " + path + " for uid " + std::to_string(uid));
    return {};
}

void RuntimeDirs::destroy(uid_t uid)
{
    const std::string path = pathFor(uid);
    // MNT_DETACH: processes of the user may still be inside; the tmpfs goes when they leave.
    // EINVAL = it was a plain directory.
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT)
        log::debug(errnoText("umount " + path, errno));
    UniqueFd parent(::open(options_.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) {
        log::warning(errnoText("cannot open " + options_.parent, errno));
        return;
    }
    if (auto r = removeTreeAt(parent.get(), std::to_string(uid)); !r)
        log::warning("cannot remove " + path + ": " + r.error().message);
    else
        log::debug("removed " + path);
}

} // namespace ck::power
