// How findings rules and `finding` waivers match findings: unknown values, severity globs, the
// empty glob, CVE waivers and the suggested waiver, each over more than one kind or attribute.
#include "gate/hss/findings.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/finding_attributes.hpp"
#include "gate/policy/loader.hpp"

#include <boost/test/unit_test.hpp>

using namespace gate;
using namespace gate::policy;
using hss::FindingKind;

namespace {

using Members = std::vector<std::pair<std::string_view, hss::FieldValue>>;

FindingKind kind_named(std::string_view name) { return *hss::finding_kind_named(name); }

// A record with the endpoint's members, each absent unless given.
hss::FindingRecord record_of(const std::vector<hss::FieldSpec>& specs, const Members& members) {
  hss::FindingRecord record;
  for (const auto& spec : specs) {
    hss::FieldValue value;
    for (const auto& [name, given] : members) {
      if (name == spec.name) value = given;
    }
    record.fields.emplace_back(spec.name, value);
  }
  return record;
}

hss::FindingRecord finding_of(std::string_view kind, const Members& members) {
  const auto& fields = hss::endpoint_for(kind_named(kind)).fields;
  return record_of({fields.begin(), fields.end()}, members);
}

hss::FindingRecord cve_of(const Members& members) {
  const auto& fields = kind_named("vulnerabilities").spec().cves->endpoint->fields;
  return record_of({fields.begin(), fields.end()}, members);
}

std::vector<Diagnostic> problems_of(const std::string& text) {
  return load_policy_text("version = 1\n" + text, "p.toml", TimePoint{}).problems;
}

Policy policy_of(const std::string& text) {
  auto result = load_policy_text("version = 1\n" + text, "p.toml", TimePoint{});
  std::string first = result.problems.empty() ? std::string() : result.problems.front().str();
  BOOST_REQUIRE_MESSAGE(result.problems.empty(), first);
  return result.policy;
}

std::string waiver_for(const std::string& rule, const std::string& finding_line) {
  return "[[exceptions]]\nrules = [\"" + rule + "\"]\n" + finding_line + "\nexpires = 2027-01-01\nreason = \"r\"\n";
}

// One image with the given lists (and the run's CVEs per vul_id), judged by `policy_text`: the
// result of its first findings rule.
struct Run {
  hss::RunFindings findings;
  hss::Lookup lookup;

  Run() {
    hss::Record image;
    image.image_id = "img-1";
    image.scan_status = "success";
    image.cicd_name = "shop";
    image.image_version = "1";
    lookup.query = hss::Query{"shop", "1", {}, {}, {}, {}};
    lookup.records = {image};
  }
  Run& list(std::string_view kind, std::vector<hss::FindingRecord> records) {
    findings.images["img-1"].lists.emplace_back(kind_named(kind), std::move(records));
    return *this;
  }
  Run& cves(const std::string& vul_id, std::vector<hss::FindingRecord> records) {
    findings.cves[vul_id] = std::move(records);
    return *this;
  }
  RuleResult judge(const std::string& policy_text) const {
    Outcome outcome = evaluate(policy_of(policy_text), Context{{}, {}, TimePoint{}}, {{lookup, std::nullopt}}, findings);
    for (const auto& result : outcome.images.at(0).results) {
      if (result.findings_kind) return result;
    }
    BOOST_FAIL("no findings rule was judged");
    return {};
  }
};

std::int64_t counted(const RuleResult& result) { return std::get<std::int64_t>(result.actual); }

std::size_t waived(const RuleResult& result) {
  return static_cast<std::size_t>(
      std::count_if(result.findings.begin(), result.findings.end(), [](const FindingResult& f) { return f.waived; }));
}

const hss::FindingRecord k_vul = finding_of("vulnerabilities", {{"vul_id", "V-1"}, {"repair_necessity", "immediate_repair"}});

} // namespace

BOOST_AUTO_TEST_SUITE(finding_matching)

BOOST_AUTO_TEST_CASE(cvss_is_unknown_when_any_cve_lacks_a_score_and_then_counts_unless_skipped) {
  using Cves = std::vector<hss::FindingRecord>;
  auto scored = [](std::string id, double score) { return cve_of({{"cve_id", id}, {"cvss_score", score}}); };
  auto unscored = [](std::string id) { return cve_of({{"cve_id", id}}); };
  std::string over = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { min = 9.0 }\n";
  std::string skipping = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { min = 9.0, unknown = \"skip\" }\n";
  std::string under = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { max = 4.0 }\n";
  for (const Cves& cves : {Cves{scored("CVE-1", 5.0), unscored("CVE-2")}, Cves{unscored("CVE-1"), scored("CVE-2", 9.8)},
                           Cves{scored("CVE-1", 2.0), cve_of({{"cve_id", "CVE-2"}, {"cvss_score", std::string("high")}})},
                           Cves{scored("CVE-1", -50.0)}, Cves{scored("CVE-1", 2.0), scored("CVE-2", 10.5)},
                           Cves{}}) {
    Run run;
    run.list("vulnerabilities", {k_vul}).cves("V-1", cves);
    RuleResult result = run.judge(over);
    BOOST_TEST(counted(result) == 1);
    BOOST_TEST(result.findings.at(0).unknown);
    BOOST_TEST(counted(run.judge(under)) == 1); // unknown is over whichever bound is written
    BOOST_TEST(counted(run.judge(skipping)) == 0);
  }
  Run known;
  known.list("vulnerabilities", {k_vul}).cves("V-1", {scored("CVE-1", 5.0), scored("CVE-2", 7.5)});
  BOOST_TEST(counted(known.judge(over)) == 0);
  BOOST_TEST(counted(known.judge(under)) == 0);
  BOOST_TEST(!known.judge("[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { min = 7.5 }\n").findings.at(0).unknown);
}

BOOST_AUTO_TEST_CASE(a_missing_number_counts_on_every_ordered_attribute_unless_skipped) {
  struct Case {
    std::string kind, attribute;
    hss::FindingRecord missing, text, small;
  };
  std::vector<Case> cases{
      {"malware", "size", finding_of("malware", {{"file_path", "/a"}}),
       finding_of("malware", {{"file_path", "/a"}, {"size", std::string("12")}}),
       finding_of("malware", {{"file_path", "/a"}, {"size", std::int64_t{3}}})},
      {"software", "vul_num", finding_of("software", {{"app_name", "zlib"}}),
       finding_of("software", {{"app_name", "zlib"}, {"vul_num", std::string("")}}),
       finding_of("software", {{"app_name", "zlib"}, {"vul_num", std::int64_t{3}}})},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.kind << "." << c.attribute) {
      std::string rule = "[rules.r]\nfindings = \"" + c.kind + "\"\nwhere." + c.attribute + " = { min = 10";
      Run run;
      run.list(c.kind, {c.missing, c.text, c.small});
      RuleResult result = run.judge(rule + " }\n");
      BOOST_TEST(counted(result) == 2); // the missing and the non-numeric one; 3 is under 10
      BOOST_TEST(result.findings.at(0).unknown);
      BOOST_TEST(counted(run.judge(rule + ", unknown = \"skip\" }\n")) == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_severity_glob_list_counts_findings_of_unknown_severity) {
  struct Case {
    std::string kind;
    std::vector<hss::FindingRecord> unknown; // no severity, or a word off the ladder
    hss::FindingRecord high, low;
  };
  std::vector<Case> cases{
      {"vulnerabilities",
       {finding_of("vulnerabilities", {{"vul_id", "A"}}),
        finding_of("vulnerabilities", {{"vul_id", "B"}, {"repair_necessity", "someday"}})},
       finding_of("vulnerabilities", {{"vul_id", "C"}, {"repair_necessity", "immediate_repair"}}),
       finding_of("vulnerabilities", {{"vul_id", "D"}, {"repair_necessity", "not_needed_repair"}})},
      {"secrets",
       {finding_of("secrets", {{"sensitive_info_id", "A"}, {"severity", "High "}}),
        finding_of("secrets", {{"sensitive_info_id", "B"}, {"severity", ""}})},
       finding_of("secrets", {{"sensitive_info_id", "C"}, {"severity", "HIGH"}}),
       finding_of("secrets", {{"sensitive_info_id", "D"}, {"severity", "low"}})},
      {"baseline",
       {finding_of("baseline", {{"check_rule_id", "A"}, {"severity", "Severe"}}),
        finding_of("baseline", {{"check_rule_id", "B"}})},
       finding_of("baseline", {{"check_rule_id", "C"}, {"severity", "High"}}),
       finding_of("baseline", {{"check_rule_id", "D"}, {"severity", "Low"}})},
  };
  for (const auto& c : cases) {
    for (std::string globs : {"[\"critical\", \"High\"]", "\"h*\""}) {
      BOOST_TEST_CONTEXT(c.kind << " where.severity = " << globs) {
        auto records = c.unknown;
        records.push_back(c.high);
        records.push_back(c.low);
        Run run;
        run.list(c.kind, records);
        RuleResult result = run.judge("[rules.r]\nfindings = \"" + c.kind + "\"\nwhere.severity = " + globs + "\n");
        BOOST_TEST(counted(result) == 3); // both unknown ones and the high one, not the low one
        BOOST_REQUIRE(result.findings.size() == 3u);
        BOOST_TEST(result.findings.at(0).unknown);
        BOOST_TEST(result.findings.at(1).unknown);
        BOOST_TEST(!result.findings.at(2).unknown);
        // A waiver's severity glob names known severities only: the unknown ones stay counted.
        RuleResult waived_high = run.judge("[rules.r]\nfindings = \"" + c.kind + "\"\nwhere.severity = " + globs +
                                           "\n" + waiver_for("r", "finding = { severity = \"high\" }"));
        BOOST_TEST(counted(waived_high) == 2);
        BOOST_TEST(waived_high.findings.at(2).waived);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(lint_refuses_a_plain_severity_word_off_the_ladder_in_rules_and_waivers) {
  std::string rule = "[rules.r]\nfindings = \"secrets\"\n";
  for (std::string written : {"\"hgih\"", "[\"high\", \"crtical\"]", "\"High \""}) {
    auto problems = problems_of(rule + "where.severity = " + written + "\n");
    BOOST_REQUIRE_MESSAGE(problems.size() == 1u, written);
    std::string text = problems.front().str();
    BOOST_TEST(text.find("p.toml:4:") == 0u, text);
    BOOST_TEST(text.find("rules.r.where.severity") != std::string::npos, text);
    BOOST_TEST(text.find("info, low, medium, high, critical") != std::string::npos, text);
  }
  BOOST_TEST(problems_of(rule + "where.severity = \"hgih\"\n").front().str().find("\"hgih\"") != std::string::npos);
  auto waiver = problems_of("[rules.b]\nfindings = \"baseline\"\n" + waiver_for("b", "finding = { severity = \"meduim\" }"));
  BOOST_REQUIRE(waiver.size() == 1u);
  BOOST_TEST(waiver.front().str().find("rule 'b'") != std::string::npos, waiver.front().str());
  BOOST_TEST(waiver.front().str().find("\"meduim\"") != std::string::npos, waiver.front().str());
  // Ladder words in any case, globs and the empty glob stay allowed.
  for (std::string written : {"\"HIGH\"", "[\"Critical\", \"h*\"]", "\"[hc]*\"", "\"\"", "\"hig\\\\h\""}) {
    BOOST_TEST(problems_of(rule + "where.severity = " + written + "\n").empty(), written);
    BOOST_TEST(problems_of(rule + waiver_for("r", "finding = { severity = " + written + " }")).empty(), written);
  }
}

BOOST_AUTO_TEST_CASE(an_empty_glob_matches_only_findings_lacking_the_attribute_in_rules_and_waivers) {
  struct Case {
    std::string kind, attribute;
    std::vector<hss::FindingRecord> lacking; // absent, or present but empty
    hss::FindingRecord having;
  };
  std::vector<Case> cases{
      {"vulnerabilities", "app_path",
       {finding_of("vulnerabilities", {{"vul_id", "A"}}), finding_of("vulnerabilities", {{"vul_id", "B"}, {"app_path", ""}})},
       finding_of("vulnerabilities", {{"vul_id", "C"}, {"app_path", "/usr/lib"}})},
      {"malware", "file_name",
       {finding_of("malware", {{"file_path", "/a"}}), finding_of("malware", {{"file_path", "/b"}, {"file_name", ""}})},
       finding_of("malware", {{"file_path", "/c"}, {"file_name", "evil"}})},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.kind << "." << c.attribute) {
      auto records = c.lacking;
      records.push_back(c.having);
      Run run;
      run.list(c.kind, records);
      std::string rule = "[rules.r]\nfindings = \"" + c.kind + "\"\n";
      RuleResult where = run.judge(rule + "where." + c.attribute + " = \"\"\n");
      BOOST_TEST(counted(where) == 2);
      BOOST_TEST(where.findings.size() == 2u);
      BOOST_TEST(counted(run.judge(rule + "where." + c.attribute + " = [\"\", \"nothing\"]\n")) == 2);
      BOOST_TEST(counted(run.judge(rule + "where." + c.attribute + " = \"*\"\n")) == 1); // * needs a value

      RuleResult waived_lacking = run.judge(rule + waiver_for("r", "finding = { " + c.attribute + " = \"\" }"));
      BOOST_TEST(counted(waived_lacking) == 1);
      BOOST_TEST(waived(waived_lacking) == 2u);
      BOOST_TEST(!waived_lacking.findings.at(2).waived);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_cve_waiver_waives_only_when_it_covers_every_cve_to_cover) {
  auto cve = [](std::string id) { return cve_of({{"cve_id", id}, {"cvss_score", 9.8}}); };
  Run run;
  run.list("vulnerabilities", {k_vul}).cves("V-1", {cve("CVE-2024-3094"), cve("CVE-2021-44228")});
  std::string all = "[rules.v]\nfindings = \"vulnerabilities\"\n";
  std::string by_score = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cvss = { min = 9.0 }\n";
  std::string log4j = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cve_id = \"CVE-2021-*\"\n";
  // The rule has no cve_id condition: the waiver must name every CVE of the vulnerability.
  for (const auto& rule : {all, by_score}) {
    BOOST_TEST(counted(run.judge(rule + waiver_for("v", "finding = { cve_id = \"CVE-2024-3094\" }"))) == 1);
    BOOST_TEST(counted(run.judge(rule + waiver_for("v", "finding = { cve_id = \"CVE-2024-3094\", vul_id = \"V-1\" }"))) == 1);
    BOOST_TEST(counted(run.judge(rule + waiver_for("v", "finding = { cve_id = [\"CVE-2024-3094\", \"CVE-2021-44228\"] }"))) == 0);
    BOOST_TEST(counted(run.judge(rule + waiver_for("v", "finding = { cve_id = \"CVE-20*\" }"))) == 0);
  }
  // The rule counts it for CVE-2021-44228 only: that is the one the waiver must cover.
  BOOST_TEST(counted(run.judge(log4j + waiver_for("v", "finding = { cve_id = \"CVE-2024-3094\" }"))) == 1);
  BOOST_TEST(counted(run.judge(log4j + waiver_for("v", "finding = { cve_id = \"CVE-2021-44228\" }"))) == 0);

  // No CVEs: the set to cover is empty, and an empty set never matches by CVE, not even `""`.
  Run none;
  none.list("vulnerabilities", {k_vul}).cves("V-1", {});
  BOOST_TEST(counted(none.judge(all + waiver_for("v", "finding = { cve_id = \"*\" }"))) == 1);
  BOOST_TEST(counted(none.judge(all + waiver_for("v", "finding = { cve_id = \"\" }"))) == 1);
  BOOST_TEST(counted(none.judge(all + waiver_for("v", "finding = { vul_id = \"V-1\" }"))) == 0);

  // CVEs not fetched: no waiver matches by CVE, not even "" or "*".
  Policy policy = policy_of(all + waiver_for("v", "finding = { cve_id = \"*\" }"));
  FindingSubject unfetched{&k_vul, nullptr};
  for (std::vector<std::string> globs : {std::vector<std::string>{"*"}, std::vector<std::string>{""}}) {
    BOOST_TEST(!waiver_names({FindingPattern{"cve_id", globs}}, *policy.rules.at(0).findings, unfetched));
  }
}

BOOST_AUTO_TEST_CASE(a_cve_without_an_id_is_covered_by_no_cve_waiver_but_the_empty_glob) {
  auto cve = [](std::string id) { return cve_of({{"cve_id", id}, {"cvss_score", 9.8}}); };
  hss::FindingRecord without_key; // the CVE record has no cve_id member at all
  without_key.fields.emplace_back("cvss_score", 9.8);
  struct Idless {
    std::string name;
    hss::FindingRecord record;
  };
  std::vector<Idless> idless{{"null", cve_of({{"cve_id", std::monostate{}}, {"cvss_score", 9.8}})},
                             {"empty", cve("")},
                             {"missing", without_key}};
  std::string all = "[rules.v]\nfindings = \"vulnerabilities\"\n";
  std::string by_id = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cve_id = \"CVE-2024-*\"\n";
  std::string lacking = "[rules.v]\nfindings = \"vulnerabilities\"\nwhere.cve_id = \"\"\n";
  auto waiver = [](const std::string& globs) { return waiver_for("v", "finding = { cve_id = " + globs + " }"); };
  for (const auto& c : idless) {
    BOOST_TEST_CONTEXT("a CVE whose cve_id is " << c.name) {
      Run alone;
      alone.list("vulnerabilities", {k_vul}).cves("V-1", {c.record});
      Run mixed;
      mixed.list("vulnerabilities", {k_vul}).cves("V-1", {cve("CVE-2024-3094"), c.record});

      // No glob that needs a value covers the CVE without one, whatever else it covers.
      for (std::string globs : {"\"*\"", "\"CVE-*\"", "\"CVE-2024-3094\""}) {
        BOOST_TEST(counted(alone.judge(all + waiver(globs))) == 1, globs);
        BOOST_TEST(counted(mixed.judge(all + waiver(globs))) == 1, globs);
      }
      // "" names the CVE that lacks an id, and only it.
      BOOST_TEST(counted(alone.judge(all + waiver("\"\""))) == 0);
      BOOST_TEST(counted(mixed.judge(all + waiver("\"\""))) == 1);
      BOOST_TEST(counted(mixed.judge(all + waiver("[\"CVE-2024-3094\", \"\"]"))) == 0);

      // The rule counted the vulnerability for CVE-2024-3094 only: that is the CVE to cover.
      BOOST_TEST(counted(mixed.judge(by_id + waiver("\"CVE-2024-3094\""))) == 0);
      BOOST_TEST(alone.judge(by_id).findings.empty());

      // In `where`, "" counts a vulnerability one of whose CVEs lacks an id; a waiver must then
      // cover that CVE, which only "" does.
      BOOST_TEST(counted(alone.judge(lacking)) == 1);
      BOOST_TEST(counted(mixed.judge(lacking)) == 1);
      BOOST_TEST(counted(mixed.judge(lacking + waiver("\"CVE-2024-3094\""))) == 1);
      BOOST_TEST(counted(mixed.judge(lacking + waiver("\"\""))) == 0);
    }
  }
  // Every CVE has an id: "" in `where` does not count it, and "" in a waiver covers nothing.
  Run named;
  named.list("vulnerabilities", {k_vul}).cves("V-1", {cve("CVE-2024-3094")});
  BOOST_TEST(named.judge(lacking).findings.empty());
  BOOST_TEST(counted(named.judge(all + waiver("\"\""))) == 1);
}

BOOST_AUTO_TEST_CASE(a_cve_waiver_makes_the_plan_fetch_the_cves_of_what_the_rule_counts) {
  for (std::string names : {"[\"v\"]", "[\"*\"]"}) {
    for (std::string finding : {"{ cve_id = \"CVE-2024-3094\" }", "{ cvss = \"9.8\" }"}) {
      BOOST_TEST_CONTEXT(names << " " << finding) {
        Policy policy = policy_of("[rules.v]\nfindings = \"vulnerabilities\"\nwhere.severity = \"high\"\n"
                                  "[[exceptions]]\nrules = " + names + "\nfinding = " + finding +
                                  "\nexpires = 2027-01-01\nreason = \"r\"\n");
        auto plan = plan_findings(policy, Context{{}, {}, TimePoint{}});
        BOOST_REQUIRE(static_cast<bool>(plan.wants_cves));
        BOOST_TEST(plan.wants_cves(k_vul));
        BOOST_TEST(!plan.wants_cves(finding_of("vulnerabilities", {{"vul_id", "V-2"}, {"repair_necessity", "delay_repair"}})));
      }
    }
  }
  Policy plain = policy_of("[rules.v]\nfindings = \"vulnerabilities\"\n" + waiver_for("v", "finding = { vul_id = \"V-1\" }"));
  BOOST_TEST(!plan_findings(plain, Context{{}, {}, TimePoint{}}).wants_cves);
}

BOOST_AUTO_TEST_CASE(the_suggested_waiver_names_a_missing_key_attribute_and_waives_that_finding_only) {
  struct Case {
    std::string kind;
    hss::FindingRecord lacking, having; // the same but for one key attribute
    std::string hint;
  };
  std::vector<Case> cases{
      {"vulnerabilities", finding_of("vulnerabilities", {{"vul_id", "V-1"}, {"app_name", "xz"}, {"version", "5.6"}}),
       finding_of("vulnerabilities", {{"vul_id", "V-1"}, {"app_name", "xz"}, {"version", "5.6"}, {"app_path", "/lib"}}),
       R"(finding = { vul_id = "V-1", app_name = "xz", app_path = "", version = "5.6" })"},
      {"malware", finding_of("malware", {{"file_path", "/opt/x"}}),
       finding_of("malware", {{"file_path", "/opt/x"}, {"file_name", "x"}}), R"(finding = { file_path = "/opt/x", file_name = "" })"},
      {"secrets", finding_of("secrets", {{"sensitive_info_id", "S-1"}, {"file_path", ""}, {"position", "3"}}),
       finding_of("secrets", {{"sensitive_info_id", "S-1"}, {"file_path", "/etc/key"}, {"position", "3"}}),
       R"(finding = { sensitive_info_id = "S-1", file_path = "", position = "3" })"},
  };
  for (const auto& c : cases) {
    for (bool lacking_first : {true, false}) {
      BOOST_TEST_CONTEXT(c.kind << (lacking_first ? " lacking first" : " having first")) {
        Run run;
        run.list(c.kind, lacking_first ? std::vector{c.lacking, c.having} : std::vector{c.having, c.lacking});
        std::string rule = "[rules.r]\nfindings = \"" + c.kind + "\"\n";
        RuleResult first = run.judge(rule);
        BOOST_TEST(counted(first) == 2);
        if (lacking_first) BOOST_TEST(first.finding_waiver_hint == c.hint);
        RuleResult second = run.judge(rule + waiver_for("r", first.finding_waiver_hint));
        BOOST_TEST(counted(second) == 1);
        BOOST_TEST(second.findings.at(0).waived);
        BOOST_TEST(!second.findings.at(1).waived);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_suggested_waiver_tells_apart_findings_that_share_their_key) {
  struct Case {
    std::string kind, attribute; // the non-key attribute the two findings differ by
    hss::FindingRecord first, second;
  };
  auto vul = [](std::string repair, std::string position) {
    return finding_of("vulnerabilities", {{"vul_id", "V-1"}, {"app_name", "xz"}, {"repair_necessity", repair},
                                          {"position", position}});
  };
  std::vector<Case> cases{
      {"vulnerabilities", "repair_necessity", vul("immediate_repair", "l1"), vul("IMMEDIATE_REPAIR", "l1")},
      {"vulnerabilities", "position", vul("delay_repair", "layer 1"), vul("delay_repair", "layer 2")},
      {"baseline", "severity", finding_of("baseline", {{"check_rule_id", "R"}, {"severity", "High"}}),
       finding_of("baseline", {{"check_rule_id", "R"}, {"severity", "Low"}})},
      {"malware", "size", finding_of("malware", {{"file_path", "/x"}, {"size", std::int64_t{10}}}),
       finding_of("malware", {{"file_path", "/x"}, {"size", std::int64_t{20}}})},
      {"secrets", "name", finding_of("secrets", {{"sensitive_info_id", "S"}, {"name", "aws"}}),
       finding_of("secrets", {{"sensitive_info_id", "S"}, {"name", "gcp"}})},
      {"secrets", "severity", finding_of("secrets", {{"sensitive_info_id", "S"}, {"severity", "high"}}),
       finding_of("secrets", {{"sensitive_info_id", "S"}, {"severity", "High "}})},
      {"baseline", "check_type", finding_of("baseline", {{"check_rule_id", "R"}, {"check_type", "a"}}),
       finding_of("baseline", {{"check_rule_id", "R"}})},
      {"build_risks", "risk_level", finding_of("build_risks", {{"risk_id", "B"}, {"risk_level", "high"}}),
       finding_of("build_risks", {{"risk_id", "B"}, {"risk_level", "low"}})},
      {"software", "vul_num", finding_of("software", {{"app_name", "zlib"}, {"vul_num", std::int64_t{1}}}),
       finding_of("software", {{"app_name", "zlib"}, {"vul_num", std::int64_t{2}}})},
      {"base_image", "layer_digest", finding_of("base_image", {{"os_name", "Debian"}, {"layer_digest", "sha256:a"}}),
       finding_of("base_image", {{"os_name", "Debian"}, {"layer_digest", "sha256:b"}})},
  };
  for (const auto& c : cases) {
    for (bool swapped : {false, true}) {
      BOOST_TEST_CONTEXT(c.kind << " differing by " << c.attribute << (swapped ? ", swapped" : "")) {
        Run run;
        run.list(c.kind, swapped ? std::vector{c.second, c.first} : std::vector{c.first, c.second});
        std::string rule = "[rules.r]\nfindings = \"" + c.kind + "\"\n";
        RuleResult first = run.judge(rule);
        BOOST_TEST(counted(first) == 2);
        BOOST_TEST(first.finding_waiver_twins == 0u);
        BOOST_TEST(first.finding_waiver_hint.find(" " + c.attribute + " = ") != std::string::npos,
                   first.finding_waiver_hint);
        BOOST_TEST(first.findings.at(0).key + "#2" == first.findings.at(1).key); // keys keep their members
        RuleResult second = run.judge(rule + waiver_for("r", first.finding_waiver_hint));
        BOOST_TEST(counted(second) == 1);
        BOOST_TEST(second.findings.at(0).waived);
        BOOST_TEST(!second.findings.at(1).waived);
        // The second finding's own suggestion waives it alone too.
        RuleResult third = run.judge(rule + waiver_for("r", second.finding_waiver_hint));
        BOOST_TEST(counted(third) == 1);
        BOOST_TEST(!third.findings.at(0).waived);
        BOOST_TEST(third.findings.at(1).waived);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_finding_no_attribute_tells_apart_says_its_waiver_waives_its_twins_too) {
  auto risk = [](std::string level) { return finding_of("build_risks", {{"risk_id", "B"}, {"risk_level", level}}); };
  auto malware = [](std::int64_t size) { return finding_of("malware", {{"file_path", "/x"}, {"size", size}}); };
  struct Case {
    std::string kind;
    std::vector<hss::FindingRecord> list;
    std::size_t twins;
    std::int64_t left; // counted once the suggestion is pasted back
  };
  std::vector<Case> cases{
      {"build_risks", {risk("high"), risk("high")}, 1, 0},
      {"build_risks", {risk("high"), risk("low"), risk("high"), risk("high")}, 2, 1},
      {"malware", {malware(5), malware(5), malware(6)}, 1, 1},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.kind << " of " << c.list.size()) {
      Run run;
      run.list(c.kind, c.list);
      std::string rule = "[rules.r]\nfindings = \"" + c.kind + "\"\n";
      RuleResult first = run.judge(rule);
      BOOST_TEST(first.finding_waiver_twins == c.twins);
      RuleResult second = run.judge(rule + waiver_for("r", first.finding_waiver_hint));
      BOOST_TEST(counted(second) == c.left);
      BOOST_TEST(waived(second) == c.twins + 1);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
