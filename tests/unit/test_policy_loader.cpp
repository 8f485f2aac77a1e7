#include "gate/error.hpp"
#include "gate/policy/loader.hpp"
#include "gate/policy/operators.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

using namespace gate::policy;

namespace {

const TimePoint k_now = test::at("2026-11-27T12:00:00Z");

std::vector<std::string> problems_of(const std::string& text) {
  test::TempDir dir;
  auto file = dir.write("policy.toml", text);
  std::vector<std::string> lines;
  for (const auto& problem : load_policies({file}, k_now).problems) {
    std::string line = problem.str();
    lines.push_back(line.substr(line.find("policy.toml")));
  }
  return lines;
}

bool has_problem(const std::string& text, const std::string& expected) {
  for (const auto& line : problems_of(text)) {
    if (line.find(expected) != std::string::npos) return true;
  }
  BOOST_TEST_MESSAGE("problems: " << problems_of(text).size());
  for (const auto& line : problems_of(text)) BOOST_TEST_MESSAGE("  " << line);
  return false;
}

} // namespace

BOOST_AUTO_TEST_SUITE(policy_loader)

BOOST_AUTO_TEST_CASE(a_complete_policy_loads_with_every_feature) {
  test::TempDir dir;
  auto file = dir.write("policy.toml", R"(version = 1
[scan]
wait = "10m"
poll_interval = "15s"
on_missing = "warn"
on_pending = "fail"
on_failed = "pass"
max_age = "7d"
require_current = true

[rules.vulns]
field = "vul_num"
max = 10
min = 0
level = "warn"
fail_from = 2027-03-01
message = "patch it"
when = { branch = ["main", "release/*"], environment = "prod" }

[rules.size]
field = "image_size"
max = "512MiB"

[rules.risk]
field = "severity_level"
in = ["Security", "Low"]

[rules.registry]
field = "registry_name"
not_in = ["dockerhub*"]

[rules.latest]
field = "latest_version"
equals = true

[rules.fresh]
field = "latest_scan_time"
max_age = "36h"

[[exceptions]]
rules = ["vulns"]
cicd_name = "legacy-*"
expires = 2027-01-31
reason = "SEC-1"
owner = "team"

[exceptions_policy]
max_days = 90
warn_days = 14
)");
  auto result = load_policies({file}, k_now);
  for (const auto& problem : result.problems) BOOST_TEST_MESSAGE(problem.str());
  BOOST_REQUIRE(result.problems.empty());
  const Policy& policy = result.policy;
  BOOST_TEST(policy.scan.wait->value.count() == 600);
  BOOST_TEST(policy.scan.poll_interval->value.count() == 15);
  BOOST_TEST(policy.scan.on_missing.value == StateAction::warn);
  BOOST_TEST(policy.scan.on_failed.value == StateAction::pass);
  BOOST_TEST(policy.scan.max_age->value.count() == 7 * 86400);
  BOOST_TEST(policy.scan.require_current.value);
  BOOST_REQUIRE(policy.rules.size() == 6u);
  BOOST_TEST(policy.rules[0].id == "vulns"); // definition order, not key order
  BOOST_TEST(policy.rules[5].id == "fresh");
  BOOST_TEST(std::get<std::int64_t>(policy.rules[0].condition("max")->operand) == 10);
  BOOST_TEST(policy.rules[0].level == Level::warn);
  BOOST_TEST(gate::units::format_date_time(*policy.rules[0].fail_from) == "2027-03-01T00:00:00Z");
  BOOST_TEST(policy.rules[0].when.branch->size() == 2u);
  BOOST_TEST(policy.rules[0].when.environment->front() == "prod");
  BOOST_TEST(std::get<std::int64_t>(policy.rules[1].condition("max")->operand) == 536870912);
  BOOST_TEST(std::get<std::vector<std::string>>(policy.rules[2].condition("in")->operand).size() == 2u);
  BOOST_TEST(std::get<bool>(policy.rules[4].condition("equals")->operand));
  BOOST_TEST(std::get<gate::policy::Duration>(policy.rules[5].condition("max_age")->operand).count() == 36 * 3600);
  BOOST_REQUIRE(policy.exceptions.size() == 1u);
  BOOST_TEST(gate::units::format_date_time(policy.exceptions[0].expires) == "2027-01-31T23:59:59Z");
  BOOST_TEST(policy.exceptions_policy.max_days->value == 90);
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_column_and_key) {
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 1\ncolour = \"red\"\n",
                         "policy.toml:5:1: rules.a: unknown key 'colour'"));
  BOOST_TEST(has_problem("version = 1\nextra = 2\n", "policy.toml:2:1: unknown key 'extra'"));
  BOOST_TEST(has_problem("version = 1\n[scan]\nwaitt = \"1m\"\n", "policy.toml:3:1: unknown key 'waitt' in [scan]"));
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"vulns\"\nmax = 1\n",
                         "policy.toml:3:9: rules.a.field: unknown field 'vulns'"));
}

BOOST_AUTO_TEST_CASE(every_bad_value_is_a_problem) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"[rules.a]\nfield = \"vul_num\"\nmax = \"many\"\n", "rules.a.max: expected a whole number"},
      {"[rules.a]\nfield = \"vul_num\"\nmax = -1\n", "rules.a.max: expected a whole number"},
      {"[rules.a]\nfield = \"vul_num\"\nin = [\"1\"]\n", "field vul_num does not take 'in': expected max, min"},
      {"[rules.a]\nfield = \"image_size\"\nmax = \"12XB\"\n", "expected bytes or a size"},
      {"[rules.a]\nfield = \"severity_level\"\nmax = \"Critical\"\n", "expected one of \"Security\""},
      {"[rules.a]\nfield = \"severity_level\"\nin = [\"Critical\"]\n", "unknown severity 'Critical'"},
      {"[rules.a]\nfield = \"cicd_name\"\nmax = 3\n", "field cicd_name does not take 'max': expected in, not_in"},
      {"[rules.a]\nfield = \"latest_version\"\nequals = \"yes\"\n", "expected true or false"},
      {"[rules.a]\nfield = \"latest_scan_time\"\nmax_age = \"soon\"\n", "expected a duration"},
      {"[rules.a]\nfield = \"vul_num\"\n", "rule 'a': no operator: expected one of max, min"},
      {"[rules.a]\nmax = 1\n", "rule 'a': missing 'field'"},
      {"[rules.a]\nfield = \"vul_num\"\nmax = 1\nmin = 2\n", "min is greater than max"},
      {"[rules.a]\nfield = \"vul_num\"\nmax = 1\nlevel = \"error\"\n", "expected \"fail\" or \"warn\""},
      {"[rules.a]\nfield = \"vul_num\"\nmax = 1\nfail_from = 2027-01-01\n", "fail_from needs level = \"warn\""},
      {"[rules.a]\nfield = \"vul_num\"\nmax = 1\nwhen = { branches = [\"main\"] }\n", "unknown key 'branches'"},
      {"[rules.\"a b\"]\nfield = \"vul_num\"\nmax = 1\n", "rule id 'a b': expected letters"},
      {"[rules.scan-age]\nfield = \"vul_num\"\nmax = 1\n", "rule id 'scan-age' is built in"},
      {"[scan]\non_missing = \"ignore\"\n", "scan.on_missing: expected \"fail\", \"warn\" or \"pass\""},
      {"[scan]\nwait = 10\n", "scan.wait: expected a duration"},
      {"[scan]\npoll_interval = \"0s\"\n", "at least 1s"},
      {"[[exceptions]]\nrules = [\"*\"]\nreason = \"x\"\n", "exception: missing 'expires'"},
      {"[[exceptions]]\nrules = [\"*\"]\nexpires = 2027-01-01\n", "exception: missing 'reason'"},
      {"[[exceptions]]\nrules = [\"*\"]\nexpires = 2027-01-01\nreason = \"  \"\n", "expected a non-empty reason"},
      {"[[exceptions]]\nrules = [\"*\"]\nexpires = \"next week\"\nreason = \"x\"\n", "exceptions.expires: expected a date"},
      {"[[exceptions]]\nrules = [\"nope\"]\nexpires = 2027-01-01\nreason = \"x\"\n", "exception names unknown rule 'nope'"},
      {"[[exceptions]]\nexpires = 2027-01-01\nreason = \"x\"\n", "exception: missing 'rules'"},
      {"[exceptions_policy]\nmax_days = 30\n[[exceptions]]\nrules = [\"*\"]\nexpires = 2027-06-01\nreason = \"x\"\n",
       "more than exceptions_policy.max_days = 30"},
      {"[exceptions_policy]\nmax_days = -3\n", "expected a whole number of days"},
      {"[rules.a\nfield = 1\n", "policy.toml:2:9: Error while parsing table header"},
  };
  for (const auto& [body, expected] : cases) {
    BOOST_TEST_CONTEXT(body) { BOOST_TEST(has_problem("version = 1\n" + body, expected)); }
  }
  BOOST_TEST(has_problem("[scan]\nwait = \"1m\"\n", "missing 'version = 1'"));
  BOOST_TEST(has_problem("version = 2\n", "version: expected 1"));
}

BOOST_AUTO_TEST_CASE(lint_reports_every_problem_not_just_the_first) {
  auto problems = problems_of("version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = \"x\"\n[rules.b]\nfield = \"nope\"\n"
                              "[scan]\nwait = \"forever\"\n");
  BOOST_TEST(problems.size() == 3u);
}

BOOST_AUTO_TEST_CASE(string_dates_in_iso_form_are_accepted) {
  BOOST_TEST(problems_of("version = 1\n[[exceptions]]\nrules = [\"*\"]\nexpires = \"2027-01-31T10:00:00Z\"\n"
                         "reason = \"x\"\n")
                 .empty());
}

BOOST_AUTO_TEST_CASE(inherited_rules_may_only_be_tightened) {
  test::TempDir dir;
  dir.write("org/base.toml", R"(version = 1
[scan]
on_pending = "warn"
max_age = "7d"
[rules.vulns]
field = "vul_num"
max = 10
[rules.risk]
field = "severity_level"
in = ["Security", "Low", "Medium"]
level = "warn"
[rules.prod-only]
field = "malicious_file_num"
max = 0
when = { branch = ["main"] }
)");
  auto tighter = dir.write("repo/tight.toml", R"(version = 1
extends = ["../org/base.toml"]
[scan]
on_pending = "fail"
max_age = "3d"
[rules.vulns]
field = "vul_num"
max = 5
[rules.risk]
field = "severity_level"
in = ["Security", "Low"]
level = "fail"
[rules.prod-only]
field = "malicious_file_num"
max = 0
[rules.extra]
field = "unsafe_setting_num"
max = 1
)");
  auto ok = load_policies({tighter}, k_now);
  for (const auto& p : ok.problems) BOOST_TEST_MESSAGE(p.str());
  BOOST_REQUIRE(ok.problems.empty());
  BOOST_TEST(ok.policy.files.size() == 2u);
  BOOST_TEST(ok.policy.rules.size() == 4u);
  BOOST_TEST(std::get<std::int64_t>(ok.policy.rules[0].condition("max")->operand) == 5);
  BOOST_TEST(ok.policy.rules[1].level == Level::fail);
  BOOST_TEST(ok.policy.scan.on_pending.value == StateAction::fail);
  BOOST_TEST(ok.policy.scan.max_age->value.count() == 3 * 86400);

  auto looser = dir.write("repo/loose.toml", R"(version = 1
extends = "../org/base.toml"
[scan]
on_pending = "pass"
max_age = "30d"
[rules.vulns]
field = "vul_num"
max = 50
[rules.risk]
field = "severity_level"
in = ["Security", "Low", "Medium", "High"]
[rules.prod-only]
field = "malicious_file_num"
max = 0
when = { branch = ["main"], environment = ["prod"] }
)");
  auto bad = load_policies({looser}, k_now);
  std::string all;
  for (const auto& p : bad.problems) all += p.str() + "\n";
  BOOST_TEST_MESSAGE(all);
  BOOST_TEST(bad.problems.size() == 5u);
  BOOST_TEST(all.find("loose.toml:6:8: rule 'vulns' raises or drops 'max' as inherited from") != std::string::npos);
  BOOST_TEST(all.find("base.toml:5:8") != std::string::npos); // names both files
  BOOST_TEST(all.find("[[exceptions]]") != std::string::npos);
  BOOST_TEST(all.find("rule 'risk' allows values that 'in' did not") != std::string::npos);
  BOOST_TEST(all.find("narrows 'when'") != std::string::npos);
  BOOST_TEST(all.find("scan.on_pending = \"pass\" in ") != std::string::npos);
  BOOST_TEST(all.find("loosens \"warn\" (") != std::string::npos);
  BOOST_TEST(all.find("loosens \"7d\" (") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lowering_a_rule_from_fail_to_warn_is_loosening) {
  test::TempDir dir;
  dir.write("base.toml", "version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 1\n");
  auto file = dir.write("child.toml", "version = 1\nextends = [\"base.toml\"]\n[rules.a]\nfield = \"vul_num\"\nmax = 1\n"
                                      "level = \"warn\"\n");
  auto result = load_policies({file}, k_now);
  BOOST_REQUIRE(result.problems.size() == 1u);
  BOOST_TEST(result.problems[0].message.find("lowers level from fail to warn") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(several_policy_files_combine_as_if_the_later_extended_the_earlier) {
  test::TempDir dir;
  auto first = dir.write("a.toml", "version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 5\n");
  auto tighter = dir.write("b.toml", "version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 2\n");
  auto looser = dir.write("c.toml", "version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 9\n");
  auto ok = load_policies({first, tighter}, k_now);
  BOOST_REQUIRE(ok.problems.empty());
  BOOST_TEST(std::get<std::int64_t>(ok.policy.rules[0].condition("max")->operand) == 2);
  BOOST_TEST(load_policies({first, looser}, k_now).problems.size() == 1u);
}

BOOST_AUTO_TEST_CASE(extends_cycles_and_missing_files_are_errors) {
  test::TempDir dir;
  auto a = dir.write("a.toml", "version = 1\nextends = [\"b.toml\"]\n");
  dir.write("b.toml", "version = 1\nextends = [\"a.toml\"]\n");
  auto cycle = load_policies({a}, k_now);
  BOOST_REQUIRE(cycle.problems.size() == 1u);
  BOOST_TEST(cycle.problems[0].message.find("'extends' cycle") != std::string::npos);

  auto lost = dir.write("lost.toml", "version = 1\nextends = [\"missing.toml\"]\n");
  auto missing = load_policies({lost}, k_now);
  BOOST_REQUIRE(missing.problems.size() == 1u);
  BOOST_TEST(missing.problems[0].str().find("lost.toml:2:11: cannot read policy file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(extends_may_not_point_at_a_device_or_a_folder) {
  test::TempDir dir;
  for (std::string target : {"/dev/zero", "/tmp"}) {
    auto file = dir.write("p.toml", "version = 1\nextends = [\"" + target + "\"]\n");
    auto result = load_policies({file}, k_now);
    BOOST_REQUIRE(result.problems.size() == 1u);
    BOOST_TEST(result.problems[0].message == "policy file " + target + " is not a regular file");
  }
}

BOOST_AUTO_TEST_CASE(a_shared_base_reached_twice_is_merged_once) {
  test::TempDir dir;
  dir.write("base.toml", "version = 1\n[[exceptions]]\nrules = [\"*\"]\nexpires = 2027-01-01\nreason = \"x\"\n");
  dir.write("b.toml", "version = 1\nextends = [\"base.toml\"]\n");
  auto top = dir.write("top.toml", "version = 1\nextends = [\"base.toml\", \"b.toml\"]\n");
  auto result = load_policies({top}, k_now);
  BOOST_REQUIRE(result.problems.empty());
  BOOST_TEST(result.policy.exceptions.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_built_in_policy_is_the_shipped_default_file) {
  std::string shipped = test::read_file(std::string(HSS_GATE_TEST_DATA) + "/../../policies/default.toml");
  BOOST_TEST(std::string(default_policy_text()) == shipped);
  Policy policy = default_policy(k_now);
  BOOST_TEST(!policy.rules.empty());
  BOOST_TEST(policy.scan.on_missing.value == StateAction::fail);
}

BOOST_AUTO_TEST_CASE(load_or_throw_lists_every_problem_as_a_usage_error) {
  test::TempDir dir;
  auto file = dir.write("p.toml", "version = 1\nfoo = 1\nbar = 2\n");
  try {
    load_policies_or_throw({file}, k_now);
    BOOST_FAIL("expected a UsageError");
  } catch (const gate::UsageError& e) {
    std::string message = e.what();
    BOOST_TEST(e.exit_code() == 2);
    BOOST_TEST(message.find("'foo'") != std::string::npos);
    BOOST_TEST(message.find("'bar'") != std::string::npos);
  }
}

// An empty list would silently disable a rule or waive nothing; it is an error where written.
BOOST_AUTO_TEST_CASE(empty_selector_lists_are_policy_errors_with_a_position) {
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 1\nwhen = { branch = [] }\n",
                         "policy.toml:5:19: rules.a.when.branch: expected at least one value"));
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 1\nwhen = { environment = [] }\n",
                         "rules.a.when.environment: expected at least one value"));
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"registry_name\"\nin = []\n",
                         "policy.toml:4:6: rules.a.in: expected at least one value"));
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"registry_name\"\nnot_in = []\n",
                         "rules.a.not_in: expected at least one value"));
  BOOST_TEST(has_problem("version = 1\n[rules.a]\nfield = \"vul_num\"\nmax = 1\n[[exceptions]]\nrules = []\n"
                         "expires = 2026-12-01\nreason = \"r\"\n",
                         "policy.toml:6:9: exceptions.rules: expected at least one value"));
  BOOST_TEST(has_problem("version = 1\nextends = []\n", "policy.toml:2:11: extends: expected at least one value"));
}

BOOST_AUTO_TEST_CASE(day_counts_beyond_a_century_are_policy_errors) {
  BOOST_TEST(has_problem("version = 1\n[exceptions_policy]\nmax_days = 36501\n",
                         "exceptions_policy.max_days: expected a whole number of days from 0 to 36500"));
  BOOST_TEST(has_problem("version = 1\n[exceptions_policy]\nwarn_days = 9223372036854775807\n",
                         "exceptions_policy.warn_days: expected a whole number of days from 0 to 36500"));
  BOOST_TEST(problems_of("version = 1\n[exceptions_policy]\nmax_days = 36500\nwarn_days = 0\n").empty());
}

// A base that leaves [scan] out still fails closed; an extending file may not loosen the default.
BOOST_AUTO_TEST_CASE(tighten_only_covers_the_defaults_a_base_took) {
  test::TempDir dir;
  auto base = dir.write("org/base.toml", "version = 1\n[rules.v]\nfield = \"vul_num\"\nmax = 10\n");
  for (const std::string key : {"on_missing", "on_pending", "on_failed"}) {
    for (const std::string value : {"pass", "warn"}) {
      auto child = dir.write("repo/p.toml", "version = 1\nextends = \"../org/base.toml\"\n[scan]\n" + key + " = \"" +
                                                value + "\"\n");
      auto result = load_policies({child}, k_now);
      BOOST_REQUIRE(result.problems.size() == 1u);
      std::string message = result.problems[0].str();
      BOOST_TEST(message.find(child + ":4:1: scan." + key + " = \"" + value + "\" in " + child) == 0u);
      BOOST_TEST(message.find("loosens \"fail\" (the built-in default, as inherited by " + base + ")") !=
                 std::string::npos);
    }
  }
  // Several --policy files: a later one may not loosen an earlier one's default either.
  auto loose = dir.write("loose.toml", "version = 1\n[scan]\non_missing = \"pass\"\n");
  BOOST_TEST(load_policies({base, loose}, k_now).problems.size() == 1u);
  // Tightening, and the first file's own choice, stay allowed.
  auto first = dir.write("first.toml", "version = 1\n[scan]\non_missing = \"warn\"\n");
  auto stricter = dir.write("stricter.toml", "version = 1\n[scan]\non_missing = \"fail\"\n");
  BOOST_TEST(load_policies({first, stricter}, k_now).problems.empty());
  // max_days: a base without it allows any; once set, an extending file may only lower it.
  auto days = dir.write("days.toml", "version = 1\n[exceptions_policy]\nmax_days = 30\n");
  auto more = dir.write("more.toml", "version = 1\n[exceptions_policy]\nmax_days = 31\n");
  BOOST_TEST(load_policies({days, more}, k_now).problems.size() == 1u);
  BOOST_TEST(load_policies({more, days}, k_now).problems.empty());
}

BOOST_AUTO_TEST_SUITE_END()
