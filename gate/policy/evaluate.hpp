#pragma once

#include "gate/hss/findings.hpp"
#include "gate/hss/record.hpp"
#include "gate/policy/model.hpp"
#include "gate/policy/outcome.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gate::policy {

// The finding lists the rules that apply here need, and which vulnerabilities need their CVEs:
// only those that match every other condition of a rule whose conditions or exceptions use
// cve_id or cvss. The plan refers to the policy, which must outlive it.
hss::FindingPlan plan_findings(const Policy& policy, const Context& context);

// The lists of an image compared with (--compare-with) that the rules need: the kinds that the
// `new_only` rules that apply here count, and no CVEs (identity needs none).
hss::FindingPlan plan_compared_findings(const Policy& policy, const Context& context);

// Applies the policy to the images the lookups found, in order. A lookup that ended in an error
// gives an image with the decision `error`; records it read before the error that already fail
// the policy are judged too, and block. Pure: no I/O, no clock; the same inputs always give the
// same outcome.
// `findings` holds the lists the plan asked for, by image_id.
Outcome evaluate(const Policy& policy, const Context& context, const std::vector<hss::ImageLookup>& lookups,
                 const hss::RunFindings& findings = {});

// One lookup that did not fail.
Outcome evaluate(const Policy& policy, const Context& context, const hss::Lookup& lookup);

// An image the run was asked to gate, and where it is built from (for dashboards' locations).
struct AskedImage {
  hss::Query query;
  std::optional<std::string> dockerfile;
};

// Everything a run found out that its verdict depends on.
struct RunFacts {
  std::vector<AskedImage> images;
  std::vector<hss::ImageLookup> lookups;
  hss::RunFindings findings;
  bool on_error_pass = false;               // --on-error pass
  std::optional<int> warnings_exit;         // --warnings-exit
  std::optional<std::string> cancelled;     // the job was cancelled before a verdict: why
  std::optional<std::string> service_error; // HSS could not be read at all: the message
  TimePoint started{};
  TimePoint finished{};
  std::optional<TimePoint> clock_pinned;   // HSS_GATE_NOW
  std::vector<std::string> warnings;       // the configuration's, said before the verdict's
  std::vector<std::string> unwritten;      // files the run could not write before the verdict
};

// The whole verdict of a run: every image's decision, `error_ignored` (--on-error pass excuses
// an HSS error, never a cancellation, a block or a missing verdict), the warnings, the times and
// the exit code. Pure, like evaluate(); nothing adjusts the outcome afterwards except files
// that could not be written (Outcome::unwritten), which only report writing can know.
Outcome evaluate_run(const Policy& policy, const Context& context, const RunFacts& facts);

} // namespace gate::policy
