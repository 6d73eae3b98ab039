// Seat: a place where sessions live. The static console seat (Seat1, name "seat0") follows the
// active VT; a dynamic seat holds exactly one session that does not belong on the console.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ck::core {

class Session;

enum class SeatKind { Static = 0, Dynamic = 1 };

using Device = std::pair<std::string, std::string>; // (type, id) from the .seat file

class Seat {
public:
    Seat(unsigned serial, SeatKind kind, std::vector<Device> devices, std::string name);
    Seat(const Seat&) = delete;
    Seat& operator=(const Seat&) = delete;

    unsigned serial() const noexcept { return serial_; }
    const std::string& path() const noexcept { return path_; }
    std::string id() const { return path_.substr(path_.rfind('/') + 1); }
    const std::string& name() const noexcept { return name_; }
    SeatKind kind() const noexcept { return kind_; }
    bool canActivateSessions() const noexcept { return kind_ == SeatKind::Static; }
    const std::vector<Device>& devices() const noexcept { return devices_; }
    // Sessions in the order they were added.
    const std::vector<Session*>& sessions() const noexcept { return sessions_; }
    Session* activeSession() const noexcept { return active_; }
    bool hasSessionOf(unsigned uid) const;

private:
    friend class Manager;

    unsigned serial_;
    std::string path_;
    SeatKind kind_;
    std::vector<Device> devices_;
    std::string name_;
    std::vector<Session*> sessions_; // non-owning; Manager owns sessions
    Session* active_ = nullptr;
};

} // namespace ck::core
