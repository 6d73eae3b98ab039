// Sleep support from /sys/power/state and /proc/meminfo.
#include "power/sleep_support.h"

#include <charconv>
#include <optional>

#include "util/atomic_file.h"

namespace ck::power {

namespace {
bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "SwapFree:     123456 kB" -> 123456 (kB); nullopt when the key is missing or malformed.
std::optional<unsigned long long> meminfoValue(std::string_view text, std::string_view key)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':')
            continue;
        line.remove_prefix(key.size() + 1);
        while (!line.empty() && isSpace(line.front()))
            line.remove_prefix(1);
        unsigned long long value = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
        if (ec != std::errc() || ptr == line.data())
            return std::nullopt;
        return value;
    }
    return std::nullopt;
}
} // namespace

bool SleepSupport::supports(PowerAction action) const
{
    switch (action) {
    case PowerAction::Suspend:
        return suspend;
    case PowerAction::Hibernate:
        return hibernate;
    case PowerAction::HybridSleep:
        return hybridSleep;
    case PowerAction::Stop:
    case PowerAction::Restart:
        return true;
    }
    return false;
}

bool powerStateOffers(std::string_view text, std::string_view word)
{
    std::size_t pos = 0;
    while (pos < text.size()) {
        while (pos < text.size() && isSpace(text[pos]))
            ++pos;
        std::size_t end = pos;
        while (end < text.size() && !isSpace(text[end]))
            ++end;
        if (end > pos && text.substr(pos, end - pos) == word)
            return true;
        pos = end;
    }
    return false;
}

bool swapCanHoldImage(std::string_view meminfo)
{
    const auto swapFree = meminfoValue(meminfo, "SwapFree");
    if (!swapFree || *swapFree == 0)
        return false;
    const auto activeAnon = meminfoValue(meminfo, "Active(anon)");
    return !activeAnon || *activeAnon <= *swapFree;
}

SleepSupport probeSleepSupport(const MachineFiles& files)
{
    SleepSupport s;
    auto state = readFile(files.sysPowerState, 4096);
    if (!state)
        return s; // no sysfs power interface: nothing but stop and restart
    s.suspend = powerStateOffers(*state, "mem");
    if (powerStateOffers(*state, "disk")) {
        auto meminfo = readFile(files.meminfo, 64 * 1024);
        s.hibernate = meminfo && swapCanHoldImage(*meminfo);
    }
    s.hybridSleep = s.suspend && s.hibernate;
    return s;
}

} // namespace ck::power
