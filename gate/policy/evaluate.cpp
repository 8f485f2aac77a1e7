#include "gate/policy/evaluate.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace gate::policy {

namespace {

using namespace std::chrono;

constexpr std::array<const char*, 4> k_severity_names{"Security", "Low", "Medium", "High"};

std::string severity_name(std::int64_t rank) { return k_severity_names.at(static_cast<std::size_t>(rank)); }

std::string list_text(const std::vector<std::string>& values) { return fmt::format("{}", fmt::join(values, ", ")); }

bool any_glob(const std::vector<std::string>& patterns, const std::string& text) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return glob_match(pattern, text); });
}

const std::string& text_field(const hss::Record& record, Field field) {
  switch (field) {
  case Field::scan_status: return record.scan_status;
  case Field::scan_failed_code: return record.scan_failed_code;
  case Field::cicd_name: return record.cicd_name;
  case Field::namespace_name: return record.namespace_name;
  case Field::image_name: return record.image_name;
  case Field::image_version: return record.image_version;
  case Field::registry_name: return record.registry_name;
  case Field::image_digest: return record.image_digest;
  case Field::pipeline_type: return record.pipeline_type;
  default: throw std::logic_error("not a text field");
  }
}

std::optional<std::int64_t> number_field(const hss::Record& record, Field field) {
  switch (field) {
  case Field::vul_num: return record.vul_num;
  case Field::malicious_file_num: return record.malicious_file_num;
  case Field::unsafe_setting_num: return record.unsafe_setting_num;
  case Field::image_size: return record.image_size;
  case Field::latest_scan_time: return record.latest_scan_time;
  case Field::latest_update_time: return record.latest_update_time;
  default: throw std::logic_error("not a numeric field");
  }
}

std::string time_text(std::int64_t ms) {
  return units::format_date_time(sys_seconds{duration_cast<seconds>(milliseconds(ms))});
}

// The result of testing one rule's operators against a record, before level and exceptions.
struct Check {
  bool violated = false;
  Value actual;
  Value limit;
  std::string op;
  std::string detail;
};

Check check_rule(const Rule& rule, const hss::Record& record, TimePoint now) {
  Check check;
  std::string field{name_of(rule.field)};
  auto missing = [&] {
    check.violated = true;
    check.detail = fmt::format("{} is missing from the HSS record, so the rule cannot pass", field);
    return check;
  };
  // Records the first violated operator, or the first operator when none is violated.
  auto test = [&](bool violated, std::string op, Value limit, std::string detail) {
    if (check.violated) return;
    if (violated || check.op.empty()) {
      check.violated = violated;
      check.op = std::move(op);
      check.limit = std::move(limit);
      check.detail = std::move(detail);
    }
  };

  switch (kind_of(rule.field)) {
  case FieldKind::count:
  case FieldKind::size: {
    auto value = number_field(record, rule.field);
    if (!value) return missing();
    bool is_size = kind_of(rule.field) == FieldKind::size;
    auto show = [&](std::int64_t n) { return is_size ? units::format_size(n) : std::to_string(n); };
    check.actual = *value;
    if (rule.max) {
      test(*value > *rule.max, "max", *rule.max,
           fmt::format("{} is {}, {} max {}", field, show(*value), *value > *rule.max ? "above" : "within",
                       show(*rule.max)));
    }
    if (rule.min) {
      test(*value < *rule.min, "min", *rule.min,
           fmt::format("{} is {}, {} min {}", field, show(*value), *value < *rule.min ? "below" : "at least",
                       show(*rule.min)));
    }
    break;
  }
  case FieldKind::severity: {
    auto rank = severity_rank(record.severity_level);
    if (!rank) return missing();
    check.actual = record.severity_level;
    if (rule.max) {
      test(*rank > *rule.max, "max", severity_name(*rule.max),
           fmt::format("severity_level is {}, {} max {}", record.severity_level,
                       *rank > *rule.max ? "above" : "within", severity_name(*rule.max)));
    }
    if (rule.min) {
      test(*rank < *rule.min, "min", severity_name(*rule.min),
           fmt::format("severity_level is {}, {} min {}", record.severity_level,
                       *rank < *rule.min ? "below" : "at least", severity_name(*rule.min)));
    }
    if (rule.in) {
      bool listed = std::find(rule.in->begin(), rule.in->end(), record.severity_level) != rule.in->end();
      test(!listed, "in", list_text(*rule.in),
           fmt::format("severity_level is {}, {} [{}]", record.severity_level, listed ? "one of" : "not one of",
                       list_text(*rule.in)));
    }
    break;
  }
  case FieldKind::text: {
    const std::string& value = text_field(record, rule.field);
    check.actual = value;
    if (rule.in) {
      bool listed = any_glob(*rule.in, value);
      test(!listed, "in", list_text(*rule.in),
           fmt::format("{} is \"{}\", {} [{}]", field, value, listed ? "matching" : "matching none of",
                       list_text(*rule.in)));
    }
    if (rule.not_in) {
      bool listed = any_glob(*rule.not_in, value);
      test(listed, "not_in", list_text(*rule.not_in),
           fmt::format("{} is \"{}\", {} [{}]", field, value, listed ? "matching the forbidden" : "matching none of",
                       list_text(*rule.not_in)));
    }
    break;
  }
  case FieldKind::boolean: {
    if (!record.latest_version) return missing();
    check.actual = *record.latest_version;
    test(*record.latest_version != *rule.equals, "equals", *rule.equals,
         fmt::format("latest_version is {}, expected {}", *record.latest_version, *rule.equals));
    break;
  }
  case FieldKind::timestamp: {
    auto value = number_field(record, rule.field);
    if (!value) return missing();
    auto age = duration_cast<seconds>(now - sys_seconds{duration_cast<seconds>(milliseconds(*value))});
    check.actual = fmt::format("{} ({} ago)", time_text(*value), units::format_duration(age));
    test(age > *rule.max_age, "max_age", units::format_duration(*rule.max_age),
         fmt::format("{} is {} old, {} max_age {}", field, units::format_duration(age),
                     age > *rule.max_age ? "older than" : "within", units::format_duration(*rule.max_age)));
    break;
  }
  }
  return check;
}

class Evaluator {
public:
  Evaluator(const Policy& policy, const Context& context) : m_policy(policy), m_context(context) {}

  Outcome run(const hss::Lookup& lookup) {
    Outcome outcome;
    outcome.policy_files = m_policy.files;
    outcome.query = lookup.query;
    for (const auto& record : lookup.records) outcome.images.push_back(evaluate_record(record, lookup, std::nullopt));
    for (const auto& record : lookup.stale_digest) {
      outcome.images.push_back(evaluate_record(record, lookup, lookup.query.image_digest));
    }
    if (outcome.images.empty()) outcome.images.push_back(evaluate_missing(lookup));

    outcome.decision = Decision::pass;
    for (const auto& image : outcome.images) outcome.decision = std::max(outcome.decision, image.decision);
    outcome.exit_code = exit_code_of(outcome.decision);
    add_warnings(outcome.warnings);
    return outcome;
  }

private:
  ImageResult evaluate_missing(const hss::Lookup& lookup) {
    ImageResult image;
    image.found = false;
    image.record.cicd_name = lookup.query.cicd_name;
    image.record.image_version = lookup.query.image_version;
    image.record.image_name = lookup.query.image_name.value_or("");
    image.record.namespace_name = lookup.query.namespace_name.value_or("");
    image.record.image_digest = lookup.query.image_digest.value_or("");
    std::string detail = fmt::format("no image with cicd_name \"{}\" and image_version \"{}\"", lookup.query.cicd_name,
                                     lookup.query.image_version);
    if (lookup.query.image_name) detail += fmt::format(", image_name \"{}\"", *lookup.query.image_name);
    if (lookup.query.namespace_name) detail += fmt::format(", namespace \"{}\"", *lookup.query.namespace_name);
    detail += " is known to HSS";
    if (lookup.waited_seconds > 0) detail += fmt::format(" (waited {:.0f}s)", lookup.waited_seconds);
    image.results.push_back(state_result(image.record, "missing", m_policy.scan.on_missing, "on_missing", detail));
    skip_rules(image, "not evaluated: the image was not found");
    decide(image);
    return image;
  }

  ImageResult evaluate_record(const hss::Record& record, const hss::Lookup& lookup,
                              const std::optional<std::string>& expected_digest) {
    ImageResult image;
    image.record = record;
    auto state = hss::scan_state_of(record.scan_status).value_or(hss::ScanState::failed);
    std::string waited =
        lookup.waited_seconds > 0 ? fmt::format(" after waiting {:.0f}s", lookup.waited_seconds) : std::string();

    if (expected_digest) {
      std::string detail = fmt::format("HSS holds tag {} with digest {}, not the expected {}: the new push is not "
                                       "scanned yet{}",
                                       record.image_version, record.image_digest, *expected_digest, waited);
      image.results.push_back(state_result(record, "pending", m_policy.scan.on_pending, "on_pending", detail));
      skip_rules(image, "not evaluated: the expected digest has no scan yet");
    } else if (state == hss::ScanState::pending) {
      std::string detail = fmt::format("scan is not finished (scan_status {}){}", record.scan_status, waited);
      image.results.push_back(state_result(record, record.scan_status, m_policy.scan.on_pending, "on_pending", detail));
      skip_rules(image, "not evaluated: the scan is not finished");
    } else if (state == hss::ScanState::failed) {
      std::string detail = fmt::format("scan ended with scan_status {}", record.scan_status);
      if (!record.scan_failed_code.empty()) detail += fmt::format(", scan_failed_code {}", record.scan_failed_code);
      if (!record.scan_failed_desc.empty()) detail += fmt::format(": {}", record.scan_failed_desc);
      image.results.push_back(state_result(record, record.scan_status, m_policy.scan.on_failed, "on_failed", detail));
      skip_rules(image, "not evaluated: the scan failed");
    } else {
      RuleResult ok;
      ok.rule = k_rule_scan_status;
      ok.field = "scan_status";
      ok.actual = record.scan_status;
      ok.limit = "success";
      ok.op = "equals";
      ok.detail = "scan finished successfully";
      image.results.push_back(std::move(ok));
      evaluate_rules(image);
    }
    decide(image);
    return image;
  }

  RuleResult state_result(const hss::Record& record, const std::string& actual, const Setting<StateAction>& action,
                          const char* setting, const std::string& detail) {
    RuleResult result;
    result.rule = k_rule_scan_status;
    result.field = "scan_status";
    result.actual = actual;
    result.limit = "success";
    result.op = "equals";
    result.detail = detail;
    result.message = fmt::format("scan.{} = \"{}\" ({})", setting, name_of(action.value), action.origin);
    result.level = action.value == StateAction::warn ? Level::warn : Level::fail;
    if (action.value == StateAction::pass) {
      result.status = RuleStatus::pass;
    } else {
      settle(result, record, true);
    }
    return result;
  }

  void skip_rules(ImageResult& image, const std::string& why) {
    if (m_policy.scan.max_age) image.results.push_back(skipped(k_rule_scan_age, "latest_scan_time", why));
    if (m_policy.scan.require_current.value) {
      image.results.push_back(skipped(k_rule_scan_current, "latest_update_time", why));
    }
    for (const auto& rule : m_policy.rules) {
      auto result = skipped(rule.id, std::string(name_of(rule.field)), why);
      result.level = rule.level;
      result.source = rule.source.str();
      result.message = rule.message;
      image.results.push_back(std::move(result));
    }
  }

  static RuleResult skipped(std::string_view id, std::string field, const std::string& why) {
    RuleResult result;
    result.rule = id;
    result.field = std::move(field);
    result.status = RuleStatus::not_applicable;
    result.detail = why;
    return result;
  }

  void evaluate_rules(ImageResult& image) {
    const hss::Record& record = image.record;
    if (m_policy.scan.max_age) {
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
        settle(result, record, true);
      } else {
        auto age = duration_cast<seconds>(
            m_context.now - sys_seconds{duration_cast<seconds>(milliseconds(*record.latest_scan_time))});
        result.actual = units::format_duration(age);
        bool too_old = age > max_age;
        result.detail = fmt::format("last scanned {} ({} ago), {} max_age {}", time_text(*record.latest_scan_time),
                                    units::format_duration(age), too_old ? "older than" : "within",
                                    units::format_duration(max_age));
        settle(result, record, too_old);
      }
      image.results.push_back(std::move(result));
    }
    if (m_policy.scan.require_current.value) {
      RuleResult result;
      result.rule = k_rule_scan_current;
      result.field = "latest_update_time";
      result.op = "max";
      result.source = m_policy.scan.require_current.origin;
      result.message = "The tag changed after its last scan: rescan the image in HSS";
      if (!record.latest_update_time || !record.latest_scan_time) {
        result.detail = "latest_update_time or latest_scan_time is missing from the HSS record";
        settle(result, record, true);
      } else {
        bool stale = *record.latest_update_time > *record.latest_scan_time;
        result.actual = time_text(*record.latest_update_time);
        result.limit = time_text(*record.latest_scan_time);
        result.detail = fmt::format("tag updated {}, last scanned {}{}", time_text(*record.latest_update_time),
                                    time_text(*record.latest_scan_time), stale ? ": the scan is older than the tag" : "");
        settle(result, record, stale);
      }
      image.results.push_back(std::move(result));
    }
    for (const auto& rule : m_policy.rules) image.results.push_back(evaluate_rule(rule, record));
  }

  RuleResult evaluate_rule(const Rule& rule, const hss::Record& record) {
    RuleResult result;
    result.rule = rule.id;
    result.field = name_of(rule.field);
    result.message = rule.message;
    result.source = rule.source.str();
    result.level = rule.level;
    if (!applies(rule, result)) return result;

    Check check = check_rule(rule, record, m_context.now);
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
    settle(result, record, check.violated);
    return result;
  }

  bool applies(const Rule& rule, RuleResult& result) {
    std::vector<std::string> unmet;
    auto check = [&](const std::optional<std::vector<std::string>>& patterns, const std::optional<std::string>& value,
                     const char* context, const char* hint) {
      if (!patterns) return;
      if (!value) {
        unmet.push_back(fmt::format("no {} is known", context));
        m_missing_contexts.insert(fmt::format("rule '{}' has a when.{} condition, but no {} is known ({})", rule.id,
                                              context, context, hint));
      } else if (!any_glob(*patterns, *value)) {
        unmet.push_back(fmt::format("{} \"{}\" is not one of [{}]", context, *value, list_text(*patterns)));
      }
    };
    check(rule.when.branch, m_context.branch, "branch", "pass --branch, or run where GITHUB_REF_NAME or CI_COMMIT_REF_NAME is set");
    check(rule.when.environment, m_context.environment, "environment", "pass --environment or set HSS_GATE_ENVIRONMENT");
    if (unmet.empty()) return true;
    result.status = RuleStatus::not_applicable;
    result.detail = fmt::format("not applicable: {}", fmt::join(unmet, "; "));
    return false;
  }

  // Turns a check into a status: pass, or a violation that an exception may waive.
  void settle(RuleResult& result, const hss::Record& record, bool violated) {
    if (!violated) {
      result.status = RuleStatus::pass;
      return;
    }
    for (std::size_t i = 0; i < m_policy.exceptions.size(); ++i) {
      const Exception& exception = m_policy.exceptions[i];
      if (!covers(exception, result.rule, record)) continue;
      if (m_context.now > exception.expires) continue; // reported once, in add_warnings
      m_used.insert(i);
      result.status = RuleStatus::excepted;
      result.waiver = Waiver{exception.reason, exception.owner, units::format_date_time(exception.expires),
                             fmt::format("{}:{}", exception.source.file, exception.source.line)};
      return;
    }
    result.status = result.level == Level::fail ? RuleStatus::fail : RuleStatus::warn;
  }

  static bool covers(const Exception& exception, const std::string& rule, const hss::Record& record) {
    bool names_rule = std::any_of(exception.rules.begin(), exception.rules.end(),
                                  [&](const std::string& id) { return id == "*" || id == rule; });
    auto fits = [](const std::optional<std::string>& pattern, const std::string& value) {
      return !pattern || glob_match(*pattern, value);
    };
    return names_rule && fits(exception.cicd_name, record.cicd_name) &&
           fits(exception.namespace_name, record.namespace_name) && fits(exception.image_name, record.image_name) &&
           fits(exception.image_version, record.image_version);
  }

  static void decide(ImageResult& image) {
    image.decision = Decision::pass;
    for (const auto& result : image.results) {
      if (result.status == RuleStatus::fail) {
        image.decision = std::max(image.decision, result.rule == k_rule_scan_status ? Decision::no_verdict : Decision::fail);
      } else if (result.status == RuleStatus::warn) {
        image.decision = std::max(image.decision, Decision::warn);
      }
    }
  }

  void add_warnings(std::vector<std::string>& warnings) {
    for (const auto& missing : m_missing_contexts) warnings.push_back(missing);
    const auto& warn_days = m_policy.exceptions_policy.warn_days;
    for (std::size_t i = 0; i < m_policy.exceptions.size(); ++i) {
      const Exception& exception = m_policy.exceptions[i];
      std::string date = units::format_date(exception.expires);
      if (m_context.now > exception.expires) {
        warnings.push_back(fmt::format("{} expired on {} and waives nothing: renew it with a new reason or fix the "
                                       "findings ({})",
                                       exception.label(), date, exception.reason));
        continue;
      }
      if (warn_days && exception.expires <= m_context.now + days(warn_days->value)) {
        auto left = floor<days>(exception.expires - m_context.now).count();
        warnings.push_back(fmt::format("{} expires on {} (in {} day{})", exception.label(), date, left,
                                       left == 1 ? "" : "s"));
      }
      if (!m_used.count(i)) warnings.push_back(fmt::format("{} waived no failure in this run", exception.label()));
    }
  }

  const Policy& m_policy;
  const Context& m_context;
  std::set<std::string> m_missing_contexts;
  std::set<std::size_t> m_used;
};

} // namespace

Outcome evaluate(const Policy& policy, const Context& context, const hss::Lookup& lookup) {
  return Evaluator(policy, context).run(lookup);
}

} // namespace gate::policy
