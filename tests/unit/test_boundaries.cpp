// Every time limit at the exact second on each side of it: turning a `>` into `>=` (or back) in
// max_age, the future-time margin, an exception's or a finding waiver's expiry, or the warn_days
// window must fail one of these cases.
#include "gate/hss/findings.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>

using namespace gate;
using namespace gate::policy;
using std::chrono::seconds;

namespace {

Policy policy_at(const std::string& text, TimePoint now) {
  test::TempDir dir;
  auto result = load_policies({dir.write("p.toml", "version = 1\n" + text)}, now);
  for (const auto& problem : result.problems) BOOST_TEST_MESSAGE(problem.str());
  BOOST_REQUIRE(result.problems.empty());
  return result.policy;
}

hss::Lookup lookup_of(const hss::Record& record) {
  hss::Lookup lookup;
  lookup.query = test::query_for(record);
  lookup.records = {record};
  return lookup;
}

Outcome evaluate_at(const std::string& policy_text, const hss::Record& record, TimePoint now,
                    const hss::RunFindings& findings = {}) {
  return evaluate(policy_at(policy_text, now), Context{std::nullopt, std::nullopt, now}, {{lookup_of(record), std::nullopt}},
                  findings);
}

const RuleResult& result_of(const Outcome& outcome, const std::string& rule) {
  for (const auto& result : outcome.images.at(0).results) {
    if (result.rule == rule) return result;
  }
  throw std::runtime_error("no result for rule " + rule);
}

std::string status_at(const std::string& policy_text, const std::string& rule, const hss::Record& record, TimePoint now,
                      const hss::RunFindings& findings = {}) {
  return std::string(name_of(result_of(evaluate_at(policy_text, record, now, findings), rule).status));
}

bool warns(const Outcome& outcome, const std::string& text) {
  for (const auto& warning : outcome.warnings) {
    if (warning.find(text) != std::string::npos) return true;
  }
  return false;
}

// One malware finding on the clean image, so that a findings rule with max = 0 fails.
hss::RunFindings one_malware(const hss::Record& image) {
  hss::FindingRecord finding;
  const hss::FindingKind malware = *hss::finding_kind_named("malware");
  for (const auto& spec : hss::endpoint_for(malware).fields) {
    hss::FieldValue value;
    if (spec.name == "file_path") value = std::string("/bin/evil");
    finding.fields.emplace_back(spec.name, value);
  }
  hss::RunFindings findings;
  findings.images[image.image_id].lists.emplace_back(malware, std::vector{finding});
  return findings;
}

} // namespace

BOOST_AUTO_TEST_SUITE(time_boundaries)

BOOST_AUTO_TEST_CASE(max_age_passes_at_the_limit_and_fails_one_second_past_it) {
  hss::Record record = test::clean_record(); // scanned 2026-11-20T10:05:00Z
  const TimePoint limit = test::at("2026-11-21T10:05:00Z");
  for (const std::string rules : {"[scan]\nmax_age = \"1d\"\n", "[rules.fresh]\nfield = \"latest_scan_time\"\nmax_age = \"1d\"\n"}) {
    const std::string rule = rules.starts_with("[scan]") ? "scan-age" : "fresh";
    BOOST_TEST(status_at(rules, rule, record, limit - seconds(1)) == "pass");
    BOOST_TEST(status_at(rules, rule, record, limit) == "pass");
    BOOST_TEST(status_at(rules, rule, record, limit + seconds(1)) == "fail");
  }
}

BOOST_AUTO_TEST_CASE(a_scan_time_up_to_the_clock_skew_margin_ahead_passes_and_one_second_more_fails) {
  hss::Record record = test::clean_record();
  const TimePoint now = test::at("2026-11-27T12:00:00Z");
  const std::string rules = "[scan]\nmax_age = \"1d\"\n";
  record.latest_scan_time = test::ms("2026-11-27T12:05:00Z"); // exactly the 5-minute margin
  BOOST_TEST(status_at(rules, "scan-age", record, now) == "pass");
  record.latest_scan_time = test::ms("2026-11-27T12:05:01Z");
  BOOST_TEST(status_at(rules, "scan-age", record, now) == "fail");
}

BOOST_AUTO_TEST_CASE(a_rule_exception_waives_through_its_last_second_and_not_after) {
  hss::Record record = test::clean_record();
  record.vul_num = 3;
  const std::string rules = "[rules.v]\nfield = \"vul_num\"\nmax = 0\n[[exceptions]]\nrules = [\"v\"]\n"
                            "expires = 2026-12-01T12:00:00Z\nreason = \"SEC-1\"\n";
  const TimePoint expires = test::at("2026-12-01T12:00:00Z");
  BOOST_TEST(status_at(rules, "v", record, expires - seconds(1)) == "excepted");
  BOOST_TEST(status_at(rules, "v", record, expires) == "excepted");
  BOOST_TEST(status_at(rules, "v", record, expires + seconds(1)) == "fail");
  BOOST_TEST(warns(evaluate_at(rules, record, expires + seconds(1)), "expired on 2026-12-01"));
  BOOST_TEST(!warns(evaluate_at(rules, record, expires), "expired on"));
}

BOOST_AUTO_TEST_CASE(a_finding_waiver_waives_through_its_last_second_and_not_after) {
  hss::Record record = test::clean_record();
  const hss::RunFindings findings = one_malware(record);
  const std::string rules = "[rules.m]\nfindings = \"malware\"\n[[exceptions]]\nrules = [\"m\"]\n"
                            "finding = { file_path = \"/bin/evil\" }\nexpires = 2026-12-01T12:00:00Z\nreason = \"SEC-2\"\n";
  const TimePoint expires = test::at("2026-12-01T12:00:00Z");
  BOOST_TEST(status_at(rules, "m", record, expires - seconds(1), findings) == "excepted");
  BOOST_TEST(status_at(rules, "m", record, expires, findings) == "excepted");
  BOOST_TEST(status_at(rules, "m", record, expires + seconds(1), findings) == "fail");
  const Outcome outcome = evaluate_at(rules, record, expires, findings);
  const auto& waived = result_of(outcome, "m");
  BOOST_REQUIRE(waived.findings.size() == 1u);
  BOOST_TEST(waived.findings.front().waived);
}

BOOST_AUTO_TEST_CASE(warn_days_warns_from_exactly_n_days_before_expiry) {
  hss::Record record = test::clean_record();
  record.vul_num = 3;
  const std::string rules = "[rules.v]\nfield = \"vul_num\"\nmax = 0\n[exceptions_policy]\nwarn_days = 14\n"
                            "[[exceptions]]\nrules = [\"v\"]\nexpires = 2026-12-15T12:00:00Z\nreason = \"SEC-3\"\n";
  const TimePoint window = test::at("2026-12-01T12:00:00Z"); // 14 days before expiry, to the second
  BOOST_TEST(!warns(evaluate_at(rules, record, window - seconds(1)), "expires on 2026-12-15"));
  BOOST_TEST(warns(evaluate_at(rules, record, window), "expires on 2026-12-15 (in 14 days)"));
  BOOST_TEST(warns(evaluate_at(rules, record, window + seconds(1)), "expires on 2026-12-15 (in 13 days)"));
}

BOOST_AUTO_TEST_SUITE_END()
