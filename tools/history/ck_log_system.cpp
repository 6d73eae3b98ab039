// ck-log-system-{start,stop,restart}: append one SYSTEM_* line to the ConsoleKit history log.
#include <sys/utsname.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ck-config.h"
#include "state/history.h"
#include "util/atomic_file.h"

#ifndef CK_LOG_SYSTEM_ACTION
#error "CK_LOG_SYSTEM_ACTION must be \"start\", \"stop\" or \"restart\""
#endif

namespace {

constexpr const char* kProgram = "ck-log-system-" CK_LOG_SYSTEM_ACTION;

void usage(std::FILE* out)
{
    std::fprintf(out,
        "Usage: %s [--log-file PATH]\n"
        "Append a system %s record to the ConsoleKit history log.\n\n"
        "  --log-file PATH  history log to append to (default %s/history)\n"
        "  -h, --help       show this help\n",
        kProgram, CK_LOG_SYSTEM_ACTION, CK_LOGDIR);
}

ck::state::HistoryEvent makeEvent()
{
    using ck::state::HistoryEventType;
    const ck::Microseconds now = ck::realtimeNow();
    const std::string action = CK_LOG_SYSTEM_ACTION;
    if (action == "stop")
        return ck::state::systemEvent(HistoryEventType::SystemStop, now);
    if (action == "restart")
        return ck::state::systemEvent(HistoryEventType::SystemRestart, now);
    utsname u{};
    std::string release = ::uname(&u) == 0 ? u.release : "";
    std::string cmdline;
    if (auto r = ck::readFile("/proc/cmdline", 1 << 20); r)
        cmdline = *r;
    while (!cmdline.empty() && (cmdline.back() == '\n' || cmdline.back() == '\0'))
        cmdline.pop_back();
    return ck::state::systemStartEvent(now, std::move(release), std::move(cmdline));
}

} // namespace

int main(int argc, char** argv)
{
    std::string path = CK_LOGDIR "/history";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return 0;
        }
        if (arg == "--log-file" && i + 1 < argc) {
            path = argv[++i];
        } else if (arg.starts_with("--log-file=")) {
            path = arg.substr(std::strlen("--log-file="));
        } else {
            std::fprintf(stderr, "%s: unknown argument '%s'\n", kProgram, arg.c_str());
            usage(stderr);
            return 1;
        }
    }
    if (auto r = ck::state::appendHistoryLine(path, makeEvent()); !r) {
        std::fprintf(stderr, "%s: %s\n", kProgram, r.error().message.c_str());
        return 1;
    }
    return 0;
}
