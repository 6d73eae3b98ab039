// XDG_RUNTIME_DIR per user: <parent>/<uid>, created 0700 and owned by the user for the user's
// first session (a size-limited tmpfs on it where mounting works), shared by all of the user's
// sessions (Session.GetXDGRuntimeDir), unmounted and removed after the last one.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/manager.h"
#include "util/result.h"
#include "util/typed_signal.h"

namespace ck::power {

struct RuntimeDirOptions {
    std::string parent = "/run/user";
    bool mountTmpfs = true;
};

class RuntimeDirs {
public:
    RuntimeDirs(core::Manager& manager, RuntimeDirOptions options);
    ~RuntimeDirs();
    RuntimeDirs(const RuntimeDirs&) = delete;
    RuntimeDirs& operator=(const RuntimeDirs&) = delete;

    std::string pathFor(uid_t uid) const;
    // Users that have a directory now.
    std::size_t userCount() const noexcept { return users_.size(); }

private:
    struct User {
        std::size_t sessions = 0;
        bool ready = false; // the directory exists and is ours to remove
    };
    void sessionAdded(core::Session& session);
    void sessionRemoved(core::Session& session);
    Result<void> prepare(uid_t uid);
    void destroy(uid_t uid);

    core::Manager& manager_;
    RuntimeDirOptions options_;
    std::map<uid_t, User> users_;
    std::vector<Connection> connections_;
};

// Removes `name` inside the directory `dirFd` with everything below it, without following a
// symlink and without crossing into another file system (a mount point below is left alone).
// Errors name the first thing that could not be removed.
Result<void> removeTreeAt(int dirFd, const std::string& name);

} // namespace ck::power
