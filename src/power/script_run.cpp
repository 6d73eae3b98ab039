// Power scripts run asynchronously under a state::SupervisedChild.
#include "power/script_run.h"

#include "util/log.h"

namespace ck::power {

Result<std::unique_ptr<ScriptRun>> ScriptRun::start(const std::string& path, Done done, unsigned timeoutMs)
{
    std::unique_ptr<ScriptRun> run(new ScriptRun(path, std::move(done)));
    run->limits_.timeoutMs = timeoutMs;
    run->limits_.killGraceMs = 5000;
    ScriptRun* self = run.get();
    // The child closes every fd above 2 (GLib's default), so inhibitor pipes and the bus socket
    // never reach the script.
    auto child = state::SupervisedChild::start("power script " + path, {path}, nullptr, run->limits_, nullptr,
        [self](const state::ChildOutcome& outcome) { self->onExit(outcome); });
    if (!child)
        return child.error();
    run->child_ = std::move(child).value();
    run->child_->setKillOnDestroy(false);
    return run;
}

ScriptRun::~ScriptRun() = default;

void ScriptRun::onExit(const state::ChildOutcome& outcome)
{
    const std::string name = path_.substr(path_.rfind('/') + 1);
    Result<void> result;
    if (!outcome.succeeded())
        result = Error{ErrorCode::Failed, name + " script " + outcome.describe(limits_)};
    // The callback may destroy this object: nothing touches `this` after it.
    Done done = std::move(done_);
    done(std::move(result));
}

} // namespace ck::power
