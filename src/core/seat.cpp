// Seat construction and queries.
#include "core/seat.h"

#include <algorithm>

#include "core/session.h"

namespace ck::core {

Seat::Seat(unsigned serial, SeatKind kind, std::vector<Device> devices, std::string name)
    : serial_(serial),
      path_(std::string(kObjectPrefix) + "Seat" + std::to_string(serial)),
      kind_(kind),
      devices_(std::move(devices)),
      name_(std::move(name))
{
    if (name_.empty())
        name_ = id();
}

bool Seat::hasSessionOf(unsigned uid) const
{
    return std::any_of(
        sessions_.begin(), sessions_.end(), [uid](const Session* s) { return s->params().unixUser == uid; });
}

} // namespace ck::core
