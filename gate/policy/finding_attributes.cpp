#include "gate/policy/finding_attributes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace gate::policy {

namespace {

using hss::FindingKind;
using hss::FindingRecord;

constexpr std::array<std::string_view, 5> k_severities{"info", "low", "medium", "high", "critical"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string number_text(double number) { return fmt::format("{}", number); }

// A member as HSS sent it: text as it is, numbers as written.
AttributeValue read_member(const FindingAttribute& self, const FindingSubject& finding) {
  AttributeValue value;
  const hss::FieldValue& field = finding.record->field(self.name);
  if (const auto* text = std::get_if<std::string>(&field)) {
    if (!text->empty()) value.texts.push_back(*text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&field)) {
    value.texts.push_back(std::to_string(*integer));
    value.number = static_cast<double>(*integer);
  } else if (const auto* number = std::get_if<double>(&field)) {
    value.texts.push_back(number_text(*number));
    value.number = *number;
  }
  return value;
}

AttributeValue read_severity(const FindingAttribute& self, const FindingSubject& finding) {
  AttributeValue value;
  if (auto rank = finding_severity(self.kind, *finding.record)) {
    value.texts.emplace_back(k_severities[static_cast<std::size_t>(*rank)]);
    value.number = *rank;
  }
  return value;
}

// Every CVE of the vulnerability; none when they were not fetched or it has none.
AttributeValue read_cve_ids(const FindingAttribute&, const FindingSubject& finding) {
  AttributeValue value;
  if (!finding.cves) return value;
  for (const auto& cve : *finding.cves) {
    if (auto id = cve.text("cve_id"); id && !id->empty()) value.texts.push_back(*id);
  }
  return value;
}

// The highest cvss_score of the vulnerability's CVEs.
AttributeValue read_cvss(const FindingAttribute&, const FindingSubject& finding) {
  AttributeValue value;
  if (!finding.cves) return value;
  for (const auto& cve : *finding.cves) {
    const hss::FieldValue& score = cve.field("cvss_score");
    std::optional<double> number;
    if (const auto* d = std::get_if<double>(&score)) number = *d;
    if (const auto* i = std::get_if<std::int64_t>(&score)) number = static_cast<double>(*i);
    if (number && (!value.number || *number > *value.number)) value.number = number;
  }
  if (value.number) value.texts.push_back(number_text(*value.number));
  return value;
}

constexpr auto text = AttributeOrder::none;
constexpr auto number = AttributeOrder::number;
constexpr auto severity = AttributeOrder::severity;

const std::array k_attributes{
    FindingAttribute{FindingKind::vulnerabilities, "vul_id", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "cve_id", text, true, read_cve_ids},
    FindingAttribute{FindingKind::vulnerabilities, "cvss", number, true, read_cvss},
    FindingAttribute{FindingKind::vulnerabilities, "severity", severity, false, read_severity},
    FindingAttribute{FindingKind::vulnerabilities, "repair_necessity", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "app_name", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "app_path", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "version", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "position", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "description", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "solution", text, false, read_member},
    FindingAttribute{FindingKind::vulnerabilities, "url", text, false, read_member},
    FindingAttribute{FindingKind::malware, "file_name", text, false, read_member},
    FindingAttribute{FindingKind::malware, "file_path", text, false, read_member},
    FindingAttribute{FindingKind::malware, "size", number, false, read_member},
    FindingAttribute{FindingKind::malware, "description", text, false, read_member},
    FindingAttribute{FindingKind::malware, "severity", severity, false, read_severity},
    FindingAttribute{FindingKind::secrets, "sensitive_info_id", text, false, read_member},
    FindingAttribute{FindingKind::secrets, "name", text, false, read_member},
    FindingAttribute{FindingKind::secrets, "severity", severity, false, read_severity},
    FindingAttribute{FindingKind::secrets, "file_path", text, false, read_member},
    FindingAttribute{FindingKind::secrets, "position", text, false, read_member},
    FindingAttribute{FindingKind::secrets, "description", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "check_name", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "check_type", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "check_rule_name", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "check_rule_id", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "standard", text, false, read_member},
    FindingAttribute{FindingKind::baseline, "severity", severity, false, read_severity},
    FindingAttribute{FindingKind::build_risks, "risk_id", text, false, read_member},
    FindingAttribute{FindingKind::build_risks, "rule_id", text, false, read_member},
    FindingAttribute{FindingKind::build_risks, "risk_name", text, false, read_member},
    FindingAttribute{FindingKind::build_risks, "risk_level", text, false, read_member},
    FindingAttribute{FindingKind::build_risks, "severity", severity, false, read_severity},
    FindingAttribute{FindingKind::build_risks, "description", text, false, read_member},
    FindingAttribute{FindingKind::software, "app_name", text, false, read_member},
    FindingAttribute{FindingKind::software, "app_type", text, false, read_member},
    FindingAttribute{FindingKind::software, "app_version", text, false, read_member},
    FindingAttribute{FindingKind::software, "vul_num", number, false, read_member},
    FindingAttribute{FindingKind::base_image, "os_name", text, false, read_member},
    FindingAttribute{FindingKind::base_image, "os_version", text, false, read_member},
    FindingAttribute{FindingKind::base_image, "layer_digest", text, false, read_member},
};

// How each kind's own severity vocabulary maps onto the ladder.
struct SeverityWord {
  std::string_view word;
  int rank;
};
constexpr std::array<SeverityWord, 3> k_repair_necessity{
    {{"immediate_repair", 3}, {"delay_repair", 2}, {"not_needed_repair", 1}}};
constexpr std::array<SeverityWord, 4> k_baseline_severity{{{"security", 0}, {"low", 1}, {"medium", 2}, {"high", 3}}};

std::optional<int> word_rank(std::span<const SeverityWord> words, const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  std::string word = lower(*value);
  for (const auto& entry : words) {
    if (entry.word == word) return entry.rank;
  }
  return std::nullopt;
}

std::string member_text(const FindingRecord& record, std::string_view name) {
  const hss::FieldValue& field = record.field(name);
  if (const auto* as_text = std::get_if<std::string>(&field)) return *as_text;
  if (const auto* as_integer = std::get_if<std::int64_t>(&field)) return std::to_string(*as_integer);
  if (const auto* as_number = std::get_if<double>(&field)) return number_text(*as_number);
  return {};
}

// The members that together tell one finding of a kind from another, stable across image versions.
struct KeyMembers {
  FindingKind kind;
  std::array<std::string_view, 4> names; // empty names unused
};
constexpr std::array<KeyMembers, 7> k_key_members{{
    {FindingKind::vulnerabilities, {"vul_id", "app_name", "app_path", "version"}},
    {FindingKind::malware, {"file_path", "file_name"}},
    {FindingKind::secrets, {"sensitive_info_id", "file_path", "position"}},
    {FindingKind::baseline, {"check_name", "standard", "check_rule_id", "check_rule_name"}},
    {FindingKind::build_risks, {"risk_id", "rule_id"}},
    {FindingKind::software, {"app_type", "app_name", "app_version"}},
    {FindingKind::base_image, {"os_name", "os_version"}},
}};

std::vector<std::string_view> key_members(FindingKind kind) {
  std::vector<std::string_view> names;
  for (const auto& entry : k_key_members) {
    if (entry.kind != kind) continue;
    for (auto name : entry.names) {
      if (!name.empty()) names.push_back(name);
    }
  }
  return names;
}

} // namespace

std::vector<const FindingAttribute*> attributes_of(FindingKind kind) {
  std::vector<const FindingAttribute*> found;
  for (const auto& attribute : k_attributes) {
    if (attribute.kind == kind) found.push_back(&attribute);
  }
  return found;
}

const FindingAttribute* find_attribute(FindingKind kind, std::string_view name) {
  for (const auto& attribute : k_attributes) {
    if (attribute.kind == kind && attribute.name == name) return &attribute;
  }
  return nullptr;
}

std::string attribute_names(FindingKind kind) {
  std::vector<std::string_view> names;
  for (const auto* attribute : attributes_of(kind)) names.push_back(attribute->name);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string finding_kind_names() {
  std::vector<std::string_view> names;
  for (auto kind : hss::finding_kinds()) names.push_back(hss::name_of(kind));
  return fmt::format("{}", fmt::join(names, ", "));
}

std::span<const std::string_view> finding_severities() { return k_severities; }

std::optional<int> finding_severity_rank(std::string_view name) {
  std::string word = lower(name);
  for (std::size_t i = 0; i < k_severities.size(); ++i) {
    if (k_severities[i] == word) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> finding_severity(FindingKind kind, const FindingRecord& record) {
  switch (kind) {
  case FindingKind::vulnerabilities: return word_rank(k_repair_necessity, record.text("repair_necessity"));
  case FindingKind::baseline: return word_rank(k_baseline_severity, record.text("severity"));
  case FindingKind::malware: return 4; // HSS gives none; a malicious file is always critical
  case FindingKind::secrets: {
    auto value = record.text("severity");
    return value ? finding_severity_rank(*value) : std::nullopt;
  }
  case FindingKind::build_risks: {
    auto value = record.text("risk_level");
    return value ? finding_severity_rank(*value) : std::nullopt;
  }
  case FindingKind::software:
  case FindingKind::base_image: return std::nullopt;
  }
  return std::nullopt;
}

Match match(const FindingCondition& condition, const AttributeValue& value) {
  if (!condition.ordered()) {
    bool caseless = condition.attribute->order == AttributeOrder::severity;
    for (const auto& text : value.texts) {
      for (const auto& glob : condition.globs) {
        if (caseless ? glob_match(lower(glob), lower(text)) : glob_match(glob, text)) return Match::yes;
      }
    }
    return Match::no; // a finding without the value is not the one named
  }
  if (!value.number) return condition.skip_unknown ? Match::no : Match::unknown;
  if (condition.min && *value.number < *condition.min) return Match::no;
  if (condition.max && *value.number > *condition.max) return Match::no;
  return Match::yes;
}

bool matches(const std::vector<FindingPattern>& pattern, FindingKind kind, const FindingSubject& finding) {
  return std::all_of(pattern.begin(), pattern.end(), [&](const FindingPattern& part) {
    const FindingAttribute* attribute = find_attribute(kind, part.attribute);
    if (!attribute) return false;
    FindingCondition condition{attribute, part.globs, std::nullopt, std::nullopt, false};
    return match(condition, attribute->read(*attribute, finding)) == Match::yes;
  });
}

std::string show_bound(const FindingAttribute& attribute, double bound) {
  if (attribute.order == AttributeOrder::severity) {
    auto rank = static_cast<std::size_t>(std::clamp(bound, 0.0, 4.0));
    return std::string(k_severities[rank]);
  }
  return number_text(bound);
}

std::string finding_id(FindingKind kind, const FindingRecord& record) {
  auto first = [&](std::initializer_list<std::string_view> names) {
    for (auto name : names) {
      if (auto value = member_text(record, name); !value.empty()) return value;
    }
    return std::string("(no id)");
  };
  switch (kind) {
  case FindingKind::vulnerabilities: return first({"vul_id"});
  case FindingKind::malware: return first({"file_path", "file_name"});
  case FindingKind::secrets: return first({"sensitive_info_id", "file_path"});
  case FindingKind::baseline: return first({"check_rule_id", "check_rule_name"});
  case FindingKind::build_risks: return first({"risk_id", "rule_id"});
  case FindingKind::software:
    return fmt::format("{}@{}", member_text(record, "app_name"), member_text(record, "app_version"));
  case FindingKind::base_image:
    return fmt::format("{} {}", member_text(record, "os_name"), member_text(record, "os_version"));
  }
  return "(no id)";
}

std::string finding_key(FindingKind kind, const FindingRecord& record) {
  std::vector<std::string> parts;
  for (auto name : key_members(kind)) parts.push_back(member_text(record, name));
  return fmt::format("{}", fmt::join(parts, "|"));
}

std::vector<std::pair<std::string, std::string>> finding_identity(FindingKind kind, const FindingRecord& record) {
  std::vector<std::pair<std::string, std::string>> identity;
  for (auto name : key_members(kind)) {
    if (auto value = member_text(record, name); !value.empty()) identity.emplace_back(name, value);
  }
  return identity;
}

const FindingCondition* FindingSelector::condition(std::string_view attribute) const {
  for (const auto& condition : where) {
    if (condition.attribute->name == attribute) return &condition;
  }
  return nullptr;
}

} // namespace gate::policy
