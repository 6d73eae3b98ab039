// Clock reads and ISO-8601 formatting.
#include "util/timestamps.h"

#include <ctime>
#include <cstdio>

namespace ck {

namespace {
Microseconds readClock(clockid_t clock)
{
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return static_cast<Microseconds>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}
} // namespace

Microseconds realtimeNow() { return readClock(CLOCK_REALTIME); }
Microseconds monotonicNow() { return readClock(CLOCK_MONOTONIC); }

std::string isoTime(Microseconds t)
{
    time_t sec = static_cast<time_t>(t / 1000000);
    long usec = static_cast<long>(t % 1000000);
    if (usec < 0) {
        usec += 1000000;
        --sec;
    }
    tm utc{};
    ::gmtime_r(&sec, &utc);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    if (usec != 0)
        std::snprintf(buf + n, sizeof buf - n, ".%06ldZ", usec);
    else
        std::snprintf(buf + n, sizeof buf - n, "Z");
    return buf;
}

} // namespace ck
