#pragma once

#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"

#include <string>

namespace gate {

class Clock;
class ServiceError;

// Where a failed request points and the fix to suggest: the checklist's layer ("TLS",
// "credentials" for a 401, "permission" for a 403 naming the API refused, "network", "HSS") read
// from the failure's cause and operation, never from its message.
struct Diagnosis {
  std::string layer;
  std::string fix;
};
Diagnosis diagnose(const ServiceError& error);

// `hss-gate doctor`: with the same flags and environment as `check`, prints a checklist, one
// line per check (ok, warn or FAIL) with a one-line fix: the configuration and its origins, the
// policy, the endpoint (name resolution, TCP, proxy), TLS, one authenticated list request and the
// clock skew against the server, report paths and the CI detected. Never prints a secret and
// never writes a report. Returns 0 when nothing failed, 2 for a configuration problem, 3 when the
// service cannot be reached or refuses the credentials.
int doctor(const cli::Arguments& arguments, const config::Environment& environment, Clock& clock);

} // namespace gate
