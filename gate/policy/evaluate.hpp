#pragma once

#include "gate/hss/record.hpp"
#include "gate/policy/model.hpp"
#include "gate/policy/outcome.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gate::policy {

// Where the pipeline runs, for `when` conditions and time-based rules.
struct Context {
  std::optional<std::string> branch;
  std::optional<std::string> environment;
  TimePoint now;
};

// Applies the policy to the images the lookups found, in order. A lookup that ended in an error
// gives an image with the decision `error`; records it read before the error that already fail
// the policy are judged too, and block. Pure: no I/O, no clock; the same inputs always give the
// same outcome.
Outcome evaluate(const Policy& policy, const Context& context, const std::vector<hss::ImageLookup>& lookups);

// One lookup that did not fail.
Outcome evaluate(const Policy& policy, const Context& context, const hss::Lookup& lookup);

} // namespace gate::policy
