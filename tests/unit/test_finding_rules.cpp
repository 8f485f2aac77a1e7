#include "gate/hss/findings.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/loader.hpp"

#include <boost/test/unit_test.hpp>

using namespace gate;
using namespace gate::policy;
using hss::FindingKind;

namespace {

FindingKind kind_named(std::string_view name) { return *hss::finding_kind_named(name); }

hss::FindingRecord finding_of(FindingKind kind, std::vector<std::pair<std::string_view, std::string>> members) {
  hss::FindingRecord record;
  for (const auto& spec : hss::endpoint_for(kind).fields) {
    hss::FieldValue value;
    for (const auto& [name, text] : members) {
      if (name == spec.name) value = text;
    }
    record.fields.emplace_back(spec.name, value);
  }
  return record;
}

std::string severity_of(FindingKind kind, std::vector<std::pair<std::string_view, std::string>> members) {
  auto rank = finding_severity(kind, finding_of(kind, std::move(members)));
  return rank ? std::string(finding_severities()[static_cast<std::size_t>(*rank)]) : "none";
}

Policy policy_of(const std::string& text) {
  auto result = load_policy_text("version = 1\n" + text, "p.toml", TimePoint{});
  std::string first = result.problems.empty() ? std::string() : result.problems.front().str();
  BOOST_REQUIRE_MESSAGE(result.problems.empty(), first);
  return result.policy;
}

} // namespace

BOOST_AUTO_TEST_SUITE(finding_rules)

BOOST_AUTO_TEST_CASE(every_kind_maps_onto_one_severity_ladder) {
  BOOST_TEST(severity_of(kind_named("vulnerabilities"), {{"repair_necessity", "immediate_repair"}}) == "high");
  BOOST_TEST(severity_of(kind_named("vulnerabilities"), {{"repair_necessity", "delay_repair"}}) == "medium");
  BOOST_TEST(severity_of(kind_named("vulnerabilities"), {{"repair_necessity", "not_needed_repair"}}) == "low");
  BOOST_TEST(severity_of(kind_named("vulnerabilities"), {{"repair_necessity", "someday"}}) == "none");
  BOOST_TEST(severity_of(kind_named("baseline"), {{"severity", "Security"}}) == "info");
  BOOST_TEST(severity_of(kind_named("baseline"), {{"severity", "High"}}) == "high");
  BOOST_TEST(severity_of(kind_named("secrets"), {{"severity", "CRITICAL"}}) == "critical");
  BOOST_TEST(severity_of(kind_named("build_risks"), {{"risk_level", "medium"}}) == "medium");
  BOOST_TEST(severity_of(kind_named("malware"), {}) == "critical");
  BOOST_TEST(severity_of(kind_named("software"), {{"app_name", "x"}}) == "none");
}

BOOST_AUTO_TEST_CASE(missing_values_never_match_a_glob_and_match_a_range_unless_skipped) {
  Policy policy = policy_of("[rules.r]\nfindings = \"vulnerabilities\"\nwhere.cve_id = \"CVE-*\"\n"
                            "where.severity = { min = \"high\" }\n[rules.s]\nfindings = \"vulnerabilities\"\n"
                            "where.severity = { min = \"high\", unknown = \"skip\" }\n");
  const FindingCondition& glob = policy.rules[0].findings->where.at(0);
  const FindingCondition& range = policy.rules[0].findings->where.at(1);
  const FindingCondition& skipping = policy.rules[1].findings->where.at(0);
  AttributeValue missing;
  BOOST_TEST((match(glob, missing) == Match::no));
  BOOST_TEST((match(range, missing) == Match::unknown));
  BOOST_TEST((match(skipping, missing) == Match::no));
  AttributeValue medium{{"medium"}, 2};
  BOOST_TEST((match(range, medium) == Match::no));
  AttributeValue critical{{"critical"}, 4};
  BOOST_TEST((match(range, critical) == Match::yes));
}

BOOST_AUTO_TEST_CASE(the_suggested_waiver_names_exactly_one_finding_even_with_glob_characters) {
  // A package named like a glob: the hint escapes it, so pasting it waives that finding only.
  hss::Record image;
  image.image_id = "img-1";
  image.scan_status = "success";
  image.cicd_name = "shop";
  image.image_version = "1";
  hss::RunFindings findings;
  auto tricky = finding_of(kind_named("vulnerabilities"), {{"vul_id", "V-1"}, {"app_name", "lib*[x]?"},
                                                          {"repair_necessity", "immediate_repair"}});
  auto other = finding_of(kind_named("vulnerabilities"), {{"vul_id", "V-1"}, {"app_name", "lib-other"},
                                                         {"repair_necessity", "immediate_repair"}});
  findings.images["img-1"].lists.emplace_back(kind_named("vulnerabilities"), std::vector{tricky, other});
  hss::Lookup lookup;
  lookup.query = hss::Query{"shop", "1", {}, {}, {}, {}};
  lookup.records = {image};
  std::string rule = "[rules.v]\nfindings = \"vulnerabilities\"\n";
  Context context{{}, {}, TimePoint{}};
  Outcome first = evaluate(policy_of(rule), context, {{lookup, std::nullopt}}, findings);
  const RuleResult& failed = first.images.at(0).results.at(1);
  BOOST_TEST(failed.finding_waiver_hint == R"(finding = { vul_id = "V-1", app_name = "lib\\*\\[x\\]\\?", app_path = "", version = "" })");

  std::string waiver = "[[exceptions]]\nrules = [\"v\"]\n" + failed.finding_waiver_hint +
                       "\nexpires = 2027-01-01\nreason = \"r\"\n";
  Outcome second = evaluate(policy_of(rule + waiver), context, {{lookup, std::nullopt}}, findings);
  const RuleResult& result = second.images.at(0).results.at(1);
  BOOST_TEST(result.findings.at(0).waived);
  BOOST_TEST(!result.findings.at(1).waived);
  BOOST_TEST(std::get<std::int64_t>(result.actual) == 1);
}

BOOST_AUTO_TEST_CASE(the_plan_names_only_what_applicable_rules_need) {
  Policy policy = policy_of("[rules.a]\nfindings = \"malware\"\n[rules.b]\nfindings = \"secrets\"\n"
                            "when.branch = [\"main\"]\n[rules.c]\nfindings = \"vulnerabilities\"\n"
                            "where.severity = { min = \"high\" }\n[[exceptions]]\nrules = [\"c\"]\n"
                            "finding = { cve_id = \"CVE-1\" }\nexpires = 2027-01-01\nreason = \"r\"\n");
  auto plan = plan_findings(policy, Context{std::string("feature"), {}, TimePoint{}});
  BOOST_TEST((plan.kinds == std::vector{kind_named("vulnerabilities"), kind_named("malware")}));
  BOOST_REQUIRE(static_cast<bool>(plan.wants_cves)); // the exception matches on cve_id
  BOOST_TEST(plan.wants_cves(finding_of(kind_named("vulnerabilities"), {{"repair_necessity", "immediate_repair"}})));
  BOOST_TEST(!plan.wants_cves(finding_of(kind_named("vulnerabilities"), {{"repair_necessity", "delay_repair"}})));
  auto main = plan_findings(policy, Context{std::string("main"), {}, TimePoint{}});
  BOOST_TEST(main.kinds.size() == 3u);
  BOOST_TEST(plan_findings(policy_of("[rules.n]\nfield = \"vul_num\"\nmax = 0\n"), Context{}).empty());
}

// A float bound beyond the 64-bit range was cast to an integer (undefined behaviour, found by
// fuzz_policy): each bound must be written back as the float it is and read back the same.
BOOST_AUTO_TEST_CASE(policy_show_writes_bounds_beyond_the_integer_range_as_floats) {
  for (std::string bound : {"9.5e59", "9.3e18", "9223372036854775808.0", "1e300", "12.5", "7.0"}) {
    Policy policy = policy_of("[rules.a]\nfindings = \"malware\"\nwhere.size = { min = 0, max = " + bound + " }\n");
    std::string shown = describe_policy(policy);
    Policy again = policy_of(shown.substr(shown.find("[rules")));
    BOOST_REQUIRE(again.rules.size() == 1u);
    const auto* condition = again.rules.front().findings->condition("size");
    BOOST_REQUIRE(condition && condition->max);
    BOOST_TEST(*condition->max == std::stod(bound), bound << " came back as " << *condition->max << " from:\n" << shown);
  }
}

BOOST_AUTO_TEST_SUITE_END()
