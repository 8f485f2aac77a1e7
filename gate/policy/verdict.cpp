#include "gate/policy/evaluate.hpp"

namespace gate::policy {

namespace {

bool same_image(const hss::Query& a, const hss::Query& b) {
  return a.cicd_name == b.cicd_name && a.image_version == b.image_version && a.image_name == b.image_name &&
         a.namespace_name == b.namespace_name && a.image_digest == b.image_digest;
}

} // namespace

Outcome evaluate_run(const Policy& policy, const Context& context, const RunFacts& facts) {
  Outcome outcome;
  std::optional<std::string> ended = facts.cancelled ? facts.cancelled : facts.service_error;
  if (ended) {
    // Nothing was looked up to the end: every image asked for has the decision error.
    for (const auto& asked : facts.images) {
      ImageResult image;
      image.query = asked.query;
      image.decision = Decision::error;
      image.errors.push_back(*ended);
      outcome.images.push_back(std::move(image));
    }
    outcome.decision = Decision::error;
    outcome.policy_files = policy.files;
  } else {
    outcome = evaluate(policy, context, facts.lookups, facts.findings);
  }
  // A cancelled job is never a pass, whatever --on-error says.
  outcome.error_ignored = outcome.decision == Decision::error && facts.on_error_pass && !facts.cancelled;
  outcome.warnings.insert(outcome.warnings.begin(), facts.warnings.begin(), facts.warnings.end());
  if (outcome.error_ignored) {
    outcome.warnings.push_back("--on-error pass: the HSS error is ignored and the image was NOT checked");
  }
  outcome.warnings_exit = facts.warnings_exit;
  outcome.clock_pinned = facts.clock_pinned;
  outcome.started = facts.started;
  outcome.finished = facts.finished;
  outcome.unwritten = facts.unwritten;
  for (auto& image : outcome.images) {
    for (const auto& asked : facts.images) {
      if (same_image(asked.query, image.query) && asked.dockerfile) image.dockerfile = asked.dockerfile;
    }
  }
  return outcome;
}

} // namespace gate::policy
