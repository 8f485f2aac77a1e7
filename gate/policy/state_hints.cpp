#include "gate/policy/state_hints.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <span>
#include <string_view>

namespace gate::policy {

namespace {

// One outcome's hint: a lead line and its causes, as text with {names} that no_verdict_hint fills
// from the query and the scope (cicd_name, image_version, where, waited).
struct HintRow {
  NoVerdict outcome;
  std::string_view lead;
  std::span<const std::string_view> causes;
};

constexpr std::string_view k_raise_wait =
    "the scan was not finished when the gate stopped waiting{waited}: raise `wait` ([scan] wait in the policy, "
    "--wait or HSS_GATE_WAIT) to the time HSS's scans take";
constexpr std::string_view k_elsewhere =
    "another project, region or enterprise project than the scan's: this run {where}";

constexpr std::array<std::string_view, 5> k_missing{
    "no scan step: the pipeline must have HSS scan the image under the CI/CD identifier before the gate runs "
    "(docs/ci.md)",
    "cicd_name {cicd_name} is not the name of the CI/CD identifier in the HSS console",
    "the scan reported another tag than image_version {image_version} (or another image_name or namespace)",
    k_elsewhere,
    "the scan has not reached HSS yet{waited}: raise `wait` ([scan] wait in the policy, --wait or HSS_GATE_WAIT)",
};
constexpr std::array<std::string_view, 2> k_pending{
    k_raise_wait,
    "HSS has not started the scan: look the image up in the HSS console (cicd_name {cicd_name}, image_version "
    "{image_version}) and check that its scan step ran",
};
constexpr std::array<std::string_view, 3> k_stale_digest{
    k_raise_wait,
    "no scan step ran for this push, so HSS still holds the scan of an earlier push of the tag",
    "the expected digest (--image-digest) is not the digest the pipeline pushed",
};
constexpr std::array<std::string_view, 2> k_failed{
    "the scan failed in HSS for the reason shown (scan_failed_code, scan_failed_desc): remove the cause and run the "
    "pipeline's scan step again",
    "the failed scan is in the HSS console under cicd_name {cicd_name}, image_version {image_version}",
};

constexpr std::array k_hints{
    HintRow{NoVerdict::missing, "likely causes (compare with the HSS console):", k_missing},
    HintRow{NoVerdict::pending, "likely causes:", k_pending},
    HintRow{NoVerdict::stale_digest, "likely causes:", k_stale_digest},
    HintRow{NoVerdict::failed, "where to look:", k_failed},
};

std::string quoted(std::string_view text) { return fmt::format("\"{}\"", text); }

std::string enterprise_project(const hss::Query& query) {
  if (query.enterprise_project_id) return fmt::format("enterprise_project_id {}", quoted(*query.enterprise_project_id));
  return "no enterprise_project_id (HSS then looks in the default enterprise project, 0; all_granted_eps looks in all)";
}

std::string where(const hss::LookupScope& scope, const hss::Query& query) {
  if (scope.offline) {
    return fmt::format("read {}, which does not record the project, region or enterprise project it came from",
                       scope.source);
  }
  return fmt::format("asked project {} at {} (region {}), {}", quoted(scope.project_id.value_or("")), scope.source,
                     scope.region ? quoted(*scope.region) : "not known", enterprise_project(query));
}

} // namespace

std::vector<std::string> no_verdict_hint(NoVerdict outcome, const hss::Query& query, const hss::LookupScope& scope,
                                         double waited_seconds) {
  fmt::dynamic_format_arg_store<fmt::format_context> values;
  values.push_back(fmt::arg("cicd_name", quoted(query.cicd_name)));
  values.push_back(fmt::arg("image_version", quoted(query.image_version)));
  values.push_back(fmt::arg("where", where(scope, query)));
  double waited = std::round(waited_seconds);
  values.push_back(fmt::arg("waited", waited > 0 ? fmt::format(" (this run waited {:.0f}s)", waited)
                                                 : std::string(" (this run did not wait)")));
  std::vector<std::string> lines;
  for (const auto& row : k_hints) {
    if (row.outcome != outcome) continue;
    lines.emplace_back(row.lead);
    for (auto cause : row.causes) lines.push_back(fmt::vformat(cause, values));
  }
  return lines;
}

} // namespace gate::policy
