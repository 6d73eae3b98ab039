// Token buckets per uid for OpenSession.
#include "core/rate_limiter.h"

#include <algorithm>

namespace ck::core {

namespace {
// Past this many users the table is swept of buckets that have refilled.
constexpr std::size_t kSweepAbove = 256;
} // namespace

RateLimiter::RateLimiter(unsigned perSecond, unsigned burst) : perSecond_(perSecond), burst_(std::max(burst, 1u)) { }

void RateLimiter::refill(Bucket& b, Microseconds now) const
{
    if (now > b.updated) {
        const double elapsed = static_cast<double>(now - b.updated) / 1e6;
        b.tokens = std::min(static_cast<double>(burst_), b.tokens + elapsed * perSecond_);
    }
    b.updated = std::max(b.updated, now);
}

void RateLimiter::forgetFullBuckets(Microseconds now)
{
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        refill(it->second, now);
        it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
    }
}

bool RateLimiter::admit(uid_t uid, Microseconds now)
{
    if (perSecond_ == 0)
        return true;
    if (buckets_.size() > kSweepAbove)
        forgetFullBuckets(now);
    auto [it, fresh] = buckets_.try_emplace(uid, Bucket{static_cast<double>(burst_), now});
    Bucket& b = it->second;
    if (!fresh)
        refill(b, now);
    if (b.tokens < 1.0)
        return false;
    b.tokens -= 1.0;
    return true;
}

} // namespace ck::core
