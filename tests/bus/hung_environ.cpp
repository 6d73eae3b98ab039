// ck-hung-environ: a proc directory whose "environ" cannot be read, for --proc-root. In a mount
// namespace of its own it puts copies of its /proc/self/stat and status in a tmpfs and mounts
// over "environ" a one-file FUSE file system that this process serves and whose READ it never
// answers: a reader of the file (the daemon) sleeps in read() until this process exits, which
// aborts the FUSE connection and wakes it. (Pointing the real environ at such a mapping does not
// work: the kernel reads environ with FOLL_ANON, anonymous memory only.) Runs as root; prints the
// directory as the daemon sees it (/proc/<pid>/root/...), exits 77 when FUSE is not available.
#include <fcntl.h>
#include <linux/fuse.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

constexpr std::size_t kFileSize = 4096; // what GETATTR says, so that read() asks for data

int fail(const char* what)
{
    std::fprintf(stderr, "ck-hung-environ: %s: %s\n", what, std::strerror(errno));
    return 77;
}

void reply(int dev, std::uint64_t unique, int error, const void* body, std::size_t size)
{
    char buf[sizeof(fuse_out_header) + 512];
    fuse_out_header out{};
    out.len = static_cast<std::uint32_t>(sizeof out + size);
    out.error = -error;
    out.unique = unique;
    std::memcpy(buf, &out, sizeof out);
    if (size > 0)
        std::memcpy(buf + sizeof out, body, size);
    if (::write(dev, buf, out.len) < 0 && errno != ENOENT)
        std::perror("ck-hung-environ: reply");
}

// Serves the mount's one regular file: INIT, GETATTR and OPEN are answered, READ never is.
void serve(int dev)
{
    static char buf[FUSE_MIN_READ_BUFFER + 128 * 1024];
    for (;;) {
        const ssize_t n = ::read(dev, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR || errno == ENOENT)
                continue;
            return; // ENODEV: unmounted
        }
        if (static_cast<std::size_t>(n) < sizeof(fuse_in_header))
            continue;
        fuse_in_header in{};
        std::memcpy(&in, buf, sizeof in);
        switch (in.opcode) {
        case FUSE_INIT: {
            fuse_init_out init{};
            init.major = FUSE_KERNEL_VERSION;
            init.minor = 31;
            init.max_readahead = 0;
            init.max_write = 4096;
            init.time_gran = 1;
            reply(dev, in.unique, 0, &init, sizeof init);
            break;
        }
        case FUSE_GETATTR: {
            fuse_attr_out attr{};
            attr.attr_valid = 3600;
            attr.attr.ino = 1;
            attr.attr.size = kFileSize;
            attr.attr.blocks = kFileSize / 512;
            attr.attr.mode = S_IFREG | 0444;
            attr.attr.nlink = 1;
            attr.attr.blksize = 4096;
            reply(dev, in.unique, 0, &attr, sizeof attr);
            break;
        }
        case FUSE_OPEN: {
            fuse_open_out open{};
            open.fh = 1;
            reply(dev, in.unique, 0, &open, sizeof open);
            break;
        }
        case FUSE_READ:
        case FUSE_INTERRUPT:
        case FUSE_FORGET:
        case FUSE_BATCH_FORGET:
            break; // the trap: a READ stays pending for good
        case FUSE_FLUSH:
        case FUSE_RELEASE:
            reply(dev, in.unique, 0, nullptr, 0);
            break;
        default:
            reply(dev, in.unique, ENOSYS, nullptr, 0);
            break;
        }
    }
}

bool copyFile(const char* from, const std::string& to)
{
    char text[16384];
    const int in = ::open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return false;
    const ssize_t n = ::read(in, text, sizeof text);
    ::close(in);
    const int out = ::open(to.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0444);
    if (n <= 0 || out < 0)
        return false;
    const bool ok = ::write(out, text, static_cast<std::size_t>(n)) == n;
    ::close(out);
    return ok;
}

} // namespace

int main()
{
    if (::unshare(CLONE_NEWNS) != 0)
        return fail("unshare");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return fail("private mounts");
    // A tmpfs over /tmp, in our namespace only, holds the files: nothing is left behind.
    if (::mount("ck-hung-environ", "/tmp", "tmpfs", 0, "size=64k") != 0)
        return fail("tmpfs");
    const char* dir = "/tmp/proc-entry";
    if (::mkdir(dir, 0755) != 0)
        return fail("mkdir");
    const std::string file = std::string(dir) + "/environ";
    ::close(::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0444));
    if (!copyFile("/proc/self/stat", std::string(dir) + "/stat")
        || !copyFile("/proc/self/status", std::string(dir) + "/status"))
        return fail("copy /proc/self");
    const int dev = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (dev < 0)
        return fail("open /dev/fuse");
    const std::string options = "fd=" + std::to_string(dev) + ",rootmode=100000,user_id=0,group_id=0,allow_other";
    if (::mount("ck-hung-environ", file.c_str(), "fuse", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        return fail("mount fuse");
    std::thread(serve, dev).detach();
    // This process never opens the file itself: its exit closes /dev/fuse first thing, and a
    // FLUSH of a file of its own would wait for a server that is gone.
    std::printf("/proc/%d/root%s\n", static_cast<int>(::getpid()), dir);
    std::fflush(stdout);
    // Until the test closes our stdin or kills us; our exit aborts the FUSE connection.
    char c = 0;
    while (::read(STDIN_FILENO, &c, 1) > 0) { }
    return 0;
}
