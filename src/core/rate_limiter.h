// A token bucket per uid: how often one user may open sessions (issue 18.4). Every user's bucket
// holds `burst` tokens and refills at `perSecond`; a full bucket is forgotten, so the table only
// holds users who called recently. Time is given by the caller (tests inject it).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <unordered_map>

#include "util/timestamps.h"

namespace ck::core {

class RateLimiter {
public:
    // perSecond == 0: no limit.
    RateLimiter(unsigned perSecond, unsigned burst);

    // Takes one token of `uid` at monotonic time `now`; false when the bucket is empty.
    bool admit(uid_t uid, Microseconds now);
    std::size_t trackedUsers() const noexcept { return buckets_.size(); }

private:
    struct Bucket {
        double tokens = 0;
        Microseconds updated = 0;
    };
    void refill(Bucket& b, Microseconds now) const;
    void forgetFullBuckets(Microseconds now);

    unsigned perSecond_;
    unsigned burst_;
    std::unordered_map<uid_t, Bucket> buckets_;
};

} // namespace ck::core
