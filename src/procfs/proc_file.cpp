// Bounded reads of /proc files and strict number parsing shared by the procfs readers.
#include "procfs/proc_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "util/unique_fd.h"

namespace ck::procfs {

std::string joinPath(std::string_view root, std::string_view name)
{
    std::string out(root);
    if (!out.empty() && out.back() != '/')
        out += '/';
    out += name;
    return out;
}

std::string pidDir(std::string_view root, pid_t pid)
{
    return joinPath(root, std::to_string(pid));
}

Result<std::string> readProcFile(const std::string& path, std::size_t maxBytes, int* errnoOut)
{
    auto fail = [&](const char* what, int err) {
        if (errnoOut)
            *errnoOut = err;
        return Error{ErrorCode::Failed, std::string(what) + " '" + path + "': " + std::strerror(err)};
    };
    // /proc/PID/* of a user's pid is the user's to shape: never follow a symlink as the last
    // component, never wait in open(), and read regular files only (the fixture trees of the
    // tests hold plain files; the kernel's are regular files of size 0).
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW));
    if (!fd)
        return fail("cannot open", errno);
    struct stat st { };
    if (::fstat(fd.get(), &st) != 0)
        return fail("cannot stat", errno);
    if (!S_ISREG(st.st_mode))
        return Error{ErrorCode::Failed, "'" + path + "' is not a regular file; refusing to read it"};
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail("cannot read", errno);
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > maxBytes) {
            if (errnoOut)
                *errnoOut = 0;
            return Error{ErrorCode::Failed,
                "'" + path + "' is larger than " + std::to_string(maxBytes) + " bytes; refusing to read it"};
        }
    }
    if (errnoOut)
        *errnoOut = 0;
    return out;
}

Result<std::string> readPidFile(
    std::string_view root, pid_t pid, std::string_view name, std::size_t maxBytes, int* errnoOut)
{
    int err = 0;
    const std::string dir = pidDir(root, pid);
    auto r = readProcFile(joinPath(dir, name), maxBytes, &err);
    if (errnoOut)
        *errnoOut = err;
    if (r)
        return r;
    // ENOENT or ESRCH (the task exited between open() and read()) with the pid directory gone:
    // there never was such a process, or it is gone now; both read the same to a caller. ESRCH
    // with the directory present means "no address space" (kernel thread, zombie): the caller
    // decides what that means for its file.
    struct stat st { };
    if ((err == ENOENT || err == ESRCH) && ::stat(dir.c_str(), &st) != 0)
        return Error{ErrorCode::Failed, "No such process " + std::to_string(pid)};
    return r;
}

Result<std::vector<pid_t>> listPidEntries(const std::string& dir)
{
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
    if (!d)
        return Error{ErrorCode::Failed, "cannot open directory '" + dir + "': " + std::strerror(errno)};
    std::vector<pid_t> pids;
    errno = 0;
    while (const dirent* entry = ::readdir(d.get())) {
        if (auto pid = parseNumber<pid_t>(entry->d_name); pid && *pid > 0)
            pids.push_back(*pid);
    }
    if (errno != 0)
        return Error{ErrorCode::Failed, "cannot read directory '" + dir + "': " + std::strerror(errno)};
    std::sort(pids.begin(), pids.end());
    return pids;
}

std::vector<std::string_view> splitWhitespace(std::string_view text)
{
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        pos = text.find_first_not_of(" \t", pos);
        if (pos == std::string_view::npos)
            break;
        std::size_t end = text.find_first_of(" \t", pos);
        if (end == std::string_view::npos)
            end = text.size();
        out.push_back(text.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::string_view trimWhitespace(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::string quoteForMessage(std::string_view text)
{
    constexpr std::size_t kMax = 80;
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) {
            static const char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (text.size() > kMax)
        out += "...";
    out += "'";
    return out;
}

} // namespace ck::procfs
