// Atomic writes, recursive mkdir and bounded whole-file reads.
#include "util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/unique_fd.h"

namespace ck {

namespace {
std::string errnoText(const std::string& what, const std::string& path, int err)
{
    return what + " '" + path + "': " + std::strerror(err);
}
} // namespace

Result<void> makeDirectories(const std::string& path, mode_t mode)
{
    if (path.empty())
        return {};
    std::string partial;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        if (partial.empty())
            continue;
        if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST)
            return Error{ErrorCode::Failed, errnoText("cannot create directory", partial, errno)};
    }
    struct stat st { };
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return Error{ErrorCode::Failed, "not a directory: '" + path + "'"};
    return {};
}

Result<void> writeFileAtomically(const std::string& path, std::string_view content, mode_t mode, mode_t dirMode)
{
    const auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        if (auto r = makeDirectories(path.substr(0, slash), dirMode); !r)
            return r;
    }
    std::string tmp = path + ".XXXXXX";
    UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd)
        return Error{ErrorCode::Failed, errnoText("cannot create", tmp, errno)};
    auto fail = [&](const char* what) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Error{ErrorCode::Failed, errnoText(what, tmp, err)};
    };
    if (::fchmod(fd.get(), mode) != 0)
        return fail("cannot chmod");
    if (writeAll(fd.get(), content) != content.size())
        return fail("cannot write");
    if (::fsync(fd.get()) != 0)
        return fail("cannot fsync");
    fd.reset();
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return fail("cannot rename");
    return {};
}

std::size_t writeAll(int fd, std::string_view data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return done;
        }
        if (n == 0) {
            errno = EIO;
            return done;
        }
        done += static_cast<std::size_t>(n);
    }
    return done;
}

Result<std::string> readFile(const std::string& path, std::size_t maxBytes)
{
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer, with the main loop stuck
    // behind it. Only a regular file is then read (a FIFO, device or socket is refused).
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        return Error{ErrorCode::Failed, errnoText("cannot open", path, errno)};
    struct stat st { };
    if (::fstat(fd.get(), &st) != 0)
        return Error{ErrorCode::Failed, errnoText("cannot stat", path, errno)};
    if (!S_ISREG(st.st_mode))
        return Error{ErrorCode::Failed, "not a regular file: '" + path + "'"};
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error{ErrorCode::Failed, errnoText("cannot read", path, errno)};
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > maxBytes)
            return Error{ErrorCode::Failed, "file too large: '" + path + "'"};
    }
    return out;
}

} // namespace ck
