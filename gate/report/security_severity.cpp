#include "gate/report/security_severity.hpp"

#include "gate/policy/finding_attributes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace gate::report {

namespace {

// Scores by rank on the finding ladder (policy::finding_severities: info .. critical) and on
// HSS's severity_level ladder (hss::severity_levels: Security .. High). The words live there.
constexpr std::array<double, 5> k_finding_scores{0.0, 3.0, 5.5, 8.0, 9.5};
constexpr std::array<double, 4> k_record_scores{0.0, 3.0, 5.5, 8.0};

std::optional<double> highest_cvss(const policy::FindingResult& finding) {
  const auto* cvss = finding.attribute("cvss");
  if (!cvss) return std::nullopt;
  std::optional<double> highest;
  for (const auto& text : cvss->values) {
    double score = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), score);
    if (error != std::errc() || end != text.data() + text.size() || !(score >= 0.0 && score <= 10.0)) continue;
    highest = std::max(highest.value_or(score), score);
  }
  return highest;
}

} // namespace

double finding_security_severity(const policy::FindingResult& finding) {
  if (auto cvss = highest_cvss(finding)) return *cvss;
  auto rank = policy::finding_severity_rank(finding.severity);
  if (!rank || *rank < 0 || static_cast<std::size_t>(*rank) >= k_finding_scores.size()) {
    return k_unknown_security_severity;
  }
  return k_finding_scores[static_cast<std::size_t>(*rank)];
}

double record_security_severity(const std::optional<hss::Record>& record) {
  if (!record || !record->severity_level) return k_unknown_security_severity;
  auto rank = hss::severity_rank(*record->severity_level);
  if (!rank || *rank < 0 || static_cast<std::size_t>(*rank) >= k_record_scores.size()) {
    return k_unknown_security_severity;
  }
  return k_record_scores[static_cast<std::size_t>(*rank)];
}

double rule_security_severity(const policy::RuleResult* result, const std::optional<hss::Record>& record) {
  if (!result || result->findings.empty()) return record_security_severity(record);
  double highest = 0.0;
  for (const auto& finding : result->findings) highest = std::max(highest, finding_security_severity(finding));
  return highest;
}

std::string format_security_severity(double score) { return fmt::format("{:.1f}", score); }

} // namespace gate::report
