#include "gate/policy/rule_checks.hpp"

#include "gate/policy/document.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/fields.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/operators.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace gate::policy {

namespace {

bool uses_cves(const FindingCondition& condition) { return condition.attribute->from_cves; }

// "2 new, 3 already in 1.9.0", or why nothing could be told old.
std::string new_only_note(std::int64_t counted, std::int64_t already, const hss::Comparison* comparison,
                          hss::FindingKind kind) {
  if (!comparison) return fmt::format("{} new: no image to compare with (no --compare-with), so every one counts", counted);
  if (auto why = comparison->unavailable_for(kind)) {
    return fmt::format("{} new: {} is unavailable to compare with ({}), so every one counts", counted,
                       comparison->name(), *why);
  }
  return fmt::format("{} new, {} already in {}", counted, already, comparison->name());
}

bool pattern_uses_cves(const Exception& exception, hss::FindingKind kind) {
  return std::any_of(exception.finding.begin(), exception.finding.end(), [&](const FindingPattern& part) {
    const FindingAttribute* attribute = find_attribute(kind, part.attribute);
    return attribute && attribute->from_cves;
  });
}

bool names_rule(const Exception& exception, const std::string& id) {
  return std::any_of(exception.rules.begin(), exception.rules.end(),
                     [&](const std::string& named) { return named == "*" || named == id; });
}

// `finding = { vul_id = "...", app_name = "..." }`: every key member and each attribute that
// tells the finding apart from others sharing its key (finding_identity), each value a literal
// glob and a missing one "" (which matches only a finding without it), written by the TOML writer.
std::string finding_hint(const std::vector<std::pair<std::string, std::string>>& identity) {
  Node pattern;
  for (const auto& [name, value] : identity) pattern.set(name, Node::text(literal_glob(value)));
  return inline_member("finding", pattern);
}

// `key` is the finding's key among its image's list (finding_keys), told by the caller;
// `attributes` are attributes_of(kind), looked up once per list rather than once per finding.
FindingResult describe(hss::FindingKind kind, const std::vector<const FindingAttribute*>& attributes,
                       const FindingSubject& subject, std::string key) {
  FindingResult result;
  result.kind = hss::name_of(kind);
  result.id = finding_id(kind, *subject.record);
  result.key = std::move(key);
  if (auto rank = finding_severity(kind, *subject.record)) {
    result.severity = finding_severities()[static_cast<std::size_t>(*rank)];
  }
  result.attributes.reserve(attributes.size()); // one allocation per finding, not one per doubling
  for (const auto* attribute : attributes) {
    if (attribute->from_cves && !subject.cves) continue; // not fetched: not shown as missing
    AttributeValue value = attribute->read(*attribute, subject);
    result.attributes.push_back({std::string(attribute->name), std::move(value.texts),
                                 attribute->several, attribute->role});
  }
  result.console_shown.reserve(kind.spec().console.size());
  for (auto name : kind.spec().console) result.console_shown.emplace_back(name);
  return result;
}

// True when the finding meets every condition that does not need its CVEs.
bool matches_without_cves(const FindingSelector& selector, const FindingSubject& subject) {
  return std::all_of(selector.where.begin(), selector.where.end(), [&](const FindingCondition& condition) {
    return condition.attribute->from_cves ||
           match(condition, condition.attribute->read(*condition.attribute, subject)) != Match::no;
  });
}

// An exception with `finding` that applies to the rule and image being judged, and its index.
struct FindingWaiver {
  std::size_t index = 0;
  const Exception* exception = nullptr;
};

} // namespace

Waiver waiver_record(const Exception& exception) {
  Waiver waiver;
  waiver.reason = exception.reason;
  waiver.owner = exception.owner;
  waiver.expires = units::format_date_time(exception.expires);
  waiver.source = fmt::format("{}:{}", exception.source.file, exception.source.line);
  return waiver;
}

std::vector<std::string> exception_hint(const ImageResult& image, const RuleResult& result) {
  const hss::Query& query = image.query;
  std::string cicd_name = image.record ? image.record->cicd_name.value_or("") : query.cicd_name;
  std::optional<std::string> image_name = image.record ? image.record->image_name : query.image_name;
  std::optional<std::string> namespace_name = image.record ? image.record->namespace_name : query.namespace_name;
  // Every name of the image, an absent one as "" (which matches only an image without it), so
  // that the pasted entry waives this image and no other image of the same cicd_name.
  Node entry;
  entry.set("rules", Node::strings({result.rule}));
  entry.set("cicd_name", Node::text(literal_glob(cicd_name)));
  entry.set("namespace", Node::text(literal_glob(namespace_name.value_or(""))));
  entry.set("image_name", Node::text(literal_glob(image_name.value_or(""))));
  std::vector<std::string> lines = write_toml_lines(entry);
  if (!result.finding_waiver_hint.empty()) lines.push_back(result.finding_waiver_hint);
  return lines;
}

std::string time_text(std::int64_t ms) {
  auto time = units::time_from_epoch_ms(ms);
  return time ? units::format_date_time(*time) : std::to_string(ms);
}

Check check_rule(const Rule& rule, const hss::Record& record, const CheckInput& input) {
  TimePoint now = input.now;
  Check check;
  Value value = rule.field->read(record);
  if (std::holds_alternative<std::monostate>(value)) {
    check.violated = true;
    check.detail = fmt::format("{} is missing from the HSS record, so the rule cannot pass", rule.field->name);
    return check;
  }
  check.actual = shown_actual(*rule.field, value, now);
  for (const auto& condition : rule.conditions) {
    Verdict verdict = condition.op->check(condition.operand, *rule.field, value, input);
    if (verdict.violated || check.op.empty()) {
      check.violated = verdict.violated;
      check.op = condition.op->name;
      check.limit = std::move(verdict.limit);
      check.detail = std::move(verdict.detail);
    }
    if (check.violated) break;
  }
  return check;
}

bool exception_scopes_image(const Exception& exception, const ImageResult& image) {
  auto fits = [](const std::optional<std::string>& pattern, const std::optional<std::string>& value) {
    return !pattern || glob_match(*pattern, value.value_or(""));
  };
  if (!image.record) {
    const hss::Query& query = image.query;
    return fits(exception.cicd_name, query.cicd_name) && fits(exception.namespace_name, query.namespace_name) &&
           fits(exception.image_name, query.image_name) && fits(exception.image_version, query.image_version);
  }
  const hss::Record& record = *image.record;
  return fits(exception.cicd_name, record.cicd_name) && fits(exception.namespace_name, record.namespace_name) &&
         fits(exception.image_name, record.image_name) && fits(exception.image_version, record.image_version);
}

bool exception_covers(const Exception& exception, const std::string& rule, const ImageResult& image) {
  return names_rule(exception, rule) && exception_scopes_image(exception, image);
}

std::optional<bool> finding_is_new(hss::FindingKind kind, const hss::FindingRecord& finding,
                                   const hss::Comparison* comparison) {
  if (!comparison) return std::nullopt;
  if (std::find(comparison->kinds.begin(), comparison->kinds.end(), kind) == comparison->kinds.end()) return std::nullopt;
  if (comparison->unavailable_for(kind)) return true;
  auto identity = hss::identity_of(kind, finding);
  if (!identity) return true;
  return comparison->identities.at(kind).count(*identity) == 0;
}

FindingsVerdict check_findings(const Rule& rule, const ImageResult& image_result, const Policy& policy, TimePoint now,
                               const hss::RunFindings& findings, const hss::Comparison* comparison,
                               std::set<std::size_t>& used, const VexWaivers* vex, std::set<std::size_t>& vex_used) {
  if (vex && vex->empty()) vex = nullptr;
  const hss::Record& image = *image_result.record;
  std::vector<FindingWaiver> waivers;
  for (std::size_t i = 0; i < policy.exceptions.size(); ++i) {
    const Exception& exception = policy.exceptions[i];
    if (!exception.finding.empty() && exception.active_at(now) && exception_covers(exception, rule.id, image_result)) {
      waivers.push_back({i, &exception});
    }
  }
  const FindingSelector& selector = *rule.findings;
  std::string_view kind_name = hss::name_of(selector.kind);
  FindingsVerdict verdict;
  auto image_findings = findings.images.find(image.image_id);
  const std::vector<hss::FindingRecord>* list =
      image_findings == findings.images.end() ? nullptr : image_findings->second.list(selector.kind);
  if (image_findings != findings.images.end()) {
    if (const std::string* error = image_findings->second.error(selector.kind)) {
      verdict.complete = false;
      verdict.errors.push_back(*error);
    }
  }
  if (!list) {
    verdict.complete = false;
    if (verdict.errors.empty()) {
      verdict.errors.push_back(fmt::format("the {} of {} were not read, so rule '{}' cannot be judged", kind_name,
                                           hss::describe_record(image), rule.id));
    }
    verdict.detail = verdict.errors.front();
    return verdict;
  }
  const std::optional<hss::SubList>& cve_list = selector.kind.spec().cves;
  bool rule_needs_cves = cve_list &&
                         (std::any_of(selector.where.begin(), selector.where.end(), uses_cves) ||
                          std::any_of(waivers.begin(), waivers.end(), [&](const FindingWaiver& w) {
                            return pattern_uses_cves(*w.exception, selector.kind);
                          }));
  std::set<std::string> cve_errors;
  std::int64_t unknown = 0;
  std::int64_t already = 0; // matched, but present in the image compared with (new_only)
  const std::vector<const FindingAttribute*> attributes = attributes_of(selector.kind);
  const std::vector<std::string> keys = finding_keys(selector.kind, *list);
  for (std::size_t index = 0; index < list->size(); ++index) {
    const hss::FindingRecord& record = (*list)[index];
    FindingSubject subject{&record, nullptr};
    // VEX needs the CVEs of a vulnerability only when no statement names its vul_id (plan_findings).
    std::string vul_id = cve_list ? record.text(cve_list->key_member).value_or("") : "";
    if (rule_needs_cves || (cve_list && vex && vex->reads_cves_of(vul_id))) {
      auto cves = findings.cves.find(vul_id);
      if (cves != findings.cves.end()) subject.cves = &cves->second;
      auto error = findings.cve_errors.find(vul_id);
      if (error != findings.cve_errors.end()) {
        cve_errors.insert(error->second);
      } else if (!subject.cves && matches_without_cves(selector, subject)) {
        cve_errors.insert(fmt::format("the CVEs of vulnerability {} were not read", vul_id));
      }
    }
    bool matched = true;
    bool by_unknown = false;
    for (const auto& condition : selector.where) {
      Match result = match(condition, condition.attribute->read(*condition.attribute, subject));
      if (result == Match::no) {
        matched = false;
        break;
      }
      by_unknown = by_unknown || result == Match::unknown;
    }
    if (!matched) continue;
    FindingResult found = describe(selector.kind, attributes, subject, keys[index]);
    found.unknown = by_unknown;
    found.is_new = finding_is_new(selector.kind, record, comparison);
    if (selector.new_only && found.is_new == false) {
      // Already in the image compared with: shown, never counted.
      ++already;
      verdict.findings.push_back(std::move(found));
      continue;
    }
    unknown += by_unknown ? 1 : 0;
    for (const auto& waiver : waivers) {
      if (!waiver_names(waiver.exception->finding, selector, subject)) continue;
      const Exception& exception = *waiver.exception;
      used.insert(waiver.index);
      found.waived = true;
      found.waiver = waiver_record(exception);
      if (!verdict.waiver) verdict.waiver = found.waiver;
      break;
    }
    if (!found.waived && vex) {
      if (auto waiver = vex->waive(selector, subject, vex_used)) {
        found.waived = true;
        found.waiver = std::move(waiver);
        if (!verdict.waiver) verdict.waiver = found.waiver;
        ++verdict.waived_by_vex;
      }
    }
    if (found.waived) {
      ++verdict.waived;
    } else {
      ++verdict.actual;
      if (verdict.hint.empty()) {
        FindingIdentity identity = finding_identity(selector.kind, *list, index);
        verdict.hint = finding_hint(identity.attributes);
        verdict.hint_twins = identity.twins;
      }
    }
    verdict.findings.push_back(std::move(found));
  }
  for (const auto& error : cve_errors) verdict.errors.push_back(error);
  if (!cve_errors.empty()) verdict.complete = false;

  verdict.violated = verdict.actual > selector.max;
  std::int64_t matches = verdict.actual + verdict.waived + already;
  std::string matched = fmt::format("{} of {} {} match{}", matches, list->size(), kind_name, matches == 1 ? "es" : "");
  std::vector<std::string> notes;
  if (selector.new_only) notes.push_back(new_only_note(verdict.actual + verdict.waived, already, comparison, selector.kind));
  if (verdict.waived > verdict.waived_by_vex) {
    notes.push_back(fmt::format("{} waived by finding exceptions", verdict.waived - verdict.waived_by_vex));
  }
  if (verdict.waived_by_vex > 0) notes.push_back(fmt::format("{} waived by VEX", verdict.waived_by_vex));
  if (unknown > 0) notes.push_back(fmt::format("{} only because a value is unknown", unknown));
  if (!notes.empty()) matched += fmt::format(" ({})", fmt::join(notes, ", "));
  verdict.detail = fmt::format("{}: {} counted, {} max {}", matched, verdict.actual,
                               verdict.violated ? "over" : "within", selector.max);
  if (!verdict.complete && !verdict.violated) {
    verdict.detail += fmt::format("; not judged, the list is incomplete: {}", verdict.errors.front());
  }
  return verdict;
}

Inventory take_inventory(const hss::Record& image, const hss::RunFindings& findings,
                         const std::vector<hss::FindingKind>& kinds, const hss::Comparison* comparison) {
  Inventory inventory;
  if (kinds.empty()) return inventory;
  auto found = findings.images.find(image.image_id);
  for (auto kind : kinds) {
    const std::vector<hss::FindingRecord>* list = nullptr;
    if (found != findings.images.end()) {
      if (const std::string* error = found->second.error(kind)) {
        inventory.errors.emplace_back(kind, *error);
        continue;
      }
      list = found->second.list(kind);
    }
    if (!list) {
      inventory.errors.emplace_back(kind, fmt::format("the {} of {} were not read", hss::name_of(kind),
                                                      hss::describe_record(image)));
      continue;
    }
    const hss::FindingKindSpec& spec = kind.spec();
    const std::vector<const FindingAttribute*> attributes = attributes_of(kind);
    std::vector<FindingResult> results;
    results.reserve(list->size());
    const std::vector<std::string> keys = finding_keys(kind, *list);
    for (std::size_t index = 0; index < list->size(); ++index) {
      const hss::FindingRecord& record = (*list)[index];
      FindingSubject subject{&record, nullptr};
      if (spec.cves) {
        std::string key = record.text(spec.cves->key_member).value_or("");
        auto cves = findings.cves.find(key);
        if (cves != findings.cves.end()) subject.cves = &cves->second;
        auto error = findings.cve_errors.find(key);
        std::pair<hss::FindingKind, std::string> failed{kind, error == findings.cve_errors.end() ? "" : error->second};
        if (error != findings.cve_errors.end() &&
            std::find(inventory.errors.begin(), inventory.errors.end(), failed) == inventory.errors.end()) {
          inventory.errors.push_back(std::move(failed));
        }
      }
      results.push_back(describe(kind, attributes, subject, keys[index]));
      results.back().is_new = finding_is_new(kind, record, comparison);
    }
    if (spec.dashboards.operating_system && !inventory.operating_system) {
      for (const auto& result : results) {
        if (result.id.find_first_not_of(' ') != std::string::npos) {
          inventory.operating_system = result.id;
          break;
        }
      }
    }
    inventory.lists.emplace(kind, std::move(results));
  }
  return inventory;
}

bool vex_may_waive(const Policy& policy, const Rule& rule) {
  return policy.vex.allow.value && rule.vex && rule.findings && rule.findings->kind.spec().vex;
}

hss::FindingPlan plan_compared_findings(const Policy& policy, const Context& context) {
  hss::FindingPlan plan;
  for (const auto& rule : policy.rules) {
    if (!rule.findings || !rule.findings->new_only || !rule.applies(context)) continue;
    hss::FindingKind kind = rule.findings->kind;
    if (std::find(plan.kinds.begin(), plan.kinds.end(), kind) == plan.kinds.end()) plan.kinds.push_back(kind);
  }
  std::sort(plan.kinds.begin(), plan.kinds.end());
  return plan;
}

hss::FindingPlan plan_findings(const Policy& policy, const Context& context) {
  hss::FindingPlan plan;
  // A rule whose conditions or exceptions use CVEs wants them for every finding it may count; a
  // rule only VEX may waive, for those whose vul_id no statement names (the rest are judged by it).
  struct CveRule {
    const Rule* rule = nullptr;
    bool always = false;
    std::string_view key_member;
  };
  std::vector<CveRule> cve_rules;
  auto named = std::make_shared<const std::set<std::string>>(vex_vulnerability_ids(context.vex));
  for (const auto& rule : policy.rules) {
    if (!rule.findings || !rule.applies(context)) continue;
    hss::FindingKind kind = rule.findings->kind;
    if (std::find(plan.kinds.begin(), plan.kinds.end(), kind) == plan.kinds.end()) plan.kinds.push_back(kind);
    if (!kind.spec().cves) continue;
    bool always = std::any_of(rule.findings->where.begin(), rule.findings->where.end(), uses_cves) ||
                  std::any_of(policy.exceptions.begin(), policy.exceptions.end(), [&](const Exception& exception) {
                    return names_rule(exception, rule.id) && exception.active_at(context.now) &&
                           pattern_uses_cves(exception, kind);
                  });
    bool for_vex = vex_may_waive(policy, rule) && std::any_of(context.vex.begin(), context.vex.end(),
                                                              [](const vex::Document& d) { return !d.statements.empty(); });
    if (always || for_vex) cve_rules.push_back({&rule, always, kind.spec().cves->key_member});
  }
  std::sort(plan.kinds.begin(), plan.kinds.end());
  if (!cve_rules.empty()) {
    plan.wants_cves = [cve_rules, named](const hss::FindingRecord& record) {
      FindingSubject subject{&record, nullptr};
      return std::any_of(cve_rules.begin(), cve_rules.end(), [&](const CveRule& entry) {
        if (!entry.always && named->count(record.text(entry.key_member).value_or(""))) return false;
        return matches_without_cves(*entry.rule->findings, subject);
      });
    };
  }
  return plan;
}

} // namespace gate::policy
