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

Microseconds realtimeNow()
{
    return readClock(CLOCK_REALTIME);
}
Microseconds monotonicNow()
{
    return readClock(CLOCK_MONOTONIC);
}

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

std::optional<Microseconds> parseIsoTime(std::string_view text)
{
    // YYYY-MM-DDTHH:MM:SS[.ffffff]Z
    if (text.size() < 20 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':'
        || text[16] != ':')
        return std::nullopt;
    auto num = [&](std::size_t pos, std::size_t len, int& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (text[i] < '0' || text[i] > '9')
                return false;
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    tm t{};
    int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
    if (!num(0, 4, year) || !num(5, 2, mon) || !num(8, 2, day) || !num(11, 2, hour) || !num(14, 2, min)
        || !num(17, 2, sec))
        return std::nullopt;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return std::nullopt;
    t.tm_year = year - 1900;
    t.tm_mon = mon - 1;
    t.tm_mday = day;
    t.tm_hour = hour;
    t.tm_min = min;
    t.tm_sec = sec;
    long usec = 0;
    std::string_view rest = text.substr(19, text.size() - 20);
    if (!rest.empty()) {
        if (rest.front() != '.' || rest.size() < 2 || rest.size() > 7)
            return std::nullopt;
        int frac = 0;
        if (!num(20, rest.size() - 1, frac))
            return std::nullopt;
        usec = frac;
        for (std::size_t i = rest.size() - 1; i < 6; ++i)
            usec *= 10;
    }
    return static_cast<Microseconds>(::timegm(&t)) * 1000000 + usec;
}

} // namespace ck
