// Inhibitor locks (Manager.Inhibit / ListInhibitors): a lock lives exactly as long as the write
// end of a pipe that its holder got back. The daemon keeps the read end and sees HUP once every
// copy of the write end is closed — also when the holder dies. No files, no FIFOs in /run.
#pragma once

#include <glib.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "util/typed_signal.h"
#include "util/unique_fd.h"

namespace ck::power {

// Bits of `what`, in the order ListInhibitors spells them.
enum InhibitWhat : unsigned {
    kInhibitShutdown = 1u << 0,
    kInhibitSleep = 1u << 1,
    kInhibitIdle = 1u << 2,
    kInhibitPowerKey = 1u << 3,
    kInhibitSuspendKey = 1u << 4,
    kInhibitHibernateKey = 1u << 5,
    kInhibitLidSwitch = 1u << 6,
};

enum class InhibitMode { Block, Delay };
const char* inhibitModeName(InhibitMode mode);

inline constexpr std::size_t kMaxInhibitTextLength = 4096;

struct InhibitRequest {
    unsigned what = 0;
    std::string who;
    std::string why;
    InhibitMode mode = InhibitMode::Block;
};

// Validates Inhibit's arguments: `what` is a ':'-separated, non-empty list of known tokens
// (no empty token), mode is "block" or "delay", who/why at most 4096 bytes. Errors are
// InvalidInput naming the problem.
Result<InhibitRequest> parseInhibitRequest(
    std::string_view what, std::string_view who, std::string_view why, std::string_view mode);
// "shutdown:sleep:idle", tokens in the fixed order of InhibitWhat.
std::string inhibitWhatString(unsigned what);
// The polkit actions a lock on `what` in `mode` needs, one per kind, in the order of InhibitWhat:
// org.freedesktop.consolekit.inhibit-{block,delay}-{shutdown,sleep}, …inhibit-block-idle,
// …inhibit-handle-power-key, … (logind's names under our prefix). Only shutdown and sleep have a
// delay action; a delay lock on the others costs what a block lock costs.
std::vector<std::string> inhibitActionIds(unsigned what, InhibitMode mode);

struct Inhibitor {
    std::uint64_t id = 0;
    unsigned what = 0;
    std::string who;
    std::string why;
    InhibitMode mode = InhibitMode::Block;
    uid_t uid = 0;
    pid_t pid = 0;
};

struct InhibitorLimits {
    std::size_t perUser = 16; // locks one non-root uid may hold at a time
    std::size_t total = 512; // every lock costs the daemon one fd: stay far below RLIMIT_NOFILE
};

class Inhibitors {
public:
    explicit Inhibitors(InhibitorLimits limits = {});
    ~Inhibitors();
    Inhibitors(const Inhibitors&) = delete;
    Inhibitors& operator=(const Inhibitors&) = delete;

    // Takes a lock for uid/pid and returns the write end for the holder. Busy when the uid
    // (root excepted) or everybody together holds too many.
    Result<UniqueFd> add(InhibitRequest request, uid_t uid, pid_t pid);

    // Live locks, oldest first.
    std::vector<const Inhibitor*> list() const;
    std::size_t size() const noexcept { return entries_.size(); }
    // Whether some lock in `mode` holds any of the `what` bits.
    bool holds(unsigned what, InhibitMode mode) const;
    // The locks in `mode` holding any of the `what` bits.
    std::vector<const Inhibitor*> holders(unsigned what, InhibitMode mode) const;

    // After a lock was taken or released.
    Signal<> changed;

private:
    struct Entry;
    static gboolean onHangup(gint fd, GIOCondition condition, gpointer data) noexcept;
    void release(Entry* entry);

    InhibitorLimits limits_;
    std::list<std::unique_ptr<Entry>> entries_;
    std::uint64_t nextId_ = 1;
};

} // namespace ck::power
