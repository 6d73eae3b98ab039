// The disconnect stall: how long the daemon stops answering while many session leaders vanish at
// once (their process is killed, so the kernel closes every connection in the same instant).
#pragma once

#include <cstddef>
#include <string>

namespace ck::bench {

struct Stall {
    std::size_t leaders = 0; // sessions that were open when the leaders were killed
    double maxGapSeconds = 0; // longest time between two answers of the daemon
    double removalSeconds = 0; // from the kill until GetSessions was empty
    std::size_t probes = 0; // successful probe replies during the measurement
    std::size_t probeErrors = 0;
    std::string error; // set when the measurement itself failed
};

// Starts `self --leaders <count> <address>` (see leadersMain), waits until each child connection
// leads one session, then kills the child with SIGKILL while a prober thread calls
// Manager.GetSystemIdleHint back to back (it runs on the daemon's main loop, unlike Peer.Ping,
// which GDBus answers on its worker thread, and unlike calls to the bus driver).
Stall measureDisconnectStall(const std::string& self, const std::string& address, std::size_t count);

// The child: `count` connections, one OpenSessionWithParameters each (all in flight at once),
// then "ready <opened>" on stdout, then it waits to be killed.
int leadersMain(const std::string& address, std::size_t count);

} // namespace ck::bench
