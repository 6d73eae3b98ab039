// X server discovery through SO_PEERCRED of its listening socket (as ConsoleKit 0.4.6's
// ck-get-x11-server-pid did by connecting to the display).
#include "bus/x11_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include "util/unique_fd.h"

namespace ck::bus {

namespace {

// A connect() to an AF_UNIX stream socket completes at once or fails: with SOCK_NONBLOCK a full
// backlog answers EAGAIN instead of waiting, so a hostile listener cannot stall the main loop.
std::optional<XServerPeer> peerOf(const std::string& name, bool abstract)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t offset = abstract ? 1 : 0; // abstract names start with a NUL byte
    if (name.size() + offset >= sizeof addr.sun_path)
        return std::nullopt;
    std::memcpy(addr.sun_path + offset, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        return std::nullopt;
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), abstract ? length : sizeof addr) != 0)
        return std::nullopt;
    ucred cred{};
    socklen_t credLength = sizeof cred;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &credLength) != 0 || credLength != sizeof cred)
        return std::nullopt;
    return XServerPeer{cred.pid, cred.uid};
}

} // namespace

std::optional<XServerPeer> findXServer(const std::string& socketDir, unsigned display)
{
    const std::string name = socketDir + "/X" + std::to_string(display);
    if (auto peer = peerOf(name, true))
        return peer;
    struct stat dir { };
    if (::lstat(socketDir.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != 0)
        return std::nullopt;
    struct stat socketFile { };
    if (::lstat(name.c_str(), &socketFile) != 0 || !S_ISSOCK(socketFile.st_mode))
        return std::nullopt;
    return peerOf(name, false);
}

} // namespace ck::bus
