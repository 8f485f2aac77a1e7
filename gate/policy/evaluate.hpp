#pragma once

#include "gate/hss/findings.hpp"
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
  // The lists reports need besides the rules' (vulnerabilities, software, base_image): copied
  // into each image's Inventory.
  std::vector<hss::FindingKind> inventory = {};
};

// True when the rule's `when` holds in this context (an unknown branch or environment does not).
bool rule_applies(const Rule& rule, const Context& context);

// The finding lists the rules that apply here need, and which vulnerabilities need their CVEs:
// only those that match every other condition of a rule whose conditions or exceptions use
// cve_id or cvss. The plan refers to the policy, which must outlive it.
hss::FindingPlan plan_findings(const Policy& policy, const Context& context);

// Applies the policy to the images the lookups found, in order. A lookup that ended in an error
// gives an image with the decision `error`; records it read before the error that already fail
// the policy are judged too, and block. Pure: no I/O, no clock; the same inputs always give the
// same outcome.
// `findings` holds the lists the plan asked for, by image_id.
Outcome evaluate(const Policy& policy, const Context& context, const std::vector<hss::ImageLookup>& lookups,
                 const hss::RunFindings& findings = {});

// One lookup that did not fail.
Outcome evaluate(const Policy& policy, const Context& context, const hss::Lookup& lookup);

} // namespace gate::policy
