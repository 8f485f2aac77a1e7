#include "gate/policy/finding_attributes.hpp"
#include "gate/report/security_severity.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <map>

using namespace gate::policy;
using namespace gate::report;

namespace {

FindingResult finding(const std::string& severity, std::vector<std::string> cvss = {}) {
  FindingResult result;
  result.kind = "vulnerabilities";
  result.severity = severity;
  if (!cvss.empty()) result.attributes.push_back({"cvss", std::move(cvss)});
  return result;
}

std::optional<gate::hss::Record> record_at(std::optional<std::string> level) {
  auto record = test::clean_record();
  record.severity_level = std::move(level);
  return record;
}

} // namespace

BOOST_AUTO_TEST_SUITE(security_severity)

BOOST_AUTO_TEST_CASE(every_word_of_the_finding_ladder_has_its_score) {
  std::map<std::string, std::string> expected{
      {"critical", "9.5"}, {"high", "8.0"}, {"medium", "5.5"}, {"low", "3.0"}, {"info", "0.0"}};
  BOOST_TEST(finding_severities().size() == expected.size());
  for (auto word : finding_severities()) {
    BOOST_TEST(format_security_severity(finding_security_severity(finding(std::string(word)))) ==
                   expected.at(std::string(word)),
               word);
  }
}

BOOST_AUTO_TEST_CASE(a_finding_with_cvss_scores_its_highest_cvss_over_its_ladder_word) {
  BOOST_TEST(format_security_severity(finding_security_severity(finding("low", {"4.3", "9.8", "7.1"}))) == "9.8");
  BOOST_TEST(format_security_severity(finding_security_severity(finding("critical", {"6.1"}))) == "6.1");
  // A value that is not a score on 0-10 is not read; the ladder word counts then.
  BOOST_TEST(format_security_severity(finding_security_severity(finding("medium", {"n/a", "11", "-1"}))) == "5.5");
}

BOOST_AUTO_TEST_CASE(an_unknown_severity_scores_high_so_that_rulesets_still_block) {
  BOOST_TEST(format_security_severity(finding_security_severity(finding(""))) == "8.0");
  BOOST_TEST(format_security_severity(finding_security_severity(finding("urgent"))) == "8.0");
  BOOST_TEST(format_security_severity(record_security_severity(std::nullopt)) == "8.0");
  BOOST_TEST(format_security_severity(record_security_severity(record_at(std::nullopt))) == "8.0");
  BOOST_TEST(format_security_severity(record_security_severity(record_at("Critical"))) == "8.0");
}

BOOST_AUTO_TEST_CASE(a_field_rule_takes_the_records_severity_level) {
  std::map<std::string, std::string> expected{{"High", "8.0"}, {"Medium", "5.5"}, {"Low", "3.0"}, {"Security", "0.0"}};
  BOOST_TEST(gate::hss::severity_levels().size() == expected.size());
  RuleResult field_rule;
  field_rule.rule = "vulns";
  for (auto level : gate::hss::severity_levels()) {
    auto record = record_at(std::string(level));
    BOOST_TEST(format_security_severity(record_security_severity(record)) == expected.at(std::string(level)), level);
    BOOST_TEST(format_security_severity(rule_security_severity(&field_rule, record)) == expected.at(std::string(level)));
    BOOST_TEST(format_security_severity(rule_security_severity(nullptr, record)) == expected.at(std::string(level)));
  }
}

BOOST_AUTO_TEST_CASE(a_findings_rule_takes_the_highest_of_its_findings_not_the_record) {
  RuleResult rule;
  rule.rule = "v";
  rule.findings_kind = "vulnerabilities";
  rule.findings = {finding("low"), finding("high"), finding("medium")};
  BOOST_TEST(format_security_severity(rule_security_severity(&rule, record_at("Low"))) == "8.0");
  rule.findings = {finding("low"), finding("medium", {"6.4"})};
  BOOST_TEST(format_security_severity(rule_security_severity(&rule, record_at("High"))) == "6.4");
  rule.findings = {finding("info")};
  BOOST_TEST(format_security_severity(rule_security_severity(&rule, record_at("High"))) == "0.0");
  rule.findings.clear(); // nothing matched: the record's level
  BOOST_TEST(format_security_severity(rule_security_severity(&rule, record_at("Medium"))) == "5.5");
}

BOOST_AUTO_TEST_SUITE_END()
