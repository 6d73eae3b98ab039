// pam-driver: runs PAM session stacks from a PAM directory of the test's own (pam_start_confdir,
// libpam >= 1.4), so pam_ck_connector is tested without touching the host's /etc/pam.d.
//
//   pam-driver CONFDIR USER STEP...
// Steps, run in order, each answered by one line on stdout:
//   start:SERVICE     pam_end the current handle (if any) and pam_start_confdir SERVICE  -> start=RC
//   tty:V rhost:V xdisplay:V   pam_set_item PAM_TTY / PAM_RHOST / PAM_XDISPLAY           -> item=RC
//   env:NAME=VALUE    pam_putenv                                                           -> env=RC
//   open / close      pam_open_session / pam_close_session                        -> open=RC / close=RC
//   getenv:NAME       pam_getenv                                    -> NAME=VALUE or NAME unset
//   fork-end          a child runs pam_end(PAM_SUCCESS|PAM_DATA_SILENT) and exits  -> fork-end=STATUS
//   fork-close        a child runs pam_close_session and pam_end(PAM_SUCCESS)      -> fork-close=STATUS
//   end               pam_end(PAM_SUCCESS) of the current handle                           -> end=RC
//   threads           tasks of this process                                              -> threads=N
//   sigpipe           SIGPIPE disposition                                   -> sigpipe=default|ignore|other
//   sockets           open sockets and how many lack FD_CLOEXEC              -> sockets=N noncloexec=M
//   pause:PATH        prints "paused" and waits (at most 20 s) until PATH exists
// RC is a name such as PAM_SUCCESS (pam_strerror is locale dependent).
#include <dirent.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

const char* rcName(int rc)
{
    switch (rc) {
    case PAM_SUCCESS:
        return "PAM_SUCCESS";
    case PAM_IGNORE:
        return "PAM_IGNORE";
    case PAM_PERM_DENIED:
        return "PAM_PERM_DENIED";
    case PAM_SESSION_ERR:
        return "PAM_SESSION_ERR";
    case PAM_SYSTEM_ERR:
        return "PAM_SYSTEM_ERR";
    case PAM_BUF_ERR:
        return "PAM_BUF_ERR";
    case PAM_ABORT:
        return "PAM_ABORT";
    default:
        return "PAM_OTHER";
    }
}

int noConversation(int, const pam_message**, pam_response**, void*)
{
    return PAM_CONV_ERR;
}

int countEntries(const char* dir)
{
    int n = 0;
    if (DIR* d = ::opendir(dir)) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.')
                ++n;
        ::closedir(d);
    }
    return n;
}

void printSockets()
{
    int sockets = 0, noncloexec = 0;
    for (int fd = 0; fd < 1024; ++fd) {
        struct stat st { };
        if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        ++sockets;
        if ((::fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0)
            ++noncloexec;
    }
    std::printf("sockets=%d noncloexec=%d\n", sockets, noncloexec);
}

int waitChild(pid_t pid)
{
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: pam-driver CONFDIR USER STEP...\n");
        return 2;
    }
    ::signal(SIGPIPE, SIG_DFL);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const char* confdir = argv[1];
    const char* user = argv[2];
    const pam_conv conv{noConversation, nullptr};
    pam_handle_t* pamh = nullptr;

    for (int i = 3; i < argc; ++i) {
        const std::string step = argv[i];
        const auto value = [&](const char* prefix) { return step.substr(std::strlen(prefix)); };
        if (step.starts_with("start:")) {
            if (pamh != nullptr)
                pam_end(pamh, PAM_SUCCESS);
            pamh = nullptr;
            std::printf("start=%s\n", rcName(pam_start_confdir(value("start:").c_str(), user, &conv, confdir, &pamh)));
        } else if (step == "threads") {
            std::printf("threads=%d\n", countEntries("/proc/self/task"));
        } else if (step == "sigpipe") {
            struct sigaction sa { };
            ::sigaction(SIGPIPE, nullptr, &sa);
            std::printf("sigpipe=%s\n",
                sa.sa_handler == SIG_DFL       ? "default"
                    : sa.sa_handler == SIG_IGN ? "ignore"
                                               : "other");
        } else if (step == "sockets") {
            printSockets();
        } else if (step.starts_with("pause:")) {
            std::printf("paused\n");
            const std::string path = value("pause:");
            for (int waited = 0; waited < 1000 && ::access(path.c_str(), F_OK) != 0; ++waited)
                ::usleep(20000);
        } else if (pamh == nullptr) {
            std::fprintf(stderr, "pam-driver: %s before start:\n", step.c_str());
            return 2;
        } else if (step.starts_with("tty:")) {
            std::printf("item=%s\n", rcName(pam_set_item(pamh, PAM_TTY, value("tty:").c_str())));
        } else if (step.starts_with("rhost:")) {
            std::printf("item=%s\n", rcName(pam_set_item(pamh, PAM_RHOST, value("rhost:").c_str())));
        } else if (step.starts_with("xdisplay:")) {
            std::printf("item=%s\n", rcName(pam_set_item(pamh, PAM_XDISPLAY, value("xdisplay:").c_str())));
        } else if (step.starts_with("env:")) {
            std::printf("env=%s\n", rcName(pam_putenv(pamh, value("env:").c_str())));
        } else if (step == "open") {
            std::printf("open=%s\n", rcName(pam_open_session(pamh, 0)));
        } else if (step == "close") {
            std::printf("close=%s\n", rcName(pam_close_session(pamh, 0)));
        } else if (step.starts_with("getenv:")) {
            const std::string name = value("getenv:");
            const char* v = pam_getenv(pamh, name.c_str());
            if (v != nullptr)
                std::printf("%s=%s\n", name.c_str(), v);
            else
                std::printf("%s unset\n", name.c_str());
        } else if (step == "fork-end" || step == "fork-close") {
            std::fflush(stdout);
            const pid_t pid = ::fork();
            if (pid == 0) {
                if (step == "fork-close" && pam_close_session(pamh, 0) != PAM_SUCCESS)
                    ::_exit(3);
                pam_end(pamh, step == "fork-end" ? (PAM_SUCCESS | PAM_DATA_SILENT) : PAM_SUCCESS);
                ::_exit(0);
            }
            std::printf("%s=%d\n", step.c_str(), waitChild(pid));
        } else if (step == "end") {
            std::printf("end=%s\n", rcName(pam_end(pamh, PAM_SUCCESS)));
            pamh = nullptr;
        } else {
            std::fprintf(stderr, "pam-driver: unknown step %s\n", step.c_str());
            return 2;
        }
    }
    if (pamh != nullptr)
        pam_end(pamh, PAM_SUCCESS);
    return 0;
}
