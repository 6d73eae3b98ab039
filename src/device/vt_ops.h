// VtOps: what session control does to a VT (prepare for a controller, restore, acknowledge
// VT_PROCESS switches), behind an interface so that the rules are tested without a console.
#pragma once

#include <sys/types.h>

#include "util/result.h"

namespace ck::device {

class VtOps {
public:
    virtual ~VtOps() = default;
    // Saves the VT's modes, then KDSKBMODE K_OFF, KDSETMODE KD_GRAPHICS and VT_SETMODE VT_PROCESS
    // (release/acquire signals to the daemon) — always, also when the VT is already in graphics
    // mode. On failure the VT is restored before the error is returned.
    virtual Result<void> prepare(unsigned vt, uid_t owner) = 0;
    // KD_TEXT, the saved (or default) keyboard mode, VT_AUTO, owner root mode 0620; forgets the VT.
    virtual void restore(unsigned vt) = 0;
    // VT_RELDISP(1): lets a pending switch away from the VT complete.
    virtual void allowRelease(unsigned vt) = 0;
    // VT_RELDISP(VT_ACKACQ): acknowledges that the VT was acquired.
    virtual void acknowledgeAcquire(unsigned vt) = 0;
};

} // namespace ck::device
