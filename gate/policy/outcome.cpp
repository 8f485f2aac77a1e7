#include "gate/policy/outcome.hpp"

#include "gate/error.hpp"
#include "gate/hss/image_sources.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gate::policy {

std::string_view name_of(RuleStatus status) {
  switch (status) {
  case RuleStatus::pass: return "pass";
  case RuleStatus::fail: return "fail";
  case RuleStatus::warn: return "warn";
  case RuleStatus::excepted: return "excepted";
  case RuleStatus::not_applicable: return "not_applicable";
  }
  return "fail";
}

std::string_view name_of(Decision decision) {
  switch (decision) {
  case Decision::pass: return "pass";
  case Decision::warn: return "warn";
  case Decision::error: return "error";
  case Decision::no_verdict: return "no_verdict";
  case Decision::fail: return "fail";
  }
  return "error";
}

std::string_view name_of(WaivedBy waived_by) {
  switch (waived_by) {
  case WaivedBy::none: return "none";
  case WaivedBy::rule: return "rule";
  case WaivedBy::findings: return "findings";
  case WaivedBy::vex: return "vex";
  }
  return "none";
}

std::string_view name_of(WaiverKind kind) { return kind == WaiverKind::vex ? "vex" : "exception"; }

std::string ImageResult::label() const {
  return record ? hss::describe_record(*record) : hss::describe_query(query);
}

std::string ImageResult::image_path() const {
  std::string cicd_name = record ? record->cicd_name.value_or("") : query.cicd_name;
  std::optional<std::string> image_name = record ? record->image_name : query.image_name;
  std::optional<std::string> namespace_name = record ? record->namespace_name : query.namespace_name;
  std::string name = image_name && !image_name->empty() ? *image_name : cicd_name;
  if (namespace_name && !namespace_name->empty()) name = *namespace_name + "/" + name;
  return name;
}

bool ImageResult::evaluated() const {
  return rules_ran && record && errors.empty() && decision != Decision::error && decision != Decision::no_verdict;
}

std::string ImageResult::stable_label() const {
  return hss::source_spec(query.source).stable_label(query, record ? &*record : nullptr);
}

std::string ImageResult::suite_label() const {
  return hss::source_spec(query.source).suite_label(query, record ? &*record : nullptr);
}

namespace {

// A block or a missing verdict stands whatever else went wrong; anything that would let the
// pipeline through is withheld when its evidence was not written. `let_through` is the code for
// a warn or an ignored error: 0, or --warnings-exit.
int exit_code_of(Decision decision, bool error_ignored, bool written, int let_through) {
  switch (decision) {
  case Decision::pass: return written ? k_exit_pass : k_exit_service;
  case Decision::warn: return written ? let_through : k_exit_service;
  case Decision::fail: return k_exit_blocked;
  case Decision::no_verdict: return k_exit_no_verdict;
  case Decision::error: return error_ignored && written ? let_through : k_exit_service;
  }
  return k_exit_service;
}

} // namespace

int Outcome::exit_code() const {
  return exit_code_of(decision, error_ignored, unwritten.empty(), warnings_exit.value_or(k_exit_pass));
}

int Outcome::exit_code_if_written() const {
  return exit_code_of(decision, error_ignored, true, warnings_exit.value_or(k_exit_pass));
}

std::vector<std::string> Outcome::errors() const {
  std::vector<std::string> all;
  for (const auto& image : images) all.insert(all.end(), image.errors.begin(), image.errors.end());
  return all;
}

Decision combined_decision(const std::vector<ImageResult>& images) {
  Decision decision = Decision::pass;
  for (const auto& image : images) decision = std::max(decision, image.decision);
  return decision;
}

StatusCounts count_statuses(const ImageResult& image) {
  StatusCounts counts;
  for (const auto& result : image.results) {
    switch (result.status) {
    case RuleStatus::fail: ++counts.failed; break;
    case RuleStatus::warn: ++counts.warned; break;
    case RuleStatus::excepted: ++counts.waived; break;
    case RuleStatus::pass: ++counts.passed; break;
    case RuleStatus::not_applicable: ++counts.not_applicable; break;
    }
  }
  return counts;
}

std::array<int, k_decisions.size()> count_decisions(const Outcome& outcome) {
  std::array<int, k_decisions.size()> counts{};
  for (const auto& image : outcome.images) {
    for (std::size_t i = 0; i < k_decisions.size(); ++i) counts[i] += image.decision == k_decisions[i];
  }
  return counts;
}

StatusCounts count_statuses(const Outcome& outcome) {
  StatusCounts total;
  for (const auto& image : outcome.images) {
    StatusCounts counts = count_statuses(image);
    total.failed += counts.failed;
    total.warned += counts.warned;
    total.waived += counts.waived;
    total.passed += counts.passed;
    total.not_applicable += counts.not_applicable;
  }
  return total;
}

const FindingResult::Attribute* FindingResult::attribute(std::string_view name) const {
  for (const auto& item : attributes) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

const FindingResult::Attribute* FindingResult::attribute(hss::FindingRole role) const {
  for (const auto& item : attributes) {
    if (item.role == role) return &item;
  }
  return nullptr;
}

std::string FindingResult::first_value(hss::FindingRole role) const {
  const Attribute* item = attribute(role);
  return item && !item->values.empty() ? item->values.front() : std::string();
}

std::optional<std::vector<const FindingResult*>> Inventory::used_as(bool hss::DashboardUse::*use) const {
  std::optional<std::vector<const FindingResult*>> found;
  for (const auto& [kind, findings] : lists) {
    if (!(hss::dashboards_of(kind).*use)) continue;
    if (!found) found.emplace();
    for (const auto& finding : findings) found->push_back(&finding);
  }
  return found;
}

std::vector<std::string> Inventory::errors_for(std::initializer_list<bool hss::DashboardUse::*> uses) const {
  std::vector<std::string> found;
  for (const auto& error : errors) {
    const hss::DashboardUse& dashboards = hss::dashboards_of(error.first);
    bool used = std::any_of(uses.begin(), uses.end(), [&](auto use) { return dashboards.*use; });
    if (used && std::find(found.begin(), found.end(), error.second) == found.end()) found.push_back(error.second);
  }
  return found;
}

} // namespace gate::policy
