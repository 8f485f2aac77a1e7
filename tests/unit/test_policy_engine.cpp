#include "gate/hss/findings.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/report/report.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <tuple>

using namespace gate::policy;
using gate::hss::Lookup;
using gate::hss::Record;

namespace {

const TimePoint k_now = test::at("2026-11-27T12:00:00Z");

Policy policy_from(const std::string& text, TimePoint now = k_now) {
  test::TempDir dir;
  auto result = load_policies({dir.write("p.toml", "version = 1\n" + text)}, now);
  for (const auto& problem : result.problems) BOOST_TEST_MESSAGE(problem.str());
  BOOST_REQUIRE(result.problems.empty());
  return result.policy;
}

Lookup lookup_of(std::vector<Record> records) {
  Lookup lookup;
  lookup.query = test::query_for(test::clean_record());
  lookup.records = std::move(records);
  return lookup;
}

Outcome run(const Policy& policy, const Record& record, Context context = {std::nullopt, std::nullopt, k_now}) {
  return evaluate(policy, context, lookup_of({record}));
}

const RuleResult& result_of(const Outcome& outcome, const std::string& rule, std::size_t image = 0) {
  for (const auto& result : outcome.images.at(image).results) {
    if (result.rule == rule) return result;
  }
  throw std::runtime_error("no result for rule " + rule);
}

RuleStatus status_of(const std::string& rule_text, const Record& record, TimePoint now = k_now) {
  auto outcome = run(policy_from("[rules.r]\n" + rule_text), record, {std::nullopt, std::nullopt, now});
  return result_of(outcome, "r").status;
}

gate::hss::FindingRecord vulnerability(std::vector<std::pair<std::string_view, std::string>> members) {
  gate::hss::FindingRecord record;
  for (const auto& spec : gate::hss::endpoint_for((*gate::hss::finding_kind_named("vulnerabilities"))).fields) {
    gate::hss::FieldValue value;
    for (const auto& [name, text] : members) {
      if (name == spec.name) value = text;
    }
    record.fields.emplace_back(spec.name, value);
  }
  return record;
}

} // namespace

BOOST_AUTO_TEST_SUITE(policy_engine)

// Names with a quote, glob characters, a bracket and a newline: the suggested exception, pasted
// into the policy, loads and waives exactly the finding and image it was suggested for.
BOOST_AUTO_TEST_CASE(the_suggested_exception_waives_exactly_one_finding_of_one_image_whatever_the_names) {
  Record image = test::clean_record();
  image.image_name = "we\"b*]\nx";
  Record lookalike = image; // what the names would match if their '*' stayed a glob
  lookalike.image_id = "id-2";
  lookalike.image_name = "we\"bZZ]\nx";
  auto tricky = vulnerability({{"vul_id", "V-1"}, {"app_name", "lib\"*]\n?"}});
  auto other = vulnerability({{"vul_id", "V-1"}, {"app_name", "lib\"xx]\nq"}});
  gate::hss::RunFindings findings;
  for (const auto* record : {&image, &lookalike}) {
    findings.images[record->image_id].lists.emplace_back((*gate::hss::finding_kind_named("vulnerabilities")), std::vector{tricky, other});
  }
  Lookup lookup = lookup_of({image, lookalike});
  const std::string rule = "[rules.v]\nfindings = \"vulnerabilities\"\nmax = 1\n";
  Context context{std::nullopt, std::nullopt, k_now};
  Outcome first = evaluate(policy_from(rule), context, {{lookup, std::nullopt}}, findings);
  const RuleResult& failed = result_of(first, "v");
  BOOST_REQUIRE(failed.status == RuleStatus::fail);
  std::string shown = gate::report::waiver_hint(first.images.at(0), failed);
  BOOST_TEST(shown.find('\n') == std::string::npos); // one line on the console, whatever the names

  std::string entry;
  for (const auto& line : failed.exception_hint) entry += line + "\n";
  Outcome second = evaluate(policy_from(rule + "[[exceptions]]\n" + entry + "expires = 2027-01-01\nreason = \"r\"\n"),
                            context, {{lookup, std::nullopt}}, findings);
  const RuleResult& waived = result_of(second, "v", 0);
  BOOST_TEST(waived.findings.at(0).waived);
  BOOST_TEST(!waived.findings.at(1).waived);
  BOOST_TEST((waived.status == RuleStatus::excepted && waived.waived_by == WaivedBy::findings));
  const RuleResult& untouched = result_of(second, "v", 1);
  BOOST_TEST(!untouched.findings.at(0).waived);
  BOOST_TEST(!untouched.findings.at(1).waived);
  BOOST_TEST(untouched.status == RuleStatus::fail);
}

// Found by the invariant review: the hint named only cicd_name and image_name, so pasted it also
// waived a same-named image of another namespace, and every image of the cicd_name when the
// image had no image_name. Now every name is written, an absent one as "".
BOOST_AUTO_TEST_CASE(the_suggested_rule_exception_waives_that_image_and_no_other_of_the_same_cicd_name) {
  Record mine = test::clean_record();
  mine.vul_num = 3;
  Record other_namespace = mine;
  other_namespace.image_id = "id-2";
  other_namespace.namespace_name = "other-team";
  Record nameless = mine;
  nameless.image_id = "id-3";
  nameless.image_name.reset();
  nameless.namespace_name.reset();
  const std::string rule = "[rules.v]\nfield = \"vul_num\"\nmax = 0\n";
  Context context{std::nullopt, std::nullopt, k_now};
  for (std::size_t chosen : {0u, 2u}) {
    Lookup lookup = lookup_of({mine, other_namespace, nameless});
    Outcome first = evaluate(policy_from(rule), context, {{lookup, std::nullopt}}, {});
    std::string entry;
    for (const auto& line : result_of(first, "v", chosen).exception_hint) entry += line + "\n";
    Outcome second = evaluate(policy_from(rule + "[[exceptions]]\n" + entry + "expires = 2027-01-01\nreason = \"r\"\n"),
                              context, {{lookup, std::nullopt}}, {});
    for (std::size_t image = 0; image < 3; ++image) {
      BOOST_TEST((result_of(second, "v", image).status == (image == chosen ? RuleStatus::excepted : RuleStatus::fail)),
                 "hint of image " << chosen << " on image " << image << ":\n" << entry);
    }
  }
}

// The plan (which lists to fetch) and the verdict ask the same functions: an exception that
// expires at the very second of evaluation is active in both, and a second later in neither.
BOOST_AUTO_TEST_CASE(the_plan_and_the_verdict_agree_on_when_and_expiry) {
  Policy policy = policy_from("[rules.v]\nfindings = \"vulnerabilities\"\n[rules.main]\nfindings = \"malware\"\n"
                              "when.branch = [\"main\"]\n[[exceptions]]\nrules = [\"v\"]\n"
                              "finding = { cve_id = \"CVE-1\" }\nexpires = 2027-01-01\nreason = \"r\"\n");
  TimePoint expires = policy.exceptions.at(0).expires;
  Record image = test::clean_record();
  gate::hss::RunFindings findings;
  findings.images[image.image_id].lists.emplace_back((*gate::hss::finding_kind_named("vulnerabilities")),
                                                     std::vector{vulnerability({{"vul_id", "V-1"}})});
  findings.images[image.image_id].lists.emplace_back((*gate::hss::finding_kind_named("malware")), std::vector<gate::hss::FindingRecord>{});
  gate::hss::FindingRecord cve;
  for (const auto& spec : gate::hss::cve_endpoint().fields) {
    gate::hss::FieldValue value;
    if (spec.name == "cve_id") value = std::string("CVE-1");
    cve.fields.emplace_back(spec.name, value);
  }
  findings.cves["V-1"] = {cve};
  for (TimePoint now : {expires, expires + std::chrono::seconds(1)}) {
    for (std::optional<std::string> branch : {std::optional<std::string>("main"), std::optional<std::string>("dev")}) {
      Context context{branch, std::nullopt, now};
      auto plan = plan_findings(policy, context);
      Outcome outcome = evaluate(policy, context, {{lookup_of({image}), std::nullopt}}, findings);
      bool plan_wants_cves = static_cast<bool>(plan.wants_cves);
      bool waived = result_of(outcome, "v").findings.at(0).waived;
      BOOST_TEST(plan_wants_cves == waived);
      BOOST_TEST(waived == (now == expires));
      bool planned = std::find(plan.kinds.begin(), plan.kinds.end(), (*gate::hss::finding_kind_named("malware"))) != plan.kinds.end();
      BOOST_TEST(planned == (result_of(outcome, "main").status != RuleStatus::not_applicable));
      BOOST_TEST(planned == (branch == "main"));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_operator_on_every_kind_of_field) {
  Record r = test::clean_record();
  r.vul_num = 50;
  r.severity_level = "Medium";
  r.image_size = 512 * 1024 * 1024;
  struct Case {
    std::string rule;
    RuleStatus expected;
  };
  const std::vector<Case> cases{
      {"field = \"vul_num\"\nmax = 50", RuleStatus::pass},
      {"field = \"vul_num\"\nmax = 49", RuleStatus::fail},
      {"field = \"vul_num\"\nmin = 50", RuleStatus::pass},
      {"field = \"vul_num\"\nmin = 51", RuleStatus::fail},
      {"field = \"malicious_file_num\"\nmax = 0", RuleStatus::pass},
      {"field = \"unsafe_setting_num\"\nmin = 1", RuleStatus::fail},
      {"field = \"image_size\"\nmax = \"512MiB\"", RuleStatus::pass},
      {"field = \"image_size\"\nmax = \"500MB\"", RuleStatus::fail},
      {"field = \"image_size\"\nmin = 1", RuleStatus::pass},
      {"field = \"severity_level\"\nmax = \"Medium\"", RuleStatus::pass},
      {"field = \"severity_level\"\nmax = \"Low\"", RuleStatus::fail},
      {"field = \"severity_level\"\nmin = \"High\"", RuleStatus::fail},
      {"field = \"severity_level\"\nin = [\"Security\", \"Medium\"]", RuleStatus::pass},
      {"field = \"severity_level\"\nin = [\"Security\"]", RuleStatus::fail},
      {"field = \"scan_status\"\nin = [\"success\"]", RuleStatus::pass},
      {"field = \"registry_name\"\nin = [\"sw*\"]", RuleStatus::pass},
      {"field = \"registry_name\"\nnot_in = [\"sw?\"]", RuleStatus::fail},
      {"field = \"image_digest\"\nnot_in = [\"sha256:b*\"]", RuleStatus::pass},
      {"field = \"pipeline_type\"\nin = [\"codearts\"]", RuleStatus::fail},
      {"field = \"namespace\"\nin = [\"team\"]", RuleStatus::pass},
      {"field = \"image_name\"\nnot_in = [\"web\"]", RuleStatus::fail},
      {"field = \"image_version\"\nnot_in = [\"*-SNAPSHOT\"]", RuleStatus::pass},
      {"field = \"cicd_name\"\nin = [\"shop\"]", RuleStatus::pass},
      // The clean record has no scan_failed_code: a missing value satisfies no `in`, not even "".
      {"field = \"scan_failed_code\"\nin = [\"\"]", RuleStatus::fail},
      {"field = \"scan_failed_code\"\nnot_in = [\"x\"]", RuleStatus::fail},
      {"field = \"latest_version\"\nequals = true", RuleStatus::pass},
      {"field = \"latest_version\"\nequals = false", RuleStatus::fail},
      {"field = \"latest_scan_time\"\nmax_age = \"8d\"", RuleStatus::pass},
      {"field = \"latest_scan_time\"\nmax_age = \"6d\"", RuleStatus::fail},
      {"field = \"latest_update_time\"\nmax_age = \"30d\"", RuleStatus::pass},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.rule) { BOOST_TEST(name_of(status_of(c.rule, r)) == name_of(c.expected)); }
  }
}

BOOST_AUTO_TEST_CASE(a_failure_carries_field_actual_limit_and_message) {
  Record r = test::clean_record();
  r.vul_num = 111;
  auto outcome = run(policy_from("[rules.vuln-budget]\nfield = \"vul_num\"\nmax = 50\nmessage = \"patch\"\n"), r);
  const auto& result = result_of(outcome, "vuln-budget");
  BOOST_TEST(name_of(result.status) == "fail");
  BOOST_TEST(result.field == "vul_num");
  BOOST_TEST(std::get<std::int64_t>(result.actual) == 111);
  BOOST_TEST(std::get<std::int64_t>(result.limit) == 50);
  BOOST_TEST(result.op == "max");
  BOOST_TEST(result.message == "patch");
  BOOST_TEST(result.detail == "vul_num is 111, above max 50");
  BOOST_TEST(name_of(outcome.decision) == "fail");
  BOOST_TEST(outcome.exit_code() == 1);
}

BOOST_AUTO_TEST_CASE(a_field_missing_from_the_record_fails_closed) {
  Record r = test::clean_record();
  r.vul_num.reset();
  BOOST_TEST(name_of(status_of("field = \"vul_num\"\nmax = 1000", r)) == "fail");
  r.severity_level.reset();
  BOOST_TEST(name_of(status_of("field = \"severity_level\"\nmax = \"High\"", r)) == "fail");
}

BOOST_AUTO_TEST_CASE(scan_states_map_through_the_scan_settings) {
  struct Case {
    std::string status;
    std::string settings;
    Decision decision;
  };
  const std::vector<Case> cases{
      {"scanning", "", Decision::no_verdict},
      {"unscan", "on_pending = \"warn\"", Decision::warn},
      {"waiting_for_scan", "on_pending = \"pass\"", Decision::pass},
      {"failed", "", Decision::no_verdict},
      {"download_failed", "on_failed = \"warn\"", Decision::warn},
      {"image_oversized", "on_failed = \"pass\"", Decision::pass},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.status << " " << c.settings) {
      Record r = test::clean_record();
      r.scan_status = c.status;
      r.vul_num = 999; // not evaluated: rules run only on a successful scan
      auto outcome = run(policy_from("[scan]\n" + c.settings + "\n[rules.v]\nfield = \"vul_num\"\nmax = 0\n"), r);
      BOOST_TEST(name_of(outcome.decision) == name_of(c.decision));
      BOOST_TEST(name_of(result_of(outcome, "v").status) == "not_applicable");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_failed_scan_shows_its_code_and_description) {
  Record r = test::clean_record();
  r.scan_status = "failed";
  r.scan_failed_code = "failed_to_scan_vulnerability";
  r.scan_failed_desc = "Vulnerability scan failed.";
  auto outcome = run(policy_from(""), r);
  const auto& state = result_of(outcome, "scan-status");
  BOOST_TEST(state.detail.find("failed_to_scan_vulnerability") != std::string::npos);
  BOOST_TEST(state.detail.find("Vulnerability scan failed.") != std::string::npos);
  BOOST_TEST(outcome.exit_code() == 4);
}

BOOST_AUTO_TEST_CASE(a_missing_image_is_reported_through_scan_status) {
  Lookup empty = lookup_of({});
  auto outcome = evaluate(policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 0\n"), {std::nullopt, std::nullopt, k_now}, empty);
  BOOST_REQUIRE(outcome.images.size() == 1u);
  BOOST_TEST(!outcome.images[0].record);
  BOOST_TEST(result_of(outcome, "scan-status").detail.find("no image with cicd_name \"shop\"") != std::string::npos);
  BOOST_TEST(outcome.exit_code() == 4);
  auto warned = evaluate(policy_from("[scan]\non_missing = \"warn\"\n"), {std::nullopt, std::nullopt, k_now}, empty);
  BOOST_TEST(name_of(warned.decision) == "warn");
  BOOST_TEST(warned.exit_code() == 0);
}

// What app says when an unwritten file alone withholds a pass: the code with every file written,
// computed without copying the outcome and its findings.
BOOST_AUTO_TEST_CASE(exit_code_if_written_ignores_only_the_unwritten_files) {
  Outcome outcome;
  outcome.unwritten.push_back("--json r.json: disk full");
  const std::vector<std::tuple<Decision, bool, int, int>> cases{
      {Decision::pass, false, 3, 0},       {Decision::warn, false, 3, 0}, {Decision::fail, false, 1, 1},
      {Decision::no_verdict, false, 4, 4}, {Decision::error, true, 3, 0}, {Decision::error, false, 3, 3}};
  for (auto [decision, ignored, written, if_written] : cases) {
    outcome.decision = decision;
    outcome.error_ignored = ignored;
    BOOST_TEST(outcome.exit_code() == written);
    BOOST_TEST(outcome.exit_code_if_written() == if_written);
    BOOST_TEST(outcome.unwritten.size() == 1u);
  }
}

BOOST_AUTO_TEST_CASE(a_stale_digest_is_pending_and_names_both_digests) {
  Lookup lookup = lookup_of({});
  lookup.query.image_digest = "sha256:new";
  lookup.stale_digest.push_back(test::clean_record());
  auto outcome = evaluate(policy_from(""), {std::nullopt, std::nullopt, k_now}, lookup);
  const auto& state = result_of(outcome, "scan-status");
  BOOST_TEST(state.detail.find("sha256:new") != std::string::npos);
  BOOST_TEST(state.detail.find("sha256:aaaa") != std::string::npos);
  BOOST_TEST(outcome.exit_code() == 4);
}

BOOST_AUTO_TEST_CASE(scan_age_and_scan_current_are_fail_level_rules) {
  Record r = test::clean_record(); // scanned 2026-11-20T10:05, now 2026-11-27T12:00
  BOOST_TEST(name_of(result_of(run(policy_from("[scan]\nmax_age = \"7d\"\n"), r), "scan-age").status) == "fail");
  BOOST_TEST(name_of(result_of(run(policy_from("[scan]\nmax_age = \"8d\"\n"), r), "scan-age").status) == "pass");
  // Exactly at max_age passes.
  auto exact = run(policy_from("[scan]\nmax_age = \"7d\"\n"), r, {std::nullopt, std::nullopt, test::at("2026-11-27T10:05:00Z")});
  BOOST_TEST(name_of(result_of(exact, "scan-age").status) == "pass");

  BOOST_TEST(name_of(result_of(run(policy_from("[scan]\nrequire_current = true\n"), r), "scan-current").status) == "pass");
  r.latest_update_time = *r.latest_scan_time + 1;
  auto stale = run(policy_from("[scan]\nrequire_current = true\n"), r);
  BOOST_TEST(name_of(result_of(stale, "scan-current").status) == "fail");
  BOOST_TEST(stale.exit_code() == 1);
}

BOOST_AUTO_TEST_CASE(warn_level_rules_warn_and_never_block) {
  Record r = test::clean_record();
  r.vul_num = 5;
  auto outcome = run(policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\nlevel = \"warn\"\n"), r);
  BOOST_TEST(name_of(result_of(outcome, "v").status) == "warn");
  BOOST_TEST(name_of(outcome.decision) == "warn");
  BOOST_TEST(outcome.exit_code() == 0);
}

BOOST_AUTO_TEST_CASE(fail_from_warns_before_its_day_and_fails_from_it) {
  Record r = test::clean_record();
  r.vul_num = 5;
  std::string rule = "field = \"vul_num\"\nmax = 1\nlevel = \"warn\"\nfail_from = 2026-11-27";
  BOOST_TEST(name_of(status_of(rule, r, test::at("2026-11-26T23:59:59Z"))) == "warn");
  BOOST_TEST(name_of(status_of(rule, r, test::at("2026-11-27T00:00:00Z"))) == "fail");
  BOOST_TEST(name_of(status_of(rule, r, test::at("2027-01-01T00:00:00Z"))) == "fail");
}

BOOST_AUTO_TEST_CASE(when_conditions_match_branch_and_environment_globs) {
  Record r = test::clean_record();
  r.vul_num = 5;
  Policy policy = policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\nwhen = { branch = [\"main\", \"release/*\"], "
                              "environment = [\"prod\"] }\n");
  auto on = [&](std::optional<std::string> branch, std::optional<std::string> env) {
    return run(policy, r, {branch, env, k_now});
  };
  BOOST_TEST(name_of(result_of(on("release/2.0", "prod"), "v").status) == "fail");
  BOOST_TEST(name_of(result_of(on("feature/x", "prod"), "v").status) == "not_applicable");
  BOOST_TEST(name_of(result_of(on("main", "staging"), "v").status) == "not_applicable");
  auto unknown = on(std::nullopt, "prod");
  BOOST_TEST(name_of(result_of(unknown, "v").status) == "not_applicable");
  BOOST_REQUIRE(!unknown.warnings.empty());
  BOOST_TEST(unknown.warnings[0].find("no branch is known") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(exceptions_waive_matching_failures_until_they_expire) {
  Record r = test::clean_record();
  r.vul_num = 5;
  std::string text = "[rules.v]\nfield = \"vul_num\"\nmax = 1\n[[exceptions]]\nrules = [\"v\"]\ncicd_name = \"sh*\"\n"
                     "expires = 2026-11-27\nreason = \"SEC-9\"\nowner = \"ops\"\n";
  Policy policy = policy_from(text);
  // Expiring today: still valid until the end of the day.
  auto today = run(policy, r, {std::nullopt, std::nullopt, test::at("2026-11-27T23:59:59Z")});
  const auto& waived = result_of(today, "v");
  BOOST_TEST(name_of(waived.status) == "excepted");
  BOOST_TEST(waived.waiver->reason == "SEC-9");
  BOOST_TEST(waived.waiver->owner == "ops");
  BOOST_TEST(waived.waiver->expires == "2026-11-27T23:59:59Z");
  BOOST_TEST(today.exit_code() == 0);

  auto expired = run(policy, r, {std::nullopt, std::nullopt, test::at("2026-11-28T00:00:00Z")});
  BOOST_TEST(name_of(result_of(expired, "v").status) == "fail");
  BOOST_REQUIRE(expired.warnings.size() == 1u);
  BOOST_TEST(expired.warnings[0].find("expired on 2026-11-27") != std::string::npos);

  Record other = r;
  other.cicd_name = "web";
  Lookup lookup = lookup_of({other});
  lookup.query.cicd_name = "web";
  auto elsewhere = evaluate(policy, {std::nullopt, std::nullopt, k_now}, lookup);
  BOOST_TEST(name_of(result_of(elsewhere, "v").status) == "fail");
}

BOOST_AUTO_TEST_CASE(exceptions_cover_built_in_and_warn_rules_and_wildcards) {
  Record r = test::clean_record();
  r.scan_status = "scanning";
  auto pending = run(policy_from("[[exceptions]]\nrules = [\"scan-status\"]\nexpires = 2027-01-01\nreason = \"x\"\n"), r);
  BOOST_TEST(name_of(result_of(pending, "scan-status").status) == "excepted");
  BOOST_TEST(pending.exit_code() == 0);

  Record w = test::clean_record();
  w.vul_num = 3;
  auto warned = run(policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\nlevel = \"warn\"\n[[exceptions]]\n"
                                "rules = [\"*\"]\nimage_name = \"we?\"\nexpires = 2027-01-01\nreason = \"x\"\n"),
                    w);
  BOOST_TEST(name_of(result_of(warned, "v").status) == "excepted");
  BOOST_TEST(name_of(warned.decision) == "pass");
}

BOOST_AUTO_TEST_CASE(unused_and_soon_expiring_exceptions_are_warnings) {
  Record r = test::clean_record();
  auto outcome = run(policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\n[exceptions_policy]\nwarn_days = 14\n"
                                 "[[exceptions]]\nrules = [\"v\"]\nexpires = 2026-12-01\nreason = \"x\"\n"),
                     r);
  BOOST_REQUIRE(outcome.warnings.size() == 2u);
  BOOST_TEST(outcome.warnings[0].find("expires on 2026-12-01 (in 4 days)") != std::string::npos);
  BOOST_TEST(outcome.warnings[1].find("waived no failure in this run") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_exceptions_for_evaluated_images_are_reported_unused) {
  // One exception per image, each at its own line (5, 10, 15, 20): web is evaluated, gone is not
  // found, cron is still scanning and broken could not be read.
  std::string exceptions;
  for (const char* name : {"web", "gone", "cron", "broken"}) {
    exceptions += fmt::format("[[exceptions]]\nrules = [\"v\"]\nimage_name = \"{}\"\nexpires = 2027-01-01\n"
                              "reason = \"x\"\n",
                              name);
  }
  Policy policy = policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\n" + exceptions);
  Record web = test::clean_record();
  Record cron = test::clean_record();
  cron.image_name = "cron";
  cron.scan_status = "scanning";
  auto query_named = [](const char* name) {
    Lookup lookup = lookup_of({});
    lookup.query.image_name = name;
    return lookup;
  };
  Lookup pending = query_named("cron");
  pending.records = {cron};
  std::vector<gate::hss::ImageLookup> lookups{{lookup_of({web}), std::nullopt},
                                              {query_named("gone"), std::nullopt},
                                              {pending, std::nullopt},
                                              {query_named("broken"), std::string("HSS request failed: 500")}};
  Outcome outcome = evaluate(policy, {std::nullopt, std::nullopt, k_now}, lookups, {});
  BOOST_REQUIRE_EQUAL(outcome.images.size(), 4u);
  std::vector<std::string> unused;
  for (const auto& warning : outcome.warnings) {
    if (warning.find("waived no failure") != std::string::npos) unused.push_back(warning);
  }
  BOOST_REQUIRE_EQUAL(unused.size(), 1u);
  BOOST_TEST(unused[0].find("p.toml:5)") != std::string::npos, unused[0]);
}

BOOST_AUTO_TEST_CASE(the_worst_image_decides_the_run) {
  Record passing = test::clean_record();
  Record failing = test::clean_record();
  failing.image_name = "worker";
  failing.vul_num = 9;
  Record pending = test::clean_record();
  pending.image_name = "cron";
  pending.scan_status = "scanning";
  Policy policy = policy_from("[rules.v]\nfield = \"vul_num\"\nmax = 1\n");
  Context context{std::nullopt, std::nullopt, k_now};
  BOOST_TEST(evaluate(policy, context, lookup_of({passing, pending})).exit_code() == 4);
  BOOST_TEST(evaluate(policy, context, lookup_of({passing, pending, failing})).exit_code() == 1);
  BOOST_TEST(evaluate(policy, context, lookup_of({passing, passing})).exit_code() == 0);
}

// A time stamp from the future would make any scan look fresh: it fails max_age instead.
BOOST_AUTO_TEST_CASE(a_time_stamp_in_the_future_never_proves_a_fresh_scan) {
  Record r = test::clean_record();
  r.latest_scan_time = test::ms("2026-11-27T12:06:00Z"); // six minutes ahead of k_now
  auto outcome = run(policy_from("[scan]\nmax_age = \"1d\"\n[rules.fresh]\nfield = \"latest_scan_time\"\n"
                                 "max_age = \"1d\"\n"),
                     r);
  for (const char* rule : {"fresh", "scan-age"}) {
    const auto& result = result_of(outcome, rule);
    BOOST_TEST(name_of(result.status) == "fail");
    BOOST_TEST(result.detail.find("6m in the future") != std::string::npos);
  }
  r.latest_scan_time = test::ms("2026-11-27T12:04:00Z"); // within the allowed clock skew
  BOOST_TEST(name_of(status_of("field = \"latest_scan_time\"\nmax_age = \"1d\"", r)) == "pass");
}

// Matching sees the whole value: a NUL byte does not end it early.
BOOST_AUTO_TEST_CASE(matching_uses_the_whole_value_nul_bytes_included) {
  Record r = test::clean_record();
  r.registry_name = std::string("swr\0evil", 8);
  BOOST_TEST(name_of(status_of("field = \"registry_name\"\nin = [\"swr\"]", r)) == "fail");
  BOOST_TEST(name_of(status_of("field = \"registry_name\"\nnot_in = [\"*evil\"]", r)) == "fail");
  BOOST_TEST(glob_match("swr*", std::string("swr\0evil", 8)));
  BOOST_TEST(!glob_match("swr", std::string("swr\0evil", 8)));
}

// A set that never closes is literal text, negated or not: "CVE-[!0" waives no CVE-9.
BOOST_AUTO_TEST_CASE(an_unfinished_set_is_literal_text_negated_or_not) {
  for (std::string_view pattern : {"CVE-[!0", "CVE-[0", "[!", "[", "a[!", "x[!a"}) {
    BOOST_TEST(glob_match(pattern, pattern), pattern);
    for (std::string_view other : {"CVE-9", "CVE-0", "a", "x", "ab", "x]"}) {
      BOOST_TEST(!glob_match(pattern, other), pattern << " matched " << other);
    }
  }
  BOOST_TEST(glob_match("CVE-[!0]", "CVE-9"));
  BOOST_TEST(!glob_match("CVE-[!0]", "CVE-0"));
}

// Missing text never satisfies in or not_in; a missing boolean never satisfies equals.
BOOST_AUTO_TEST_CASE(missing_values_satisfy_no_condition) {
  Record r = test::clean_record();
  r.registry_name.reset();
  r.latest_version.reset();
  BOOST_TEST(name_of(status_of("field = \"registry_name\"\nin = [\"*\"]", r)) == "fail");
  BOOST_TEST(name_of(status_of("field = \"registry_name\"\nnot_in = [\"docker-hub*\"]", r)) == "fail");
  BOOST_TEST(name_of(status_of("field = \"latest_version\"\nequals = false", r)) == "fail");
  BOOST_TEST(result_of(run(policy_from("[rules.r]\nfield = \"registry_name\"\nin = [\"*\"]\n"), r), "r").detail ==
             "registry_name is missing from the HSS record, so the rule cannot pass");
}

// --compare-with: the evaluator against a comparison, without any I/O.
namespace {

gate::hss::ImageLookup compared_lookup(const Record& image, std::optional<Record> compared, const Policy& policy,
                                       std::vector<gate::hss::FindingRecord> compared_vulnerabilities = {}) {
  gate::hss::ImageLookup lookup{lookup_of({image}), std::nullopt};
  gate::hss::Comparison comparison;
  comparison.query = lookup.lookup.query;
  comparison.query.image_version = "0.9.0";
  comparison.from = "HSS";
  comparison.kinds = plan_compared_findings(policy, {std::nullopt, std::nullopt, k_now}).kinds;
  if (compared) {
    comparison.record = *compared;
    auto kind = *gate::hss::finding_kind_named("vulnerabilities");
    auto& identities = comparison.identities[kind];
    for (const auto& finding : compared_vulnerabilities) {
      if (auto identity = gate::hss::identity_of(kind, finding)) identities.insert(*identity);
    }
  } else {
    comparison.unavailable = "HSS holds no image with those names";
  }
  lookup.comparison = std::move(comparison);
  return lookup;
}

} // namespace

BOOST_AUTO_TEST_CASE(max_increase_measures_from_the_image_compared_with_and_from_0_without_it) {
  Record image = test::clean_record();
  image.vul_num = 12;
  Record old = image;
  old.vul_num = 10;
  struct Case {
    std::int64_t allowed;
    std::optional<Record> compared;
    const char* expected;
    const char* said;
  };
  const std::vector<Case> cases{
      {2, old, "pass", "within max_increase 2 over 10 in 0.9.0"},
      {1, old, "fail", "beyond max_increase 1 over 10 in 0.9.0"},
      {11, std::nullopt, "fail", "unavailable (HSS holds no image with those names), so the compared value is taken as 0"},
      {12, std::nullopt, "pass", "taken as 0"},
  };
  for (const auto& c : cases) {
    Policy policy = policy_from(fmt::format("[rules.growth]\nfield = \"vul_num\"\nmax_increase = {}\n", c.allowed));
    auto outcome = evaluate(policy, {std::nullopt, std::nullopt, k_now}, {compared_lookup(image, c.compared, policy)});
    const auto& result = result_of(outcome, "growth");
    BOOST_TEST_CONTEXT(c.allowed << " " << c.said) {
      BOOST_TEST(name_of(result.status) == c.expected);
      BOOST_TEST(result.detail.find(c.said) != std::string::npos, result.detail);
    }
  }
  // No comparison at all: the same fail-closed reading.
  auto outcome = run(policy_from("[rules.growth]\nfield = \"vul_num\"\nmax_increase = 11\n"), image);
  BOOST_TEST(name_of(result_of(outcome, "growth").status) == "fail");
  BOOST_TEST(result_of(outcome, "growth").detail.find("no --compare-with") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(new_only_counts_what_the_compared_image_lacks_by_identity_and_everything_when_unavailable) {
  Record image = test::clean_record();
  auto kept = vulnerability({{"vul_id", "V-1"}, {"app_name", "openssl"}, {"version", "1.1"}});
  auto bumped = vulnerability({{"vul_id", "V-1"}, {"app_name", "openssl"}, {"version", "1.2"}});
  auto moved = vulnerability({{"vul_id", "V-1"}, {"app_name", "node"}});
  auto nameless = vulnerability({{"vul_id", "V-2"}});
  // Values that would join alike if identities were joined naively.
  auto joined_a = vulnerability({{"vul_id", "V-3|x"}, {"app_name", "y"}});
  auto joined_b = vulnerability({{"vul_id", "V-3"}, {"app_name", "x|y"}});
  gate::hss::RunFindings findings;
  findings.images[image.image_id].lists.emplace_back(*gate::hss::finding_kind_named("vulnerabilities"),
                                                     std::vector{bumped, moved, nameless, joined_b});
  Policy policy = policy_from("[rules.new]\nfindings = \"vulnerabilities\"\nnew_only = true\nmax = 0\n");
  Context context{std::nullopt, std::nullopt, k_now};
  auto outcome = evaluate(policy, context, {compared_lookup(image, image, policy, {kept, nameless, joined_a})}, findings);
  const auto& result = result_of(outcome, "new");
  std::vector<bool> marks;
  for (const auto& finding : result.findings) marks.push_back(finding.is_new.value_or(false));
  // The same vul_id and package in another version is old; another package, a finding without
  // app_name and a lookalike are new.
  BOOST_TEST(marks == (std::vector<bool>{false, true, true, true}), fmt::format("{}", fmt::join(marks, ",")));
  BOOST_TEST(std::get<std::int64_t>(result.actual) == 3);
  BOOST_TEST(result.detail.find("3 new, 1 already in 0.9.0") != std::string::npos, result.detail);
  BOOST_TEST(outcome.images.at(0).compared_with.has_value());

  auto unavailable = evaluate(policy, context, {compared_lookup(image, std::nullopt, policy)}, findings);
  const auto& counted = result_of(unavailable, "new");
  BOOST_TEST(std::get<std::int64_t>(counted.actual) == 4);
  BOOST_TEST(counted.detail.find("unavailable to compare with") != std::string::npos, counted.detail);
  for (const auto& finding : counted.findings) BOOST_TEST((finding.is_new == std::optional<bool>(true)));
}

BOOST_AUTO_TEST_CASE(new_only_and_max_increase_may_not_loosen_an_inherited_rule) {
  test::TempDir dir;
  dir.write("base.toml", "version = 1\n[rules.v]\nfindings = \"vulnerabilities\"\nmax = 0\n"
                         "[rules.g]\nfield = \"vul_num\"\nmax_increase = 1\n");
  const std::vector<std::pair<std::string, std::string>> loosening{
      {"[rules.v]\nfindings = \"vulnerabilities\"\nnew_only = true\nmax = 0\n", "new_only"},
      {"[rules.g]\nfield = \"vul_num\"\nmax_increase = 2\n", "max_increase"},
      {"[rules.g]\nfield = \"vul_num\"\nmax = 100\n", "max_increase"},
  };
  for (const auto& [text, said] : loosening) {
    auto result = load_policies({dir.write("repo.toml", "version = 1\nextends = [\"base.toml\"]\n" + text)}, k_now);
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST_REQUIRE(!result.problems.empty());
      BOOST_TEST(result.problems.front().str().find(said) != std::string::npos, result.problems.front().str());
    }
  }
  auto tighter = load_policies({dir.write("repo.toml", "version = 1\nextends = [\"base.toml\"]\n[rules.g]\nfield = "
                                                       "\"vul_num\"\nmax_increase = 0\n[rules.own]\nfindings = "
                                                       "\"malware\"\nnew_only = true\nmax = 0\n")},
                               k_now);
  BOOST_TEST(tighter.problems.empty());
}

BOOST_AUTO_TEST_SUITE_END()
