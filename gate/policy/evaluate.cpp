#include "gate/policy/evaluate.hpp"

#include "gate/policy/rule_checks.hpp"
#include "gate/policy/fields.hpp"
#include "gate/policy/loader.hpp"
#include "gate/policy/operators.hpp"
#include "gate/policy/state_hints.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace gate::policy {

namespace {

using namespace std::chrono;

class Evaluator {
public:
  Evaluator(const Policy& policy, const Context& context, const hss::RunFindings& findings)
    : m_policy(policy), m_context(context), m_findings(findings) {}

  Outcome run(const std::vector<hss::ImageLookup>& lookups) {
    Outcome outcome;
    outcome.policy_files = m_policy.files;
    outcome.rules = rule_infos(m_policy);
    for (const auto& image : lookups) {
      m_comparison = image.comparison ? &*image.comparison : nullptr;
      std::size_t before = outcome.images.size();
      if (image.error) {
        add_failed(image, outcome);
      } else {
        add_found(image.lookup, outcome.images);
      }
      if (!m_comparison) continue;
      for (std::size_t i = before; i < outcome.images.size(); ++i) outcome.images[i].compared_with = compared_with(*m_comparison);
    }
    m_comparison = nullptr;
    outcome.decision = combined_decision(outcome.images);
    add_warnings(outcome);
    return outcome;
  }

private:
  // Unavailable when the image is, or when a list the rules compare could not be read: reports
  // must not call a comparison whole that some rule could not use.
  static ComparedWith compared_with(const hss::Comparison& comparison) {
    ComparedWith compared{comparison.query, comparison.from, std::nullopt, comparison.unavailable};
    if (comparison.record) compared.image_digest = comparison.record->image_digest;
    for (auto kind : comparison.kinds) {
      if (compared.unavailable) break;
      if (auto why = comparison.unavailable_for(kind)) {
        compared.unavailable = fmt::format("its {} could not be read: {}", hss::name_of(kind), *why);
      }
    }
    return compared;
  }

  // The field's value in the image compared with, for max_increase.
  std::optional<ComparedValue> compared_value(const Rule& rule) const {
    if (!m_comparison) return std::nullopt;
    ComparedValue compared{m_comparison->name(), std::nullopt, m_comparison->unavailable};
    if (!compared.unavailable && m_comparison->record) {
      Value value = rule.field->read(*m_comparison->record);
      if (!std::holds_alternative<std::monostate>(value)) compared.value = std::move(value);
    }
    return compared;
  }

  void add_found(const hss::Lookup& lookup, std::vector<ImageResult>& images) {
    std::size_t before = images.size();
    if (lookup.no_verdict) {
      images.push_back(evaluate_refused(lookup));
      return;
    }
    for (const auto& record : lookup.records) {
      images.push_back(evaluate_record(record, lookup, false));
      if (hss::scan_state_of(record.scan_status) == hss::ScanState::success) note_exceptions_in_scope(images.back());
    }
    for (const auto& record : lookup.stale_digest) images.push_back(evaluate_record(record, lookup, true));
    if (images.size() == before) images.push_back(evaluate_missing(lookup));
    for (std::size_t i = before; i < images.size(); ++i) images[i].triggers = lookup.triggers;
  }

  // A request the gate made for the image (--trigger-scan) was refused or failed, or the image
  // cannot be scanned: no verdict, whatever [scan] and --on-error say, since nothing judged it.
  ImageResult evaluate_refused(const hss::Lookup& lookup) {
    ImageResult image;
    image.query = lookup.query;
    if (!lookup.records.empty()) image.record = lookup.records.front();
    else if (!lookup.stale_digest.empty()) image.record = lookup.stale_digest.front();
    RuleResult result = scan_status_result(image.record ? image.record->scan_status : "missing", *lookup.no_verdict);
    result.message = "no verdict: the image could not be scanned on request (--trigger-scan)";
    result.status = RuleStatus::fail;
    image.results.push_back(std::move(result));
    skip_rules(image, "not evaluated: the image could not be scanned on request");
    image.triggers = lookup.triggers;
    decide(image);
    return image;
  }

  // An exception can only be judged unused where the policy's rules ran: an exception for an
  // image that was missing, unscanned or unreadable in this run has had no chance to waive.
  void note_exceptions_in_scope(const ImageResult& image) {
    for (std::size_t i = 0; i < m_policy.exceptions.size(); ++i) {
      if (exception_scopes_image(m_policy.exceptions[i], image)) m_in_scope.insert(i);
    }
  }

  // HSS failed part-way. Records read before the failure can never pass an image, but those that
  // already fail the policy block it; the error is reported either way.
  void add_failed(const hss::ImageLookup& image, Outcome& outcome) {
    std::vector<ImageResult> seen;
    for (const auto& record : image.lookup.records) seen.push_back(evaluate_record(record, image.lookup, false));
    std::size_t blocking = 0;
    for (auto& result : seen) {
      if (result.decision != Decision::fail) continue;
      result.triggers = image.lookup.triggers;
      outcome.images.push_back(std::move(result));
      ++blocking;
    }
    if (blocking > 0) {
      m_notes.push_back(fmt::format("HSS failed part-way through the lookup of {}, but {} record{} read before the "
                                    "error already fail{} the policy: blocked",
                                    hss::describe_query(image.lookup.query), blocking, blocking == 1 ? "" : "s",
                                    blocking == 1 ? "s" : ""));
    }
    ImageResult failed;
    failed.query = image.lookup.query;
    failed.decision = Decision::error;
    failed.errors.push_back(*image.error);
    // What the gate asked of HSS before the failure is part of the record of the run.
    failed.triggers = image.lookup.triggers;
    outcome.images.push_back(std::move(failed));
  }


  std::string waited(const hss::Lookup& lookup, const char* form) const {
    return lookup.waited_seconds > 0 ? fmt::format(fmt::runtime(form), lookup.waited_seconds) : std::string();
  }

  ImageResult evaluate_missing(const hss::Lookup& lookup) {
    ImageResult image;
    image.query = lookup.query;
    std::string detail = fmt::format("no image with {} is known to HSS{}", hss::describe_query(lookup.query),
                                     waited(lookup, " (waited {:.0f}s)"));
    image.results.push_back(state_result(image, "missing", m_policy.scan.on_missing, "on_missing", detail));
    image.results.back().hint = no_verdict_hint(NoVerdict::missing, lookup.query, m_context.scope, lookup.waited_seconds);
    skip_rules(image, "not evaluated: the image was not found");
    decide(image);
    return image;
  }

  ImageResult evaluate_record(const hss::Record& record, const hss::Lookup& lookup, bool stale_digest) {
    ImageResult image;
    image.query = lookup.query;
    image.record = record;
    auto state = hss::scan_state_of(record.scan_status).value_or(hss::ScanState::failed);
    std::string after = waited(lookup, " after waiting {:.0f}s");

    if (stale_digest) {
      std::string detail = fmt::format("HSS holds tag {} with digest {}, not the expected {}: the new push is not "
                                       "scanned yet{}",
                                       record.image_version.value_or(""), record.image_digest.value_or("(none)"),
                                       lookup.query.image_digest.value_or(""), after);
      if (hss::source_spec(lookup.query.source).digest_required) {
        // A tag that still points at another image in HSS is never judged by [scan] on_pending.
        RuleResult result = scan_status_result("pending", detail);
        result.message = "no verdict: HSS has not listed the expected digest (on_pending does not apply)";
        result.status = RuleStatus::fail;
        image.results.push_back(std::move(result));
      } else {
        image.results.push_back(state_result(image, "pending", m_policy.scan.on_pending, "on_pending", detail));
      }
      image.results.back().hint =
          no_verdict_hint(NoVerdict::stale_digest, lookup.query, m_context.scope, lookup.waited_seconds);
      skip_rules(image, "not evaluated: the expected digest has no scan yet");
    } else if (state != hss::ScanState::pending && hss::scan_predates(lookup, record)) {
      std::string detail = fmt::format("the scan the gate asked for has not finished: the record's latest scan is "
                                       "older than the request{}",
                                       after);
      image.results.push_back(state_result(image, "scanning", m_policy.scan.on_pending, "on_pending", detail));
      image.results.back().hint = no_verdict_hint(NoVerdict::pending, lookup.query, m_context.scope, lookup.waited_seconds);
      skip_rules(image, "not evaluated: the requested scan is not finished");
    } else if (state == hss::ScanState::pending) {
      std::string detail = fmt::format("scan is not finished (scan_status {}){}", record.scan_status, after);
      image.results.push_back(state_result(image, record.scan_status, m_policy.scan.on_pending, "on_pending", detail));
      image.results.back().hint = no_verdict_hint(NoVerdict::pending, lookup.query, m_context.scope, lookup.waited_seconds);
      skip_rules(image, "not evaluated: the scan is not finished");
    } else if (state == hss::ScanState::failed) {
      std::string detail = fmt::format("scan ended with scan_status {}", record.scan_status);
      if (record.scan_failed_code && !record.scan_failed_code->empty()) {
        detail += fmt::format(", scan_failed_code {}", *record.scan_failed_code);
      }
      if (record.scan_failed_desc && !record.scan_failed_desc->empty()) detail += ": " + *record.scan_failed_desc;
      image.results.push_back(state_result(image, record.scan_status, m_policy.scan.on_failed, "on_failed", detail));
      image.results.back().hint = no_verdict_hint(NoVerdict::failed, lookup.query, m_context.scope, lookup.waited_seconds,
                                                  record.scan_failed_code);
      skip_rules(image, "not evaluated: the scan failed");
    } else {
      RuleResult ok = scan_status_result(record.scan_status, "scan finished successfully");
      image.results.push_back(std::move(ok));
      image.rules_ran = true;
      evaluate_rules(image);
      image.inventory = take_inventory(record, m_findings, m_context.inventory, m_comparison);
    }
    decide(image);
    return image;
  }

  static RuleResult scan_status_result(const std::string& actual, std::string detail) {
    RuleResult result;
    result.rule = k_rule_scan_status;
    result.field = "scan_status";
    result.actual = actual;
    result.limit = "success";
    result.op = "equals";
    result.detail = std::move(detail);
    return result;
  }

  RuleResult state_result(const ImageResult& image, const std::string& actual, const Setting<StateAction>& action,
                          const char* setting, const std::string& detail) {
    RuleResult result = scan_status_result(actual, detail);
    result.message = fmt::format("scan.{} = \"{}\" ({})", setting, name_of(action.value), action.origin);
    result.level = action.value == StateAction::warn ? Level::warn : Level::fail;
    if (action.value == StateAction::pass) {
      result.status = RuleStatus::pass;
    } else {
      settle(result, image, true);
    }
    return result;
  }

  void skip_rules(ImageResult& image, const std::string& why) {
    if (m_policy.scan.max_age) image.results.push_back(skipped(k_rule_scan_age, "latest_scan_time", why));
    if (m_policy.scan.require_current.value) {
      image.results.push_back(skipped(k_rule_scan_current, "latest_update_time", why));
    }
    for (const auto& rule : m_policy.rules) {
      auto result = skipped(rule.id, tested_name(rule), why);
      result.level = rule.level;
      result.source = rule.source.str();
      result.message = rule.message;
      image.results.push_back(std::move(result));
    }
  }

  // The field a rule tests, or the kind of findings it counts.
  static std::string tested_name(const Rule& rule) {
    return std::string(rule.findings ? hss::name_of(rule.findings->kind) : rule.field->name);
  }

  static RuleResult skipped(std::string_view id, std::string field, const std::string& why) {
    RuleResult result;
    result.rule = id;
    result.field = std::move(field);
    result.status = RuleStatus::not_applicable;
    result.detail = why;
    return result;
  }

  RuleResult scan_age_result(const ImageResult& image) {
    const hss::Record& record = *image.record;
    Duration max_age = m_policy.scan.max_age->value;
    RuleResult result;
    result.rule = k_rule_scan_age;
    result.field = "latest_scan_time";
    result.op = "max_age";
    result.limit = units::format_duration(max_age);
    result.source = m_policy.scan.max_age->origin;
    result.message = "Rescan the image in HSS, or rebuild and push it again";
    if (!record.latest_scan_time) {
      result.detail = "latest_scan_time is missing from the HSS record, so the scan age is unknown";
      settle(result, image, true);
      return result;
    }
    const FieldDef& field = *find_field("latest_scan_time");
    Verdict verdict = find_operator("max_age")->check(max_age, field, *record.latest_scan_time, CheckInput{m_context.now});
    result.actual = units::format_duration(age_of(*record.latest_scan_time, m_context.now));
    result.detail = fmt::format("last scanned {}: {}", time_text(*record.latest_scan_time), verdict.detail);
    settle(result, image, verdict.violated);
    return result;
  }

  RuleResult scan_current_result(const ImageResult& image) {
    const hss::Record& record = *image.record;
    RuleResult result;
    result.rule = k_rule_scan_current;
    result.field = "latest_update_time";
    result.op = "max";
    result.source = m_policy.scan.require_current.origin;
    result.message = "The tag changed after its last scan: rescan the image in HSS";
    if (!record.latest_update_time || !record.latest_scan_time) {
      result.detail = "latest_update_time or latest_scan_time is missing from the HSS record";
      settle(result, image, true);
      return result;
    }
    bool stale = *record.latest_update_time > *record.latest_scan_time;
    result.actual = time_text(*record.latest_update_time);
    result.limit = time_text(*record.latest_scan_time);
    result.detail = fmt::format("tag updated {}, last scanned {}{}", time_text(*record.latest_update_time),
                                time_text(*record.latest_scan_time), stale ? ": the scan is older than the tag" : "");
    settle(result, image, stale);
    return result;
  }

  void evaluate_rules(ImageResult& image) {
    if (m_policy.scan.max_age) image.results.push_back(scan_age_result(image));
    if (m_policy.scan.require_current.value) image.results.push_back(scan_current_result(image));
    for (const auto& rule : m_policy.rules) image.results.push_back(evaluate_rule(rule, image));
  }

  RuleResult evaluate_rule(const Rule& rule, ImageResult& image) {
    RuleResult result;
    result.rule = rule.id;
    result.field = tested_name(rule);
    result.message = rule.message;
    result.source = rule.source.str();
    result.level = rule.level;
    if (!applies(rule, result)) return result;

    Check check;
    if (rule.findings) {
      check = check_findings_rule(rule, image, result);
      if (!check.violated && !check.judged) return result;
    } else {
      std::optional<ComparedValue> compared = compared_value(rule);
      check = check_rule(rule, *image.record, CheckInput{m_context.now, compared ? &*compared : nullptr});
    }
    result.actual = check.actual;
    result.limit = check.limit;
    result.op = check.op;
    result.detail = check.detail;
    if (rule.level == Level::warn && rule.fail_from) {
      bool failing = m_context.now >= *rule.fail_from;
      std::string date = units::format_date(*rule.fail_from);
      result.level = failing ? Level::fail : Level::warn;
      if (check.violated) {
        result.detail += failing ? fmt::format(" (fails since fail_from {})", date)
                                 : fmt::format(" (warning until fail_from {}, fails from then)", date);
      }
    }
    settle(result, image, check.violated);
    if (check.waived_by && result.status != RuleStatus::excepted) {
      result.status = RuleStatus::excepted;
      result.waived_by = check.waived_how;
      result.waiver = check.waived_by;
    }
    return result;
  }

  // Counts the rule's findings. A list not read to the end is the image's error: matches read
  // that already exceed `max` still block, anything else is no verdict.
  Check check_findings_rule(const Rule& rule, ImageResult& image, RuleResult& result) {
    std::optional<VexWaivers> vex;
    bool vex_open = vex_may_waive(m_policy, rule) && !m_context.vex.empty();
    if (vex_open) vex.emplace(m_context.vex, image.record->image_digest, m_context.now);
    FindingsVerdict verdict = check_findings(rule, image, m_policy, m_context.now, m_findings, m_comparison, m_used,
                                             vex ? &*vex : nullptr, m_vex_used);
    // A document can be called unused only where a rule open to it judged a whole list.
    m_vex_judged = m_vex_judged || (vex_open && verdict.complete);
    m_vex_open_ran = m_vex_open_ran || vex_open;
    for (auto& error : verdict.errors) {
      if (std::find(image.errors.begin(), image.errors.end(), error) == image.errors.end()) image.errors.push_back(error);
    }
    result.findings_kind = hss::name_of(rule.findings->kind);
    result.findings = std::move(verdict.findings);
    result.finding_waiver_hint = std::move(verdict.hint);
    result.finding_waiver_twins = verdict.hint_twins;
    Check check{verdict.violated, verdict.complete, verdict.actual, rule.findings->max, "max", verdict.detail, {}};
    if (!check.violated && !check.judged) {
      result.status = RuleStatus::not_applicable;
      std::tie(result.actual, result.limit, result.op, result.detail) = std::tie(check.actual, check.limit, check.op, check.detail);
    } else if (!check.violated && verdict.waived > 0 && verdict.actual + verdict.waived > rule.findings->max) {
      check.waived_by = verdict.waiver; // within max only thanks to finding waivers
      check.waived_how = verdict.waived_by_vex == verdict.waived ? WaivedBy::vex : WaivedBy::findings;
    }
    return check;
  }

  bool applies(const Rule& rule, RuleResult& result) {
    std::vector<std::string> unmet = rule.when.unmet(m_context);
    if (unmet.empty()) return true;
    if (rule.when.branch && !m_context.branch) {
      m_missing_contexts.insert(fmt::format("rule '{}' has a when.branch condition, but no branch is known (pass "
                                            "--branch, or run where GITHUB_REF_NAME or CI_COMMIT_REF_NAME is set)",
                                            rule.id));
    }
    if (rule.when.environment && !m_context.environment) {
      m_missing_contexts.insert(fmt::format("rule '{}' has a when.environment condition, but no environment is known "
                                            "(pass --environment or set HSS_GATE_ENVIRONMENT)",
                                            rule.id));
    }
    result.status = RuleStatus::not_applicable;
    result.detail = fmt::format("not applicable: {}", fmt::join(unmet, "; "));
    return false;
  }

  // Turns a check into a status: pass, or a violation that an exception may waive.
  void settle(RuleResult& result, const ImageResult& image, bool violated) {
    if (!violated) {
      result.status = RuleStatus::pass;
      return;
    }
    for (std::size_t i = 0; i < m_policy.exceptions.size(); ++i) {
      const Exception& exception = m_policy.exceptions[i];
      if (!exception.finding.empty() || !exception_covers(exception, result.rule, image)) continue; // finding waivers count per finding
      if (!exception.active_at(m_context.now)) continue; // reported once, in add_warnings
      m_used.insert(i);
      result.status = RuleStatus::excepted;
      result.waived_by = WaivedBy::rule;
      result.waiver = waiver_record(exception);
      return;
    }
    result.status = result.level == Level::fail ? RuleStatus::fail : RuleStatus::warn;
  }

  // Decides the image, and gives each failing result a ready waiver, except scan-status: waiving
  // it would pass an image nobody judged, so its result carries a hint of what to check instead.
  static void decide(ImageResult& image) {
    for (auto& result : image.results) {
      if (result.status == RuleStatus::fail && result.rule != k_rule_scan_status) {
        result.exception_hint = exception_hint(image, result);
      }
    }
    image.decision = image.errors.empty() ? Decision::pass : Decision::error;
    for (const auto& result : image.results) {
      if (result.status == RuleStatus::fail) {
        image.decision =
            std::max(image.decision, result.rule == k_rule_scan_status ? Decision::no_verdict : Decision::fail);
      } else if (result.status == RuleStatus::warn) {
        image.decision = std::max(image.decision, Decision::warn);
      }
    }
  }

  void add_warnings(Outcome& outcome) {
    auto& warnings = outcome.warnings;
    for (const auto& missing : m_missing_contexts) warnings.push_back(missing);
    warnings.insert(warnings.end(), m_notes.begin(), m_notes.end());
    auto notices = expiry_notices(m_policy, m_context.now);
    for (std::size_t i = 0; i < m_policy.exceptions.size(); ++i) {
      const Exception& exception = m_policy.exceptions[i];
      auto notice = std::find_if(notices.begin(), notices.end(), [&](const ExpiryNotice& n) { return n.exception == &exception; });
      if (notice != notices.end()) {
        std::string date = units::format_date(exception.expires);
        std::string text = notice->expired ? fmt::format("{} expired on {} and waives nothing: renew it with a new "
                                                         "reason or fix the findings ({})",
                                                         exception.label(), date, exception.reason)
                                           : fmt::format("{} expires on {} (in {} day{})", exception.label(), date,
                                                         notice->days, notice->days == 1 ? "" : "s");
        warnings.push_back(text);
        outcome.expiry_warnings.push_back(text);
        if (notice->expired) continue;
      }
      if (!m_used.count(i) && m_in_scope.count(i)) {
        warnings.push_back(fmt::format("{} waived no failure in this run", exception.label()));
      }
    }
    add_vex_warnings(warnings, outcome);
  }

  // Like an unused exception: a VEX document can only be judged unused where rules it may
  // waive ran on an image.
  void add_vex_warnings(std::vector<std::string>& warnings, const Outcome& outcome) const {
    const auto& documents = m_context.vex;
    if (documents.empty()) return;
    if (!m_policy.vex.allow.value) {
      std::vector<std::string> paths;
      for (const auto& document : documents) paths.push_back(document.path);
      warnings.push_back(fmt::format("--vex: the policy does not allow VEX ([vex] allow is false, {}), so {} waive{} "
                                     "nothing; add [vex] allow = true to let {} waive",
                                     m_policy.vex.allow.origin == k_built_in ? "the default"
                                                                              : "set by " + m_policy.vex.allow.origin,
                                     fmt::join(paths, ", "), documents.size() == 1 ? "s" : "",
                                     documents.size() == 1 ? "it" : "them"));
      return;
    }
    bool evaluated = std::any_of(outcome.images.begin(), outcome.images.end(),
                                 [](const ImageResult& image) { return image.rules_ran; });
    if (!evaluated) return;
    if (!m_vex_open_ran) {
      warnings.push_back(fmt::format("--vex: no rule that VEX may waive (a findings rule on vulnerabilities without "
                                     "vex = false) judged an image, so the documents waived nothing"));
      return;
    }
    if (!m_vex_judged) return; // every list VEX could waive in was incomplete: the errors say why
    for (std::size_t i = 0; i < documents.size(); ++i) {
      if (m_vex_used.count(i)) continue;
      warnings.push_back(fmt::format("the VEX document {} ({}) waived no finding of the images evaluated: check its "
                                     "product identifiers (each image by digest, pkg:oci/NAME@sha256%3AHEX) and "
                                     "its statuses",
                                     documents[i].path, documents[i].format));
    }
  }

  const Policy& m_policy;
  const Context& m_context;
  const hss::RunFindings& m_findings;
  const hss::Comparison* m_comparison = nullptr; // the comparison of the image being judged
  std::set<std::string> m_missing_contexts;
  std::set<std::size_t> m_used;
  std::set<std::size_t> m_in_scope; // exceptions whose image globs match an image the rules judged
  std::set<std::size_t> m_vex_used;  // VEX documents that waived a finding
  bool m_vex_judged = false;         // a rule VEX may waive judged an image's whole list
  bool m_vex_open_ran = false;       // a rule VEX may waive ran on an image
  std::vector<std::string> m_notes;
};

} // namespace

Outcome evaluate(const Policy& policy, const Context& context, const std::vector<hss::ImageLookup>& lookups,
                 const hss::RunFindings& findings) {
  return Evaluator(policy, context, findings).run(lookups);
}

Outcome evaluate(const Policy& policy, const Context& context, const hss::Lookup& lookup) {
  return evaluate(policy, context, std::vector<hss::ImageLookup>{{lookup, std::nullopt}});
}

} // namespace gate::policy
