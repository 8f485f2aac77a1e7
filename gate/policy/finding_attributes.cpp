#include "gate/policy/finding_attributes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <cctype>
#include <cmath>

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

// Every CVE of the vulnerability; none when it has none, unread when they were not fetched. A CVE
// without an id (null, "" or absent) is counted as lacking one, never dropped: dropping it would
// let a waiver that names the other CVEs cover a set it does not name.
AttributeValue read_cve_ids(const FindingAttribute&, const FindingSubject& finding) {
  AttributeValue value;
  value.read = finding.cves != nullptr;
  if (!finding.cves) return value;
  for (const auto& cve : *finding.cves) {
    if (auto id = cve.text("cve_id"); id && !id->empty()) {
      value.texts.push_back(*id);
    } else {
      ++value.lacking;
    }
  }
  return value;
}

// The highest cvss_score of the vulnerability's CVEs, known only when every CVE has a score from
// 0.0 to 10.0: a CVE without one might be the worst, so the maximum of the others would understate it.
AttributeValue read_cvss(const FindingAttribute&, const FindingSubject& finding) {
  AttributeValue value;
  value.read = finding.cves != nullptr;
  if (!finding.cves) return value;
  std::optional<double> highest;
  for (const auto& cve : *finding.cves) {
    const hss::FieldValue& score = cve.field("cvss_score");
    std::optional<double> number;
    if (const auto* d = std::get_if<double>(&score)) number = *d;
    if (const auto* i = std::get_if<std::int64_t>(&score)) number = static_cast<double>(*i);
    // CVSS scores lie in 0.0-10.0: any other value is no score, so unknown, never a low one.
    if (!number || !std::isfinite(*number) || *number < 0.0 || *number > 10.0) return value;
    if (!highest || *number > *highest) highest = number;
  }
  value.number = highest;
  if (value.number) value.texts.push_back(number_text(*value.number));
  return value;
}

AttributeValue (*reader_of(hss::AttributeSource source))(const FindingAttribute&, const FindingSubject&) {
  switch (source) {
  case hss::AttributeSource::member: return read_member;
  case hss::AttributeSource::severity: return read_severity;
  case hss::AttributeSource::cve_ids: return read_cve_ids;
  case hss::AttributeSource::cvss_max: return read_cvss;
  }
  return read_member;
}

// Every kind's attributes, read once from the specs, in registry order: conditions point here.
const std::vector<FindingAttribute>& all_attributes() {
  static const std::vector<FindingAttribute> attributes = [] {
    std::vector<FindingAttribute> built;
    for (auto kind : hss::finding_kinds()) {
      for (const auto& spec : kind.spec().attributes) {
        bool from_cves = spec.source == hss::AttributeSource::cve_ids || spec.source == hss::AttributeSource::cvss_max;
        bool several = spec.source == hss::AttributeSource::cve_ids;
        built.push_back({kind, spec.name, spec.order, from_cves, several, spec.role, reader_of(spec.source)});
      }
    }
    return built;
  }();
  return attributes;
}

std::string member_text(const FindingRecord& record, std::string_view name) {
  const hss::FieldValue& field = record.field(name);
  if (const auto* as_text = std::get_if<std::string>(&field)) return *as_text;
  if (const auto* as_integer = std::get_if<std::int64_t>(&field)) return std::to_string(*as_integer);
  if (const auto* as_number = std::get_if<double>(&field)) return number_text(*as_number);
  return {};
}

} // namespace

std::vector<const FindingAttribute*> attributes_of(FindingKind kind) {
  std::vector<const FindingAttribute*> found;
  for (const auto& attribute : all_attributes()) {
    if (attribute.kind == kind) found.push_back(&attribute);
  }
  return found;
}

const FindingAttribute* find_attribute(FindingKind kind, std::string_view name) {
  for (const auto& attribute : all_attributes()) {
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
  const hss::SeverityRule& rule = kind.spec().severity;
  if (rule.member.empty()) return rule.always.empty() ? std::nullopt : finding_severity_rank(rule.always);
  auto value = record.text(rule.member);
  if (!value) return std::nullopt;
  if (rule.words.empty()) return finding_severity_rank(*value);
  std::string word = lower(*value);
  for (const auto& entry : rule.words) {
    if (entry.word == word) return finding_severity_rank(entry.ladder);
  }
  return std::nullopt;
}

std::optional<std::string> off_ladder_word(const std::vector<std::string>& globs) {
  for (const auto& glob : globs) {
    auto word = glob_literal(glob);
    if (word && !word->empty() && !finding_severity_rank(*word)) return glob;
  }
  return std::nullopt;
}

std::string off_ladder_problem(std::string_view what, std::string_view word) {
  return fmt::format("{}: \"{}\" is not a severity: expected one of {} (any case), or a glob with *, ? or [...]",
                     what, word, fmt::join(k_severities, ", "));
}

Match match(const FindingCondition& condition, const AttributeValue& value) {
  if (!condition.ordered()) {
    if (!value.read) return Match::no; // not fetched: neither has nor lacks the value
    bool severity = condition.attribute->order == AttributeOrder::severity;
    bool names_lacking = std::find(condition.globs.begin(), condition.globs.end(), "") != condition.globs.end();
    if (names_lacking && (value.texts.empty() || value.lacking > 0)) return Match::yes;
    // An unknown severity may be any severity, so a severity glob list counts it.
    if (value.texts.empty()) return severity ? Match::unknown : Match::no;
    for (const auto& text : value.texts) {
      for (const auto& glob : condition.globs) {
        if (severity ? glob_match(lower(glob), lower(text)) : glob_match(glob, text)) return Match::yes;
      }
    }
    return Match::no;
  }
  if (!value.number) return condition.skip_unknown ? Match::no : Match::unknown;
  if (condition.min && *value.number < *condition.min) return Match::no;
  if (condition.max && *value.number > *condition.max) return Match::no;
  return Match::yes;
}

bool waiver_names(const std::vector<FindingPattern>& pattern, const FindingSelector& selector,
                  const FindingSubject& finding) {
  return std::all_of(pattern.begin(), pattern.end(), [&](const FindingPattern& part) {
    const FindingAttribute* attribute = find_attribute(selector.kind, part.attribute);
    if (!attribute) return false;
    AttributeValue value = attribute->read(*attribute, finding);
    if (!value.read) return false;
    FindingCondition condition{attribute, part.globs, std::nullopt, std::nullopt, false};
    if (!attribute->several) return match(condition, value) == Match::yes;
    // One value each: its text, or none for a value that lacks one (a CVE without a cve_id).
    std::vector<AttributeValue> each;
    for (const auto& text : value.texts) each.push_back(AttributeValue{{text}, std::nullopt});
    if (value.lacking > 0) each.push_back(AttributeValue{});
    // The values to cover: those the rule's own condition counted, else every one.
    std::vector<AttributeValue> to_cover;
    const FindingCondition* counted = selector.condition(attribute->name);
    for (auto& one : each) {
      if (!counted || match(*counted, one) == Match::yes) to_cover.push_back(std::move(one));
    }
    // An empty set would be covered by any glob, so it never matches by CVE (`""` included).
    if (to_cover.empty()) return false;
    return std::all_of(to_cover.begin(), to_cover.end(),
                       [&](const AttributeValue& one) { return match(condition, one) == Match::yes; });
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
  const hss::IdRule& rule = kind.spec().id;
  if (!rule.joiner.empty()) {
    std::vector<std::string> parts;
    for (auto name : rule.members) parts.push_back(member_text(record, name));
    return fmt::format("{}", fmt::join(parts, rule.joiner));
  }
  for (auto name : rule.members) {
    if (auto value = member_text(record, name); !value.empty()) return value;
  }
  return "(no id)";
}

std::string finding_key(FindingKind kind, const FindingRecord& record) {
  std::string key;
  bool first = true;
  for (auto name : kind.spec().key_members) {
    if (!first) key += '|';
    first = false;
    for (char c : member_text(record, name)) {
      if (c == '\\' || c == '|' || c == '#') key += '\\';
      key += c;
    }
  }
  return key;
}

std::vector<std::string> finding_keys(FindingKind kind, const std::vector<FindingRecord>& list) {
  std::vector<std::string> keys;
  keys.reserve(list.size());
  std::map<std::string, std::size_t, std::less<>> seen; // key -> how many findings have it so far
  for (const auto& record : list) {
    std::string key = finding_key(kind, record);
    std::size_t count = ++seen[key];
    // An unescaped '#' appears in no escaped key, so "#2" can collide with no other finding's key.
    keys.push_back(count == 1 ? key : fmt::format("{}#{}", key, count));
  }
  return keys;
}

FindingIdentity finding_identity(FindingKind kind, const std::vector<FindingRecord>& list, std::size_t index) {
  const FindingRecord& record = list.at(index);
  const auto& key_members = kind.spec().key_members;
  FindingIdentity identity;
  for (auto name : key_members) identity.attributes.emplace_back(name, member_text(record, name));

  // The other findings of the list that a waiver of the key members alone would name too.
  std::string key = finding_key(kind, record);
  std::vector<const FindingRecord*> alike;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i != index && finding_key(kind, list[i]) == key) alike.push_back(&list[i]);
  }
  if (alike.empty()) return identity;

  // What a waiver's glob sees of an attribute: its one text, or "" when the finding lacks it.
  // CVE-derived attributes are left out: the CVEs follow the sub-list's key member (vul_id),
  // which is a member attribute of its own.
  auto seen = [](const FindingAttribute& attribute, const FindingRecord& finding) {
    AttributeValue value = attribute.read(attribute, FindingSubject{&finding, nullptr});
    return value.texts.empty() ? std::string() : value.texts.front();
  };
  std::vector<const FindingAttribute*> candidates;
  for (bool derived : {false, true}) {
    for (const auto* attribute : attributes_of(kind)) {
      if (attribute->from_cves) continue;
      if (std::find(key_members.begin(), key_members.end(), attribute->name) != key_members.end()) continue;
      if ((attribute->read != read_member) == derived) candidates.push_back(attribute);
    }
  }
  for (const auto* attribute : candidates) {
    if (alike.empty()) break;
    std::string value = seen(*attribute, record);
    auto differs = [&](const FindingRecord* other) { return seen(*attribute, *other) != value; };
    if (std::none_of(alike.begin(), alike.end(), differs)) continue;
    identity.attributes.emplace_back(attribute->name, value);
    alike.erase(std::remove_if(alike.begin(), alike.end(), differs), alike.end());
  }
  identity.twins = alike.size();
  return identity;
}

const FindingCondition* FindingSelector::condition(std::string_view attribute) const {
  for (const auto& condition : where) {
    if (condition.attribute->name == attribute) return &condition;
  }
  return nullptr;
}

} // namespace gate::policy
