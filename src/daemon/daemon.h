// Daemon: wires the model, the bus service, the VT monitor and the state files together and runs
// the main loop until SIGTERM/SIGINT, the loss of the bus name, or the bus going away.
#pragma once

#include "daemon/options.h"

namespace ck::daemon {

// Returns the process exit status.
int run(const Options& options);

} // namespace ck::daemon
