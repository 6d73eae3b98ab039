// Signal<Args...>: a typed signal. connect() returns a Connection that disconnects itself
// when destroyed, so a subscriber can never be called after it is gone.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace ck {

class Connection {
public:
    Connection() = default;
    explicit Connection(std::function<void()> disconnect) : disconnect_(std::move(disconnect)) { }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    Connection(Connection&& o) noexcept : disconnect_(std::exchange(o.disconnect_, nullptr)) { }
    Connection& operator=(Connection&& o) noexcept
    {
        reset();
        disconnect_ = std::exchange(o.disconnect_, nullptr);
        return *this;
    }
    ~Connection() { reset(); }
    void reset()
    {
        if (auto d = std::exchange(disconnect_, nullptr))
            d();
    }

private:
    std::function<void()> disconnect_;
};

template <typename... Args> class Signal {
public:
    using Slot = std::function<void(Args...)>;

    Signal() = default;
    Signal(const Signal&) = delete;
    Signal& operator=(const Signal&) = delete;
    ~Signal() { *alive_ = false; }

    [[nodiscard]] Connection connect(Slot slot)
    {
        const std::uint64_t id = nextId_++;
        slots_.push_back({id, std::move(slot)});
        std::weak_ptr<bool> alive = alive_;
        return Connection([this, id, alive] {
            if (auto a = alive.lock(); a && *a)
                disconnect(id);
        });
    }

    void emit(Args... args) const
    {
        // Copy ids first: a slot may disconnect itself or others while we iterate.
        std::vector<std::uint64_t> ids;
        ids.reserve(slots_.size());
        for (const auto& s : slots_)
            ids.push_back(s.id);
        for (auto id : ids) {
            for (const auto& s : slots_) {
                if (s.id == id) {
                    auto fn = s.fn;
                    fn(args...);
                    break;
                }
            }
        }
    }

    bool empty() const noexcept { return slots_.empty(); }

private:
    struct Entry {
        std::uint64_t id;
        Slot fn;
    };
    void disconnect(std::uint64_t id)
    {
        std::erase_if(slots_, [id](const Entry& e) { return e.id == id; });
    }

    std::vector<Entry> slots_;
    std::uint64_t nextId_ = 1;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ck
