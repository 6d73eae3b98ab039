// ck-fake-x-server: listens where an X server would, so that the daemon finds "its" X server by
// SO_PEERCRED. Usage: ck-fake-x-server abstract|path <socket name> [arguments such as vt7...].
// Prints "ready" once listening and exits when its stdin closes.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s abstract|path NAME [ARGS...]\n", argv[0]);
        return 2;
    }
    const bool abstract = std::strcmp(argv[1], "abstract") == 0;
    const std::string name = argv[2];
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t offset = abstract ? 1 : 0;
    if (name.size() + offset >= sizeof addr.sun_path)
        return 2;
    std::memcpy(addr.sun_path + offset, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!abstract)
        ::unlink(name.c_str());
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), abstract ? length : sizeof addr) != 0
        || ::listen(fd, 16) != 0) {
        std::perror("ck-fake-x-server");
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    char buf[64];
    while (::read(0, buf, sizeof buf) > 0) { }
    if (!abstract)
        ::unlink(name.c_str());
    return 0;
}
