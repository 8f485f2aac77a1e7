#include "gate/policy/state_hints.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string_view>

namespace gate::policy {

namespace {

// One outcome's hint for images of one source: a lead line and its causes, as text with {names}
// that no_verdict_hint fills from the query and the scope (cicd_name, image_version, namespace,
// image_name, image_type, where, waited).
struct HintRow {
  hss::Source source;
  NoVerdict outcome;
  std::string_view lead;
  std::span<const std::string_view> causes;
  bool failure_advice = false; // leads with what the scan_failed_code's class asks for
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

constexpr std::array<std::string_view, 4> k_registry_missing{
    "HSS has not synced the image from its registry yet (HSS syncs registries once a day): run with --trigger-scan to "
    "have the gate ask for a sync, or sync the registry in the HSS console",
    "namespace {namespace}, image_name {image_name}, image_version {image_version} or image_type {image_type} is not "
    "how HSS lists the image among its repository images",
    "the registry is not connected to HSS, or HSS may not read SWR (SWR authorisation for HSS): docs/ci.md, \"Images "
    "in a registry\"",
    k_elsewhere,
};
constexpr std::array<std::string_view, 2> k_registry_pending{
    k_raise_wait,
    "HSS does not scan SWR images by itself: run with --trigger-scan, or scan the image in the HSS console (namespace "
    "{namespace}, image_name {image_name}, image_version {image_version})",
};
constexpr std::array<std::string_view, 3> k_registry_stale_digest{
    "HSS lists an earlier push of the tag: it has not synced the registry since the push; run with --trigger-scan to "
    "have the gate ask for a sync (and a scan), or sync the registry in the HSS console",
    "the expected digest (--image-digest) is not the digest the pipeline pushed",
    "a digest that differs is no verdict whatever [scan] on_pending says: a registry tag can point at yesterday's image",
};
constexpr std::array<std::string_view, 1> k_registry_failed{
    "the failed scan is in the HSS console among the repository images (namespace {namespace}, image_name "
    "{image_name}, image_version {image_version})",
};

constexpr std::array k_hints{
    HintRow{hss::Source::cicd, NoVerdict::missing, "likely causes (compare with the HSS console):", k_missing},
    HintRow{hss::Source::cicd, NoVerdict::pending, "likely causes:", k_pending},
    HintRow{hss::Source::cicd, NoVerdict::stale_digest, "likely causes:", k_stale_digest},
    HintRow{hss::Source::cicd, NoVerdict::failed, "where to look:", k_failed},
    HintRow{hss::Source::registry, NoVerdict::missing, "likely causes (compare with the HSS console):", k_registry_missing},
    HintRow{hss::Source::registry, NoVerdict::pending, "likely causes:", k_registry_pending},
    HintRow{hss::Source::registry, NoVerdict::stale_digest, "likely causes:", k_registry_stale_digest},
    HintRow{hss::Source::registry, NoVerdict::failed, "where to look:", k_registry_failed, true},
};

// What each class of a registry scan's scan_failed_code asks for (registry-images.md 1b).
struct FailureClass {
  std::span<const std::string_view> codes;
  std::string_view advice;
};
constexpr std::array<std::string_view, 3> k_access_codes{"swr_authentication_error", "access_swr_failed",
                                                         "authentication_failed"};
constexpr std::array<std::string_view, 2> k_gone_codes{"get_detail_info_not_found", "download_failed"};
constexpr std::array<std::string_view, 4> k_shape_codes{"image_over_sized", "image_oversized", "image_layer_over_sized",
                                                        "schema_v1_not_support"};
constexpr std::array k_failure_classes{
    FailureClass{k_access_codes, "HSS may not read the image from its registry: grant it access (SWR authorisation "
                                 "for HSS in the HSS console; for Harbor or JFrog, the registry's credentials in HSS)"},
    FailureClass{k_gone_codes, "HSS could not download the image: it may be gone from the registry; check that the tag "
                               "exists and sync the registry (--trigger-scan)"},
    FailureClass{k_shape_codes, "HSS cannot scan the image as it is built: slim it (size, layers) or push it as a "
                                "schema V2 image"},
};
constexpr std::string_view k_scanner_fault = "a fault of HSS's scanner: scan again (--trigger-scan); if it persists, "
                                             "give Huawei Cloud support the scan_failed_code";

std::string_view failure_advice(std::string_view code) {
  for (const auto& row : k_failure_classes) {
    if (std::find(row.codes.begin(), row.codes.end(), code) != row.codes.end()) return row.advice;
  }
  return k_scanner_fault;
}

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
                                         double waited_seconds, const std::optional<std::string>& scan_failed_code) {
  fmt::dynamic_format_arg_store<fmt::format_context> values;
  values.push_back(fmt::arg("cicd_name", quoted(query.cicd_name)));
  values.push_back(fmt::arg("image_version", quoted(query.image_version)));
  values.push_back(fmt::arg("namespace", quoted(query.namespace_name.value_or(""))));
  values.push_back(fmt::arg("image_name", quoted(query.image_name.value_or(""))));
  values.push_back(fmt::arg("image_type", quoted(query.image_type.value_or(""))));
  values.push_back(fmt::arg("where", where(scope, query)));
  double waited = std::round(waited_seconds);
  values.push_back(fmt::arg("waited", waited > 0 ? fmt::format(" (this run waited {:.0f}s)", waited)
                                                 : std::string(" (this run did not wait)")));
  std::vector<std::string> lines;
  for (const auto& row : k_hints) {
    if (row.outcome != outcome || row.source != query.source) continue;
    lines.emplace_back(row.lead);
    if (row.failure_advice) {
      std::string code = scan_failed_code.value_or("");
      lines.push_back(fmt::format("scan_failed_code {}: {}", code.empty() ? "(none)" : code, failure_advice(code)));
    }
    for (auto cause : row.causes) lines.push_back(fmt::vformat(cause, values));
  }
  return lines;
}

} // namespace gate::policy
