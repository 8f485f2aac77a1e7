#include "gate/error.hpp"
#include "gate/hss/findings.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"

#include "helpers.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

using namespace gate::policy;
using namespace gate::report;

namespace {

const TimePoint k_now = test::at("2026-11-27T12:00:00Z");

Outcome sample_outcome() {
  test::TempDir dir;
  auto policy = load_policies({dir.write("p.toml", R"(version = 1
[rules.vulns]
field = "vul_num"
max = 10
message = "patch <now> & \"rebuild\""
[rules.risk]
field = "severity_level"
max = "Medium"
level = "warn"
[rules.size]
field = "image_size"
max = "1GiB"
[rules.prod]
field = "malicious_file_num"
max = 0
when = { environment = ["prod"] }
[[exceptions]]
rules = ["size"]
expires = 2027-01-01
reason = "SEC-5"
owner = "ops"
)")},
                              k_now);
  BOOST_REQUIRE(policy.problems.empty());
  auto record = test::clean_record();
  record.vul_num = 42;
  record.severity_level = "High";
  record.image_size = std::int64_t{2} << 30;
  record.image_name = "web\x01<&>\xff";
  gate::hss::Lookup lookup;
  lookup.query = test::query_for(record);
  lookup.records = {record};
  return evaluate(policy.policy, {std::nullopt, std::nullopt, k_now}, lookup);
}

} // namespace

namespace {

gate::report::ReportOptions options_for(gate::report::ReportPaths paths,
                                        std::string prefix = std::string(gate::report::k_default_dotenv_prefix)) {
  gate::report::ReportOptions options;
  options.paths = std::move(paths);
  options.dotenv_prefix = std::move(prefix);
  return options;
}

} // namespace

namespace {

// The disk, except that one path cannot be written (as on a full or read-only folder).
class OnePathFails : public ReportFiles {
public:
  explicit OnePathFails(std::string failing) : m_failing(std::move(failing)) {}
  std::string stage(const std::string& path, const std::string& content) override {
    if (path == m_failing) throw gate::UsageError(path + ": cannot write report: No space left on device");
    return disk_files().stage(path, content);
  }
  void commit(const std::string& staged, const std::string& path) override { disk_files().commit(staged, path); }
  void remove(const std::string& path) override { disk_files().remove(path); }

private:
  std::string m_failing;
};

gate::hss::FindingRecord vulnerability(const std::string& vul_id) {
  gate::hss::FindingRecord record;
  for (const auto& spec : gate::hss::endpoint_for((*gate::hss::finding_kind_named("vulnerabilities"))).fields) {
    gate::hss::FieldValue value;
    if (spec.name == "vul_id") value = vul_id;
    if (spec.name == "app_name") value = "lib-" + vul_id;
    record.fields.emplace_back(spec.name, value);
  }
  return record;
}

// One image with three vulnerabilities V-1..V-3 judged by `text`, a policy with a findings rule v.
RuleResult findings_rule_result(const std::string& text, Outcome* whole = nullptr) {
  auto loaded = load_policy_text("version = 1\n[rules.v]\nfindings = \"vulnerabilities\"\n" + text, "p.toml", k_now);
  BOOST_REQUIRE(loaded.problems.empty());
  auto record = test::clean_record();
  gate::hss::RunFindings findings;
  findings.images[record.image_id].lists.emplace_back(
      (*gate::hss::finding_kind_named("vulnerabilities")), std::vector{vulnerability("V-1"), vulnerability("V-2"), vulnerability("V-3")});
  gate::hss::Lookup lookup;
  lookup.query = test::query_for(record);
  lookup.records = {record};
  Outcome outcome = evaluate(loaded.policy, {std::nullopt, std::nullopt, k_now}, {{lookup, std::nullopt}}, findings);
  if (whole) *whole = outcome;
  for (const auto& result : outcome.images.at(0).results) {
    if (result.rule == "v") return result;
  }
  throw std::runtime_error("no result for rule v");
}

// SARIF results of rule v: finding id -> whether it is suppressed.
std::map<std::string, bool> sarif_suppressions(const Outcome& outcome) {
  Poco::JSON::Parser parser;
  auto root = parser.parse(render_sarif(outcome, {})).extract<Poco::JSON::Object::Ptr>();
  auto results = root->getArray("runs")->getObject(0)->getArray("results");
  std::map<std::string, bool> suppressed;
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto result = results->getObject(static_cast<unsigned>(i));
    if (result->getValue<std::string>("ruleId") != "v") continue;
    suppressed[result->getObject("properties")->getValue<std::string>("findingId")] = result->has("suppressions");
  }
  return suppressed;
}

// A run over `records` (one lookup each), every image holding the vulnerabilities V-1 and V-2 and
// the software zlib, judged by a findings rule v on vulnerabilities; the inventory lists both
// kinds for GitLab's report and the SBOM.
Outcome run_over(const std::vector<gate::hss::Record>& records) {
  auto loaded = load_policy_text("version = 1\n[rules.v]\nfindings = \"vulnerabilities\"\n", "p.toml", k_now);
  BOOST_REQUIRE(loaded.problems.empty());
  auto vulnerabilities = *gate::hss::finding_kind_named("vulnerabilities");
  auto software = *gate::hss::finding_kind_named("software");
  gate::hss::FindingRecord zlib;
  for (const auto& spec : gate::hss::endpoint_for(software).fields) {
    zlib.fields.emplace_back(spec.name, spec.name == "app_name" ? gate::hss::FieldValue{"zlib"} : gate::hss::FieldValue{});
  }
  gate::hss::RunFindings findings;
  std::vector<gate::hss::ImageLookup> lookups;
  for (const auto& record : records) {
    auto& lists = findings.images[record.image_id].lists;
    if (lists.empty()) {
      lists.emplace_back(vulnerabilities, std::vector{vulnerability("V-1"), vulnerability("V-2")});
      lists.emplace_back(software, std::vector{zlib});
    }
    gate::hss::Lookup lookup;
    lookup.query = test::query_for(record);
    lookup.records = {record};
    lookups.push_back({lookup, std::nullopt});
  }
  Context context{std::nullopt, std::nullopt, k_now, {vulnerabilities, software}};
  return evaluate(loaded.policy, context, lookups, findings);
}

std::vector<std::string> sarif_fingerprints(const Outcome& outcome) {
  Poco::JSON::Parser parser;
  auto root = parser.parse(render_sarif(outcome, {})).extract<Poco::JSON::Object::Ptr>();
  std::vector<std::string> fingerprints;
  auto runs = root->getArray("runs");
  for (std::size_t r = 0; r < runs->size(); ++r) {
    auto results = runs->getObject(static_cast<unsigned>(r))->getArray("results");
    for (std::size_t i = 0; i < results->size(); ++i) {
      fingerprints.push_back(results->getObject(static_cast<unsigned>(i))
                                 ->getObject("partialFingerprints")
                                 ->getValue<std::string>("hssGateFinding/v1"));
    }
  }
  return fingerprints;
}

std::vector<std::string> gitlab_ids(const Outcome& outcome) {
  Poco::JSON::Parser parser;
  auto root = parser.parse(render_gitlab(outcome, {})).extract<Poco::JSON::Object::Ptr>();
  std::vector<std::string> ids;
  auto vulnerabilities = root->getArray("vulnerabilities");
  for (std::size_t i = 0; i < vulnerabilities->size(); ++i) {
    ids.push_back(vulnerabilities->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
  }
  return ids;
}

std::size_t distinct(const std::vector<std::string>& values) { return std::set<std::string>(values.begin(), values.end()).size(); }

} // namespace

BOOST_AUTO_TEST_SUITE(reports)

BOOST_AUTO_TEST_CASE(every_report_states_the_exit_code_returned_when_another_cannot_be_written) {
  auto loaded = load_policy_text("version = 1\n[rules.vulns]\nfield = \"vul_num\"\nmax = 10\n", "p.toml", k_now);
  BOOST_REQUIRE(loaded.problems.empty());
  auto clean = test::clean_record();
  auto vulnerable = clean;
  vulnerable.vul_num = 42;
  auto facts_of = [](const gate::hss::Record& record) {
    RunFacts facts;
    facts.images.push_back({test::query_for(record), std::nullopt});
    gate::hss::Lookup lookup;
    lookup.query = test::query_for(record);
    lookup.records = {record};
    facts.lookups.push_back({lookup, std::nullopt});
    return facts;
  };
  RunFacts hss_down = facts_of(clean);
  hss_down.service_error = "HSS answered 503";
  hss_down.on_error_pass = true;
  struct Case {
    const char* what;
    RunFacts facts;
    int decided; // the exit code before any report is written
    int returned;
  };
  std::vector<Case> cases{{"a pass is withheld", facts_of(clean), 0, 3},
                          {"a block stays a block", facts_of(vulnerable), 1, 1},
                          {"--on-error pass never excuses it", hss_down, 0, 3}};
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      test::TempDir dir;
      Outcome decided = evaluate_run(loaded.policy, {std::nullopt, std::nullopt, k_now}, c.facts);
      BOOST_TEST(decided.exit_code() == c.decided);
      OnePathFails files(dir.path("r.sarif"));
      auto written = write_reports(decided, options_for({{"json", dir.path("r.json")}, {"dotenv", dir.path("r.env")},
                                                         {"summary", dir.path("r.md")}, {"sarif", dir.path("r.sarif")}}),
                                   files);
      int returned = written.outcome.exit_code();
      BOOST_TEST(returned == c.returned);
      BOOST_TEST(written.outcome.unwritten.size() == 1u);
      Poco::JSON::Parser parser;
      auto json = parser.parse(test::read_file(dir.path("r.json"))).extract<Poco::JSON::Object::Ptr>();
      BOOST_TEST(json->getValue<int>("exit_code") == returned);
      BOOST_TEST(test::read_file(dir.path("r.env")).find(fmt::format("HSS_GATE_RESULT_EXIT_CODE={}\n", returned)) !=
                 std::string::npos);
      BOOST_TEST(test::read_file(dir.path("r.md")).find(fmt::format("(exit {})", returned)) != std::string::npos);
      // Nothing else is left in the folder: no SARIF, no temporary file.
      std::set<std::string> names;
      for (const auto& entry : std::filesystem::directory_iterator(dir.path(""))) {
        names.insert(entry.path().filename().string());
      }
      BOOST_TEST((names == std::set<std::string>{"r.env", "r.json", "r.md"}));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_skipped_report_is_a_warning_and_removes_a_stale_file) {
  test::TempDir dir;
  std::string sbom = dir.write("r.cdx.json", "stale");
  auto written = write_reports(sample_outcome(), options_for({{"sbom", sbom}, {"json", dir.path("r.json")}}), disk_files());
  BOOST_TEST(written.outcome.unwritten.empty());
  BOOST_REQUIRE(written.warnings.size() == 1u);
  BOOST_TEST(written.warnings[0].find("--sbom " + sbom + ": not written: no SBOM:") == 0u);
  BOOST_TEST(!std::filesystem::exists(sbom));
  BOOST_TEST(std::filesystem::exists(dir.path("r.json")));
}

BOOST_AUTO_TEST_CASE(a_result_says_how_it_was_waived_and_sarif_suppresses_accordingly) {
  const std::string rule_wide = "[[exceptions]]\nrules = [\"v\"]\nexpires = 2027-01-01\nreason = \"r\"\n";
  const std::string one_finding =
      "[[exceptions]]\nrules = [\"v\"]\nfinding = { vul_id = \"V-2\" }\nexpires = 2027-01-01\nreason = \"r\"\n";
  Outcome outcome;
  RuleResult failing = findings_rule_result("max = 2\n", &outcome);
  BOOST_TEST((failing.status == RuleStatus::fail && failing.waived_by == WaivedBy::none));
  BOOST_TEST((sarif_suppressions(outcome) == std::map<std::string, bool>{{"V-1", false}, {"V-2", false}, {"V-3", false}}));

  RuleResult by_rule = findings_rule_result("max = 2\n" + rule_wide, &outcome);
  BOOST_TEST((by_rule.status == RuleStatus::excepted && by_rule.waived_by == WaivedBy::rule));
  BOOST_TEST((sarif_suppressions(outcome) == std::map<std::string, bool>{{"V-1", true}, {"V-2", true}, {"V-3", true}}));

  // Within max only because V-2 is waived: V-2 is suppressed, the others stay visible.
  RuleResult by_findings = findings_rule_result("max = 2\n" + one_finding, &outcome);
  BOOST_TEST((by_findings.status == RuleStatus::excepted && by_findings.waived_by == WaivedBy::findings));
  BOOST_TEST((sarif_suppressions(outcome) == std::map<std::string, bool>{{"V-1", false}, {"V-2", true}, {"V-3", false}}));
  Poco::JSON::Parser parser;
  auto json = parser.parse(render_json(outcome)).extract<Poco::JSON::Object::Ptr>();
  auto results = json->getArray("images")->getObject(0)->getArray("results");
  BOOST_TEST(results->getObject(1)->getValue<std::string>("waived_by") == "findings");
  BOOST_TEST(results->getObject(0)->getValue<std::string>("waived_by") == "none");

  // A rule-wide exception on a rule that also has finding waivers still waives the whole rule.
  RuleResult both = findings_rule_result("max = 0\n" + one_finding + rule_wide, &outcome);
  BOOST_TEST((both.waived_by == WaivedBy::rule));
  BOOST_TEST((sarif_suppressions(outcome) == std::map<std::string, bool>{{"V-1", true}, {"V-2", true}, {"V-3", true}}));
}


BOOST_AUTO_TEST_CASE(junit_has_a_case_per_rule_with_failures_warnings_and_waivers) {
  std::string xml = render_junit(sample_outcome());
  Poco::XML::DOMParser parser;
  Poco::AutoPtr<Poco::XML::Document> document = parser.parseString(xml);
  auto* root = document->documentElement();
  BOOST_TEST(root->nodeName() == "testsuites");
  BOOST_TEST(root->getAttribute("tests") == "5");
  BOOST_TEST(root->getAttribute("failures") == "1");
  Poco::AutoPtr<Poco::XML::NodeList> suites = document->getElementsByTagName("testsuite");
  BOOST_REQUIRE(suites->length() == 1u);
  auto* suite = static_cast<Poco::XML::Element*>(suites->item(0));
  BOOST_TEST(suite->getAttribute("skipped") == "3"); // the warning, the waiver and the non-applicable rule
  // The suite names the image without its version or digest: the same test in every pipeline.
  BOOST_TEST(suite->getAttribute("name").find("1.0.0") == std::string::npos);
  BOOST_TEST(suite->getAttribute("name").find("(cicd_name shop)") != std::string::npos);
  Poco::AutoPtr<Poco::XML::NodeList> failures = document->getElementsByTagName("failure");
  BOOST_REQUIRE(failures->length() == 1u);
  auto* failure = static_cast<Poco::XML::Element*>(failures->item(0));
  BOOST_TEST(failure->getAttribute("message") == "vul_num is 42, above max 10");
  BOOST_TEST(failure->innerText().find("patch <now> & \"rebuild\"") != std::string::npos);
  BOOST_TEST(failure->innerText().find("[[exceptions]]") != std::string::npos);
  Poco::AutoPtr<Poco::XML::NodeList> skipped = document->getElementsByTagName("skipped");
  BOOST_REQUIRE(skipped->length() == 3u);
  auto skip = [&](unsigned i) { return static_cast<Poco::XML::Element*>(skipped->item(i)); };
  // A warning shows in GitLab's test report as skipped, told apart from a waiver by type and message.
  BOOST_TEST(skip(0)->getAttribute("type") == "warning");
  BOOST_TEST(skip(0)->getAttribute("message") == "WARNING (does not block): severity_level is High, above max Medium");
  BOOST_TEST(skip(1)->getAttribute("type") == "waived");
  BOOST_TEST(skip(1)->getAttribute("message").find("WAIVED until") == 0u);
  BOOST_TEST(skip(1)->getAttribute("message").find("SEC-5") != std::string::npos);
  BOOST_TEST(skip(2)->getAttribute("type") == "not_applicable");
  BOOST_TEST(xml.find("<property name=\"image_version\" value=\"1.0.0\"/>") != std::string::npos);
  BOOST_TEST(xml.find("<property name=\"vul_num\" value=\"42\"/>") != std::string::npos);
  // A control byte and invalid UTF-8 from HSS are replaced, never written raw.
  BOOST_TEST(xml.find('\x01') == std::string::npos);
  BOOST_TEST(xml.find('\xff') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_report_has_the_documented_shape) {
  std::string text = render_json(sample_outcome());
  Poco::JSON::Parser parser;
  auto root = parser.parse(text).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(root->getValue<std::string>("decision") == "fail");
  BOOST_TEST(root->getValue<int>("exit_code") == 1);
  auto images = root->getArray("images");
  BOOST_REQUIRE(images->size() == 1u);
  auto image = images->getObject(0);
  for (const char* key : {"image_id", "cicd_name", "namespace", "image_name", "image_version", "image_digest",
                          "scan_status", "decision", "results"}) {
    BOOST_TEST_CONTEXT(key) { BOOST_TEST(image->has(key)); }
  }
  auto results = image->getArray("results");
  std::map<std::string, std::string> statuses;
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto result = results->getObject(static_cast<unsigned>(i));
    for (const char* key : {"rule", "field", "status", "actual", "limit", "level", "message"}) {
      BOOST_TEST_CONTEXT(key) { BOOST_TEST(result->has(key)); }
    }
    statuses[result->getValue<std::string>("rule")] = result->getValue<std::string>("status");
    if (result->getValue<std::string>("rule") == "vulns") {
      BOOST_TEST(result->getValue<int>("actual") == 42);
      BOOST_TEST(result->getValue<int>("limit") == 10);
    }
  }
  BOOST_TEST(statuses["vulns"] == "fail");
  BOOST_TEST(statuses["risk"] == "warn");
  BOOST_TEST(statuses["size"] == "excepted");
  BOOST_TEST(statuses["prod"] == "not_applicable");
  BOOST_TEST(statuses["scan-status"] == "pass");
  auto warnings = root->getArray("warnings");
  BOOST_REQUIRE(warnings->size() == 1u);
  BOOST_TEST(warnings->getElement<std::string>(0).find("no environment is known") != std::string::npos);
  BOOST_TEST(root->getArray("errors")->size() == 0u);
}

BOOST_AUTO_TEST_CASE(markdown_summary_has_a_table_per_image_and_escapes_pipes) {
  auto outcome = sample_outcome();
  outcome.images[0].results[1].message = "a | b";
  std::string md = render_markdown(outcome);
  BOOST_TEST(md.find("## hss-gate: :no_entry: **BLOCKED by policy** (exit 1)") == 0u);
  BOOST_TEST(md.find("| Rule | Status | Actual | Limit | Level | Details |") != std::string::npos);
  BOOST_TEST(md.find("| `vulns` | fail | 42 | max 10 | fail |") != std::string::npos);
  BOOST_TEST(md.find("a \\| b") != std::string::npos);
  BOOST_TEST(md.find("waived until 2027-01-01T23:59:59Z") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(console_names_rule_actual_limit_and_how_to_waive) {
  std::string text = render_console(sample_outcome(), ConsoleStyle{});
  BOOST_TEST(text.find("FAIL   vulns: vul_num is 42, above max 10") != std::string::npos);
  BOOST_TEST(text.find("waive: add an [[exceptions]] entry to the policy: rules = [\"vulns\"]") != std::string::npos);
  BOOST_TEST(text.find("WARN   risk: severity_level is High, above max Medium") != std::string::npos);
  BOOST_TEST(text.find("BLOCKED by policy: vulns (1 image, 1 failed, 1 warning, 1 waived; exit 1)") != std::string::npos);
  BOOST_TEST(text.find("\033[") == std::string::npos);
  BOOST_TEST(render_console(sample_outcome(), ConsoleStyle{true, false, false}).find("\033[1;31m") != std::string::npos);
  std::string quiet = render_console(sample_outcome(), ConsoleStyle{false, false, true});
  BOOST_TEST(std::count(quiet.begin(), quiet.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(github_workflow_command_values_are_escaped_as_github_requires) {
  BOOST_TEST(github_escape("50% a\r\nb: c, d", false) == "50%25 a%0D%0Ab: c, d");
  BOOST_TEST(github_escape("rule: a, b", true) == "rule%3A a%2C b");
  BOOST_TEST(github_escape("::stop-commands::x", false) == "::stop-commands::x"); // harmless mid-line
  std::string annotations = render_github_annotations(sample_outcome());
  BOOST_TEST(std::count(annotations.begin(), annotations.end(), '\n') == 3); // one line each: fail, warn, warning
  BOOST_TEST(annotations.find("::error title=hss-gate vulns%3A ") == 0u);
}

BOOST_AUTO_TEST_CASE(dotenv_and_outputs_carry_the_decision) {
  auto outcome = sample_outcome();
  std::string dotenv = render_dotenv(outcome, options_for({{"junit", "j.xml"}, {"json", "r.json"}}));
  BOOST_TEST(dotenv == "HSS_GATE_RESULT_DECISION=fail\nHSS_GATE_RESULT_EXIT_CODE=1\nHSS_GATE_RESULT_FAILED_RULES=1\n"
                       "HSS_GATE_RESULT_WARNINGS=1\nHSS_GATE_RESULT_EXPIRY_WARNINGS=0\nHSS_GATE_RESULT_JUNIT=j.xml\nHSS_GATE_RESULT_JSON=r.json\n"
                       "HSS_GATE_RESULT_IMAGES_PASS=0\nHSS_GATE_RESULT_IMAGES_WARN=0\nHSS_GATE_RESULT_IMAGES_FAIL=1\n"
                       "HSS_GATE_RESULT_IMAGES_NO_VERDICT=0\nHSS_GATE_RESULT_IMAGES_ERROR=0\n"
                       "HSS_GATE_DECISION=fail\nHSS_GATE_EXIT_CODE=1\nHSS_GATE_FAILED_RULES=1\nHSS_GATE_WARNINGS=1\n");
  // With a prefix of its own a job writes only its keys: two gate jobs feed one deploy job.
  std::string api = render_dotenv(outcome, options_for({{"junit", "j.xml"}}, "API_"));
  BOOST_TEST(api == "API_DECISION=fail\nAPI_EXIT_CODE=1\nAPI_FAILED_RULES=1\nAPI_WARNINGS=1\nAPI_EXPIRY_WARNINGS=0\nAPI_JUNIT=j.xml\nAPI_JSON=\n"
                    "API_IMAGES_PASS=0\nAPI_IMAGES_WARN=0\nAPI_IMAGES_FAIL=1\nAPI_IMAGES_NO_VERDICT=0\nAPI_IMAGES_ERROR=0\n");
  std::string outputs = render_github_outputs(outcome, {{"junit", "j.xml"}});
  std::regex delimiter("ghadelimiter_[0-9a-f]{32}");
  BOOST_TEST(std::regex_replace(outputs, delimiter, "D") ==
             "decision<<D\nfail\nD\nexit-code<<D\n1\nD\njunit<<D\nj.xml\nD\njson<<D\n\nD\nsarif<<D\n\nD\nsbom<<D\n\nD\n"
             "attestation<<D\n\nD\nimages_pass<<D\n0\nD\n"
             "images_warn<<D\n0\nD\nimages_fail<<D\n1\nD\nimages_no_verdict<<D\n0\nD\nimages_error<<D\n0\nD\n"
             "expiry-warnings<<D\n0\nD\n");
  // Every value has a delimiter of its own.
  std::set<std::string> seen;
  for (std::sregex_iterator it(outputs.begin(), outputs.end(), delimiter), end; it != end; ++it) seen.insert(it->str());
  BOOST_TEST(seen.size() == 13u);
}

BOOST_AUTO_TEST_CASE(a_dotenv_value_never_splits_into_a_second_variable) {
  std::string dotenv = render_dotenv(sample_outcome(), options_for({{"json", "r.json\nX_DECISION=pass"}}, "X_"));
  BOOST_TEST(std::count(dotenv.begin(), dotenv.end(), '\n') == 12);
  BOOST_TEST(dotenv.find("\nX_DECISION=pass") == std::string::npos);
  BOOST_TEST(dotenv.find("X_JSON=r.json X_DECISION=pass\n") != std::string::npos);
}

// A value that spans lines gets a fresh random delimiter each time, so that data cannot end the
// block early and set outputs of its own.
BOOST_AUTO_TEST_CASE(multi_line_outputs_use_a_fresh_random_delimiter) {
  auto outcome = sample_outcome();
  std::string hostile = "r\nghadelimiter_0\ndecision=pass";
  std::string first = render_github_outputs(outcome, {{"json", hostile}});
  std::string second = render_github_outputs(outcome, {{"json", hostile}});
  auto start = first.find("json<<");
  BOOST_REQUIRE(start != std::string::npos);
  std::string delimiter = first.substr(start + 6, first.find('\n', start) - start - 6);
  BOOST_TEST(delimiter.size() >= 40u);
  BOOST_TEST(first.find("json<<" + delimiter + "\n" + hostile + "\n" + delimiter + "\n") != std::string::npos);
  BOOST_TEST(second.find(delimiter) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(gitlab_folds_the_details_and_keeps_the_verdict_visible) {
  ConsoleStyle style;
  style.gitlab_sections = true;
  style.section_time = 1795780800;
  std::string text = render_console(sample_outcome(), style);
  auto start = text.find("\033[0Ksection_start:1795780800:hss_gate_details[collapsed=true]\r\033[0K");
  auto details = text.find("FAIL   vulns:");
  auto end = text.find("\033[0Ksection_end:1795780800:hss_gate_details\r\033[0K\n");
  auto verdict = text.find("hss-gate: BLOCKED by policy");
  BOOST_TEST(start == 0u);
  BOOST_TEST((start < details && details < end && end < verdict && verdict != std::string::npos));
}

BOOST_AUTO_TEST_CASE(clean_text_keeps_valid_utf8_and_replaces_the_rest) {
  BOOST_TEST(clean_text("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\ttab") == "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\ttab");
  BOOST_TEST(clean_text("a\x01" "b") == "a\xEF\xBF\xBD" "b");
  BOOST_TEST(clean_text("\xC3") == "\xEF\xBF\xBD");
  BOOST_TEST(clean_text("\xED\xA0\x80") != "\xED\xA0\x80"); // a UTF-16 surrogate is not UTF-8
}

BOOST_AUTO_TEST_CASE(reports_are_written_atomically_and_errors_name_the_path) {
  test::TempDir dir;
  auto path = dir.path("report.xml");
  write_file_atomically(path, "first");
  write_file_atomically(path, "second");
  BOOST_TEST(test::read_file(path) == "second");
  BOOST_CHECK_EXCEPTION(write_file_atomically(dir.path("no/such/dir/r.xml"), "x"), gate::Error,
                        [](const gate::Error& e) { return std::string(e.what()).find("no/such/dir/r.xml") != std::string::npos; });
}

BOOST_AUTO_TEST_CASE(dashboard_ids_are_unique_across_the_images_of_a_run) {
  auto web = [](std::string id, std::string version, std::optional<std::string> digest) {
    auto record = test::clean_record();
    record.image_id = std::move(id);
    record.image_version = std::move(version);
    record.image_digest = std::move(digest);
    return record;
  };
  auto unnamed = [&](std::string id, std::string digest) {
    auto record = web(std::move(id), "1.0.0", std::move(digest));
    record.namespace_name.reset();
    record.image_name.reset();
    return record;
  };
  struct Case {
    std::string name;
    std::vector<gate::hss::Record> records;
  };
  std::vector<Case> cases{
      {"two versions of one image", {web("id-1", "1.0.0", "sha256:aaaa"), web("id-2", "2.0.0", "sha256:bbbb")}},
      {"one version with two digests", {web("id-1", "1.0.0", "sha256:aaaa"), web("id-2", "1.0.0", "sha256:bbbb")}},
      {"two records without digest or image name",
       {unnamed("id-1", ""), unnamed("id-2", ""), web("id-3", "1.0.0", std::nullopt)}},
      {"two records alike but for HSS's id",
       {web("id-1", "1.0.0", "sha256:aaaa"), web("id-2", "1.0.0", "sha256:aaaa"), web("id-3", "1.0.0", "sha256:aaaa")}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      Outcome outcome = run_over(c.records);
      std::vector<std::string> fingerprints = sarif_fingerprints(outcome);
      BOOST_TEST(fingerprints.size() == 2 * c.records.size());
      BOOST_TEST(distinct(fingerprints) == fingerprints.size());
      // The first image keeps the identity without its version, as a run of that image alone has.
      Outcome alone = run_over({c.records.front()});
      BOOST_TEST(fingerprints.at(0) == sarif_fingerprints(alone).at(0));
      BOOST_TEST(gitlab_ids(outcome).at(0) == gitlab_ids(alone).at(0));
      std::vector<std::string> ids = gitlab_ids(outcome);
      BOOST_TEST(ids.size() == 2 * c.records.size());
      BOOST_TEST(distinct(ids) == ids.size());
    }
  }
  // The next version of an image alone in its run keeps its fingerprints and GitLab ids.
  Outcome next = run_over({web("id-9", "1.0.1", "sha256:cccc")});
  Outcome first = run_over({web("id-1", "1.0.0", "sha256:aaaa")});
  BOOST_TEST(sarif_fingerprints(next) == sarif_fingerprints(first), boost::test_tools::per_element());
  BOOST_TEST(gitlab_ids(next) == gitlab_ids(first), boost::test_tools::per_element());
  BOOST_TEST(sarif_fingerprints(first).at(0) == "team/web (cicd_name shop)|v|V-1|lib-V-1||");
}

BOOST_AUTO_TEST_CASE(an_image_two_specs_matched_is_listed_once_by_every_dashboard) {
  auto record = test::clean_record();
  auto other = test::clean_record();
  other.image_id = "id-2";
  other.image_version = "2.0.0";
  other.image_digest = "sha256:bbbb";
  for (const auto& records : {std::vector{record, record}, std::vector{record, other, record, other}}) {
    BOOST_TEST_CONTEXT(records.size() << " lookups") {
      Outcome twice = run_over(records);
      BOOST_TEST(twice.images.size() == records.size());
      std::size_t distinct_images = records.size() / 2;
      std::vector<std::string> fingerprints = sarif_fingerprints(twice);
      BOOST_TEST(fingerprints.size() == 2 * distinct_images);
      BOOST_TEST(distinct(fingerprints) == fingerprints.size());
      std::vector<std::string> ids = gitlab_ids(twice);
      BOOST_TEST(ids.size() == 2 * distinct_images);
      BOOST_TEST(distinct(ids) == ids.size());
      Rendered sbom = render_sbom(twice, {});
      BOOST_REQUIRE(!sbom.skipped);
      Poco::JSON::Parser parser;
      auto root = parser.parse(sbom.text).extract<Poco::JSON::Object::Ptr>();
      auto component = root->getObject("metadata")->getObject("component");
      if (distinct_images == 1) {
        BOOST_TEST(component->getValue<std::string>("type") == "container");
        BOOST_TEST(root->getArray("components")->size() == 1u);
      } else {
        BOOST_TEST(component->getValue<std::string>("type") == "application");
        BOOST_TEST(root->getArray("components")->size() == distinct_images);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_attestation_names_images_only_by_a_well_formed_sha256_digest) {
  Outcome outcome = sample_outcome();
  BOOST_REQUIRE(outcome.images.size() == 1u);
  auto statement_of = [&](const std::string& digest) {
    outcome.images[0].record->image_digest = digest;
    return render_attestation(outcome, options_for({}));
  };
  // Upper-case hex is the same digest: subjects carry the lowercase hex in-toto expects.
  Rendered upper = statement_of("sha256:" + std::string(64, 'A'));
  BOOST_REQUIRE(!upper.skipped);
  BOOST_TEST(upper.text.find("\"sha256\": \"" + std::string(64, 'a') + "\"") != std::string::npos);
  BOOST_TEST(upper.text.find("\"_type\": \"https://in-toto.io/Statement/v1\"") != std::string::npos);
  // The name is cleaned like every report's text: no control character reaches the statement.
  BOOST_TEST(upper.text.find('\x01') == std::string::npos);
  for (std::string digest : {"sha256:" + std::string(63, 'a'), "sha256:" + std::string(64, 'g'), std::string(64, 'a'),
                             "sha512:" + std::string(64, 'a'), std::string()}) {
    BOOST_TEST_INFO("digest " << digest);
    BOOST_TEST(statement_of(digest).skipped.has_value());
  }
  // A scan that did not finish is never attested, whatever let the image through.
  outcome.images[0].record->image_digest = "sha256:" + std::string(64, 'b');
  outcome.images[0].record->scan_status = "scanning";
  BOOST_TEST(render_attestation(outcome, options_for({})).skipped.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
