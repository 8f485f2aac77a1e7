#pragma once

#include "gate/policy/model.hpp"
#include "gate/policy/outcome.hpp"

#include <string>
#include <vector>

namespace gate::policy {

// One problem in a policy file.
struct Diagnostic {
  SourceRef where;
  std::string message;
  std::string str() const; // "file:line:column: message"
};

struct LoadResult {
  Policy policy;
  std::vector<Diagnostic> problems; // empty when the policy is usable
};

// Where the bases that `extends` names by URL are read: a bundle's copy, the cache, the network
// (gate/remote/). The loader sees only their text; it never fetches anything itself.
class BaseReader {
public:
  virtual ~BaseReader() = default;
  // The base's bytes, which hash to base.sha256. Throws gate::Error (any) when they cannot be
  // had: the loader makes that a problem at the `extends` entry, exit 2 like any policy problem.
  virtual std::string read(const PinnedBase& base) = 0;
};

// Loads policy files in order, each with its `extends` chain first, as if every later file
// extended the earlier ones; inherited rules and [scan] settings may only be tightened.
// `now` decides exceptions_policy.max_days. `bases` reads bases named by URL; without it such
// an entry is a problem. Never throws for a bad policy: see `problems`.
LoadResult load_policies(const std::vector<std::string>& files, TimePoint now, BaseReader* bases = nullptr);

// Loads one policy from text, as if read from a file called `name` (extends resolve beside it).
LoadResult load_policy_text(const std::string& text, const std::string& name, TimePoint now);

// Like load_policies, but throws UsageError listing every problem, one per line.
Policy load_policies_or_throw(const std::vector<std::string>& files, TimePoint now, BaseReader* bases = nullptr);

// The built-in default policy (the content of policies/default.toml), used when no policy
// file is given and ./.hss-gate.toml does not exist.
Policy default_policy(TimePoint now);
std::string_view default_policy_text();
inline constexpr std::string_view k_default_policy_name = "built-in default policy";

// The effective policy as a policy file of its own (TOML, `version = 1`, every setting explicit):
// `policy lint` accepts it, and describing it again gives the same text.
std::string describe_policy(const Policy& policy);

// Every rule as dashboards describe it: built-in rules first, then the policy's.
std::vector<RuleInfo> rule_infos(const Policy& policy);

// Which file set each setting and rule, as TOML comment lines; kept apart from describe_policy
// so that its output does not depend on file names.
std::string describe_origins(const Policy& policy);

} // namespace gate::policy
