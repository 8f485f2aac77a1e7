#pragma once

#include "gate/config/config.hpp"
#include "gate/hss/retry.hpp"
#include "gate/remote/remote_bases.hpp"

#include <memory>

namespace gate {
class Clock;

// The reader of a check's (or doctor's) policy bases named by URL: the copies in --from-file's
// bundle, then the cache, then the network through the run's client settings and retry budget.
remote::RemoteBases run_policy_bases(const config::Config& config, Clock& clock,
                                     std::shared_ptr<hss::RunRetryBudget> retry_budget);

// The same for `policy lint` and `policy show`, whose client settings come from the variables
// `check` reads, resolved only when a base must be fetched.
remote::RemoteBases command_policy_bases(const config::Environment& environment, Clock& clock);

} // namespace gate
