#include "gate/report/json_support.hpp"
#include "gate/report/report.hpp"
#include "gate/report/security_severity.hpp"

#include <fmt/format.h>

#include <algorithm>

// SARIF 2.1.0 for GitHub code scanning. An alert is identified by partialFingerprints built from
// the image's identity in the run (without its version unless an earlier image of the run already
// has that name: dashboard_images), the rule and the finding's key, so that it persists from
// build to build, closes when the finding is gone, and no two results of a run share one. An
// image that was not evaluated contributes no results (and the run says it did not succeed),
// since code scanning closes what an upload omits.
namespace gate::report {

namespace {

using namespace gate::policy;
using json::Array;
using json::Object;

constexpr std::string_view k_fingerprint_key = "hssGateFinding/v1";

std::string level_of(Level level) { return level == Level::fail ? "error" : "warning"; }

// A rule as code scanning reads it: `security-severity` and the `security` tag make its alerts
// security alerts with a severity, which "block on High or higher" rulesets compare.
Object::Ptr rule_json(const RuleInfo& rule, double security_severity) {
  Object::Ptr object = json::ordered();
  object->set("id", rule.id);
  Object::Ptr short_description = json::ordered();
  short_description->set("text", clean_text(rule.description));
  object->set("shortDescription", short_description);
  Object::Ptr help = json::ordered();
  help->set("text", clean_text(rule.message.empty() ? rule.description : rule.message));
  object->set("help", help);
  Object::Ptr configuration = json::ordered();
  configuration->set("level", level_of(rule.level));
  object->set("defaultConfiguration", configuration);
  Object::Ptr properties = json::ordered();
  Array::Ptr tags = new Array();
  tags->add("security");
  properties->set("tags", tags);
  properties->set("security-severity", format_security_severity(security_severity));
  object->set("properties", properties);
  return object;
}

const RuleResult* result_of(const ImageResult& image, const std::string& rule) {
  for (const auto& result : image.results) {
    if (result.rule == rule) return &result;
  }
  return nullptr;
}

class SarifWriter {
public:
  SarifWriter(const Outcome& outcome, const ReportOptions& options) : m_outcome(outcome), m_options(options) {
    for (std::size_t i = 0; i < outcome.rules.size(); ++i) m_rule_index.emplace_back(outcome.rules[i].id, i);
  }

  // One run per image path (its category), so that each image's alerts open and close on their
  // own; the run's rules score what that image's results found.
  std::string write() {
    auto groups = group_images(true);
    // The configuration allowed at most k_max_sarif_runs queries' categories; records that name
    // more (one query matching images of several namespaces) fall back to the queries'.
    if (groups.size() > k_max_sarif_runs) groups = group_images(false);
    Array::Ptr runs = new Array();
    for (const auto& [category, images] : groups) runs->add(run_json(category, images));
    Object::Ptr root = json::ordered();
    root->set("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    root->set("version", "2.1.0");
    root->set("runs", runs);
    return json::text(root);
  }

  std::size_t omitted() const { return m_omitted; }

private:
  using Groups = std::vector<std::pair<std::string, std::vector<DashboardImage>>>;

  Groups group_images(bool by_record) const {
    Groups groups;
    for (const auto& listed : m_images) {
      const ImageResult& image = *listed.image;
      std::string category = by_record ? sarif_category(image.query, image.record) : sarif_category(image.query);
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& group) { return group.first == category; });
      if (it == groups.end()) it = groups.insert(groups.end(), {category, {}});
      it->second.push_back(listed);
    }
    return groups;
  }

  Object::Ptr run_json(const std::string& category, const std::vector<DashboardImage>& images) {
    Object::Ptr driver = json::ordered();
    driver->set("name", "hss-gate");
    driver->set("version", HSS_GATE_VERSION);
    driver->set("semanticVersion", HSS_GATE_VERSION);
    driver->set("informationUri", HSS_GATE_HOMEPAGE);
    Array::Ptr rules = new Array();
    for (const auto& rule : m_outcome.rules) {
      double score = 0.0;
      for (const auto& listed : images) {
        score = std::max(score, rule_security_severity(result_of(*listed.image, rule.id), listed.image->record));
      }
      rules->add(rule_json(rule, score));
    }
    driver->set("rules", rules);
    Object::Ptr tool = json::ordered();
    tool->set("driver", driver);

    Array::Ptr results = new Array();
    bool all_evaluated = true;
    std::size_t omitted_before = m_omitted;
    Array::Ptr notifications = new Array();
    for (const auto& listed : images) {
      const ImageResult& image = *listed.image;
      if (!image.evaluated()) {
        all_evaluated = false;
        notifications->add(notification("error", fmt::format("{} was not evaluated ({}): it has no results in this "
                                                             "run",
                                                             image.label(), name_of(image.decision))));
        continue;
      }
      for (const auto& result : image.results) add_results(listed, result, results);
    }
    std::size_t omitted = m_omitted - omitted_before;
    Object::Ptr invocation = json::ordered();
    invocation->set("executionSuccessful", all_evaluated);
    if (omitted > 0) {
      notifications->add(notification("warning", fmt::format("{} results left out: a SARIF run holds at most {}",
                                                              omitted, k_max_sarif_results)));
    }
    if (notifications->size() > 0) invocation->set("toolExecutionNotifications", notifications);
    Array::Ptr invocations = new Array();
    invocations->add(invocation);

    Object::Ptr run = json::ordered();
    run->set("tool", tool);
    run->set("invocations", invocations);
    Object::Ptr automation = json::ordered();
    automation->set("id", clean_text(category));
    run->set("automationDetails", automation);
    run->set("results", results);
    Object::Ptr properties = json::ordered();
    Decision decision = Decision::pass;
    for (const auto& listed : images) decision = std::max(decision, listed.image->decision);
    properties->set("decision", std::string(name_of(decision)));
    properties->set("truncated", omitted > 0);
    properties->set("resultsOmitted", static_cast<Poco::UInt64>(omitted));
    run->set("properties", properties);
    return run;
  }

  static Object::Ptr notification(const std::string& level, const std::string& text) {
    Object::Ptr object = json::ordered();
    object->set("level", level);
    Object::Ptr message = json::ordered();
    message->set("text", clean_text(text));
    object->set("message", message);
    return object;
  }

  void add_results(const DashboardImage& listed, const RuleResult& result, Array::Ptr results) {
    const ImageResult& image = *listed.image;
    if (result.status == RuleStatus::not_applicable) return;
    if (!result.findings_kind) {
      if (result.status == RuleStatus::pass) return; // a field rule reports failures and warnings only
      std::string level = result.status == RuleStatus::warn ? "warning" : level_of(result.level);
      std::string text = fmt::format("{}: {} ({})", result.rule, result.detail, image.label());
      add(results, listed, result, level, text, "", result.waiver);
      return;
    }
    // Every matching finding whenever the rule applies, so that alerts do not flap around `max`.
    std::string level = result.status == RuleStatus::fail   ? level_of(result.level)
                        : result.status == RuleStatus::warn ? "warning"
                                                            : "note";
    // A rule-wide exception waives every finding of the rule; a rule that is within `max` only
    // thanks to finding exceptions leaves the findings those did not waive as notes.
    bool rule_waived = result.waived_by == WaivedBy::rule;
    for (const auto& finding : result.findings) {
      std::string text = fmt::format("{} in {}: rule {} ({})", finding_line(finding), image.label(), result.rule,
                                     result.detail);
      std::optional<Waiver> waiver = finding.waived ? finding.waiver : rule_waived ? result.waiver : std::nullopt;
      add(results, listed, result, waiver ? level_of(result.level) : level, text, finding.key, waiver, &finding);
    }
  }

  void add(Array::Ptr results, const DashboardImage& listed, const RuleResult& result, const std::string& level,
           const std::string& text, const std::string& key, const std::optional<Waiver>& waiver,
           const FindingResult* finding = nullptr) {
    const ImageResult& image = *listed.image;
    if (results->size() >= k_max_sarif_results) {
      ++m_omitted;
      return;
    }
    Object::Ptr object = json::ordered();
    object->set("ruleId", result.rule);
    for (const auto& [id, index] : m_rule_index) {
      if (id == result.rule) object->set("ruleIndex", static_cast<Poco::UInt64>(index));
    }
    object->set("level", level);
    Object::Ptr message = json::ordered();
    message->set("text", clean_text(text));
    object->set("message", message);

    Object::Ptr artifact = json::ordered();
    artifact->set("uri", clean_text(image.dockerfile.value_or(m_options.sarif_location)));
    Object::Ptr region = json::ordered();
    region->set("startLine", 1);
    Object::Ptr physical = json::ordered();
    physical->set("artifactLocation", artifact);
    physical->set("region", region);
    Object::Ptr location = json::ordered();
    location->set("physicalLocation", physical);
    Array::Ptr locations = new Array();
    locations->add(location);
    object->set("locations", locations);

    Object::Ptr fingerprints = json::ordered();
    fingerprints->set(std::string(k_fingerprint_key),
                      clean_text(fmt::format("{}|{}|{}", listed.identity, result.rule, key)));
    object->set("partialFingerprints", fingerprints);

    if (waiver) {
      Object::Ptr suppression = json::ordered();
      suppression->set("kind", "external");
      suppression->set("justification", clean_text(waiver->kind == WaiverKind::vex
                                                       ? "waived " + waiver_text(*waiver)
                                                       : fmt::format("{} (until {}, {})", waiver->reason,
                                                                     waiver->expires, waiver->source)));
      Array::Ptr suppressions = new Array();
      suppressions->add(suppression);
      object->set("suppressions", suppressions);
    }
    Object::Ptr properties = json::ordered();
    properties->set("image", clean_text(image.label()));
    if (image.record && image.record->image_digest) properties->set("imageDigest", clean_text(*image.record->image_digest));
    if (finding) {
      properties->set("findingKind", finding->kind);
      properties->set("findingId", clean_text(finding->id));
      properties->set("findingKey", clean_text(finding->key));
      if (!finding->severity.empty()) properties->set("severity", finding->severity);
      if (finding->is_new) properties->set("new", *finding->is_new);
    }
    object->set("properties", properties);
    results->add(object);
  }

  const Outcome& m_outcome;
  const ReportOptions& m_options;
  const std::vector<DashboardImage> m_images = dashboard_images(m_outcome);
  std::vector<std::pair<std::string, std::size_t>> m_rule_index;
  std::size_t m_omitted = 0;
};

} // namespace

std::string sarif_category(const hss::Query& query, const std::optional<hss::Record>& record) {
  auto given = [](const std::optional<std::string>& value) { return value && !value->empty(); };
  std::optional<std::string> image_name = record ? record->image_name : query.image_name;
  std::optional<std::string> namespace_name = record ? record->namespace_name : query.namespace_name;
  std::string name = given(image_name) ? *image_name : record ? record->cicd_name.value_or("") : query.cicd_name;
  if (given(namespace_name)) name = *namespace_name + "/" + name;
  return fmt::format("hss-gate/{}/", name);
}

std::string render_sarif(const Outcome& outcome, const ReportOptions& options) {
  SarifWriter writer(outcome, options);
  std::string text = writer.write();
  if (writer.omitted() > 0) {
    options.warnings.push_back(fmt::format("{} results left out: GitHub accepts at most {} in a SARIF run",
                                           writer.omitted(), k_max_sarif_results));
  }
  return text;
}

} // namespace gate::report
