#include "gate/policy/loader.hpp"

#include "gate/error.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace gate::policy {

namespace fs = std::filesystem;

std::string Diagnostic::str() const { return fmt::format("{}: {}", where.str(), message); }

namespace {

SourceRef source_of(const std::string& file, const toml::source_region& region) {
  return SourceRef{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
  case toml::node_type::string: return "a string";
  case toml::node_type::integer: return "an integer";
  case toml::node_type::floating_point: return "a float";
  case toml::node_type::boolean: return "a boolean";
  case toml::node_type::date: return "a date";
  case toml::node_type::time: return "a time";
  case toml::node_type::date_time: return "a date-time";
  case toml::node_type::array: return "an array";
  case toml::node_type::table: return "a table";
  default: return "nothing";
  }
}

int action_rank(StateAction action) { return static_cast<int>(action); }

// Reads one policy file's tables into a Policy fragment, recording problems as it goes.
class FileReader {
public:
  FileReader(std::string file, std::vector<Diagnostic>& problems) : m_file(std::move(file)), m_problems(problems) {}

  struct Fragment {
    std::vector<std::string> extends; // resolved paths
    std::vector<SourceRef> extends_sources;
    Policy policy;
    bool has_version = false;
    // Which [scan] / [exceptions_policy] keys this file set, with their positions.
    std::vector<std::pair<std::string, SourceRef>> scan_keys;
    std::vector<std::pair<std::string, SourceRef>> exception_policy_keys;
  };

  Fragment read(const toml::table& root) {
    Fragment fragment;
    std::size_t first_problem = m_problems.size();
    for (auto&& [key, node] : root) {
      std::string name{key.str()};
      if (name == "version") {
        fragment.has_version = true;
        auto version = node.value<std::int64_t>();
        if (!node.is_integer() || version != 1) problem(node, "version: expected 1, the only policy format version");
      } else if (name == "extends") {
        read_extends(node, fragment);
      } else if (name == "scan") {
        read_scan(node, fragment);
      } else if (name == "rules") {
        read_rules(node, fragment.policy);
      } else if (name == "exceptions") {
        read_exceptions(node, fragment.policy);
      } else if (name == "exceptions_policy") {
        read_exceptions_policy(node, fragment);
      } else {
        problem(key.source(), fmt::format("unknown key '{}': expected version, extends, scan, rules, "
                                          "exceptions or exceptions_policy",
                                          name));
      }
    }
    if (!fragment.has_version) {
      m_problems.push_back({SourceRef{m_file, 1, 1}, "missing 'version = 1' at the top of the policy"});
    }
    // toml++ iterates tables by key; report the file's problems from top to bottom.
    std::stable_sort(m_problems.begin() + static_cast<std::ptrdiff_t>(first_problem), m_problems.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
                     });
    return fragment;
  }

private:
  void problem(const toml::source_region& region, std::string message) {
    m_problems.push_back({source_of(m_file, region), std::move(message)});
  }
  void problem(const toml::node& node, std::string message) { problem(node.source(), std::move(message)); }

  const toml::table* expect_table(const toml::node& node, const std::string& what) {
    const auto* table = node.as_table();
    if (!table) problem(node, fmt::format("{}: expected a table, got {}", what, type_name(node)));
    return table;
  }

  std::optional<std::string> expect_string(const toml::node& node, const std::string& what) {
    if (const auto* text = node.as_string()) return text->get();
    problem(node, fmt::format("{}: expected a string, got {}", what, type_name(node)));
    return std::nullopt;
  }

  // A list of strings; a single string is taken as a list of one.
  std::optional<std::vector<std::string>> expect_strings(const toml::node& node, const std::string& what) {
    if (const auto* text = node.as_string()) return std::vector<std::string>{text->get()};
    const auto* array = node.as_array();
    if (!array) {
      problem(node, fmt::format("{}: expected an array of strings, got {}", what, type_name(node)));
      return std::nullopt;
    }
    std::vector<std::string> values;
    for (const auto& item : *array) {
      if (const auto* text = item.as_string()) {
        values.push_back(text->get());
      } else {
        problem(item, fmt::format("{}: expected strings only, got {}", what, type_name(item)));
        return std::nullopt;
      }
    }
    return values;
  }

  std::optional<Duration> expect_duration(const toml::node& node, const std::string& what) {
    if (auto text = node.value<std::string>()) {
      if (auto duration = units::parse_duration(*text)) return *duration;
    }
    problem(node, fmt::format("{}: expected a duration such as \"90s\", \"10m\", \"36h\" or \"7d\"", what));
    return std::nullopt;
  }

  // A date alone means the end of that day, UTC, or its start where `day_start` (fail_from: fails
  // from that day on).
  std::optional<TimePoint> expect_date(const toml::node& node, const std::string& what, bool day_start = false) {
    using namespace std::chrono;
    if (const auto* date = node.as_date()) {
      const toml::date& d = date->get();
      year_month_day day{year(d.year), month(d.month), std::chrono::day(d.day)};
      if (day.ok()) return day_start ? TimePoint{sys_days(day)} : TimePoint{sys_days(day)} + days(1) - seconds(1);
    } else if (const auto* stamp = node.as_date_time()) {
      const toml::date_time& dt = stamp->get();
      year_month_day day{year(dt.date.year), month(dt.date.month), std::chrono::day(dt.date.day)};
      if (day.ok()) {
        TimePoint time = TimePoint{sys_days(day)} + hours(dt.time.hour) + minutes(dt.time.minute) +
                         seconds(dt.time.second);
        if (dt.offset) time -= minutes(dt.offset->minutes);
        return time;
      }
    } else if (auto text = node.value<std::string>()) {
      if (auto time = units::parse_date_time(*text)) {
        if (day_start && text->size() == 10) return *time - days(1) + seconds(1);
        return *time;
      }
    }
    problem(node, fmt::format("{}: expected a date such as 2027-01-31 or a date-time such as "
                              "2027-01-31T12:00:00Z",
                              what));
    return std::nullopt;
  }

  void read_extends(const toml::node& node, Fragment& fragment) {
    auto paths = expect_strings(node, "extends");
    if (!paths) return;
    fs::path base = fs::path(m_file).parent_path();
    for (const auto& path : *paths) {
      fs::path resolved = fs::path(path).is_absolute() ? fs::path(path) : base / path;
      fragment.extends.push_back(resolved.lexically_normal().string());
      fragment.extends_sources.push_back(source_of(m_file, node.source()));
    }
  }

  std::optional<StateAction> expect_action(const toml::node& node, const std::string& what) {
    auto text = node.value<std::string>();
    if (text == "pass") return StateAction::pass;
    if (text == "warn") return StateAction::warn;
    if (text == "fail") return StateAction::fail;
    problem(node, fmt::format("{}: expected \"fail\", \"warn\" or \"pass\"", what));
    return std::nullopt;
  }

  void read_scan(const toml::node& node, Fragment& fragment) {
    const auto* table = expect_table(node, "scan");
    if (!table) return;
    ScanSettings& scan = fragment.policy.scan;
    for (auto&& [key, value] : *table) {
      std::string name{key.str()};
      std::string what = "scan." + name;
      bool known = true;
      if (name == "wait") {
        if (auto d = expect_duration(value, what)) scan.wait = Setting<Duration>{*d, m_file};
      } else if (name == "poll_interval") {
        auto d = expect_duration(value, what);
        if (d && d->count() == 0) {
          problem(value, "scan.poll_interval: expected a duration of at least 1s");
        } else if (d) {
          scan.poll_interval = Setting<Duration>{*d, m_file};
        }
      } else if (name == "on_missing") {
        if (auto a = expect_action(value, what)) scan.on_missing = {*a, m_file};
      } else if (name == "on_pending") {
        if (auto a = expect_action(value, what)) scan.on_pending = {*a, m_file};
      } else if (name == "on_failed") {
        if (auto a = expect_action(value, what)) scan.on_failed = {*a, m_file};
      } else if (name == "max_age") {
        if (auto d = expect_duration(value, what)) scan.max_age = Setting<Duration>{*d, m_file};
      } else if (name == "require_current") {
        if (const auto* flag = value.as_boolean()) {
          scan.require_current = {flag->get(), m_file};
        } else {
          problem(value, fmt::format("{}: expected true or false, got {}", what, type_name(value)));
        }
      } else {
        known = false;
        problem(key.source(), fmt::format("unknown key '{}' in [scan]: expected wait, poll_interval, "
                                          "on_missing, on_pending, on_failed, max_age or require_current",
                                          name));
      }
      if (known) fragment.scan_keys.emplace_back(name, source_of(m_file, key.source()));
    }
  }

  void read_rules(const toml::node& node, Policy& policy) {
    const auto* table = expect_table(node, "rules");
    if (!table) return;
    for (auto&& [key, value] : *table) {
      std::string id{key.str()};
      bool valid_id = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      if (!valid_id) {
        problem(key.source(), fmt::format("rule id '{}': expected letters, digits, '-' and '_' only", id));
        continue;
      }
      if (id == k_rule_scan_status || id == k_rule_scan_age || id == k_rule_scan_current) {
        problem(key.source(), fmt::format("rule id '{}' is built in: set it through [scan] instead", id));
        continue;
      }
      const auto* rule_table = expect_table(value, "rules." + id);
      if (!rule_table) continue;
      if (auto rule = read_rule(id, *rule_table, source_of(m_file, key.source()))) {
        policy.rules.push_back(std::move(*rule));
      }
    }
    // toml++ iterates tables by key; reports list rules in the order the file defines them.
    std::stable_sort(policy.rules.begin(), policy.rules.end(), [](const Rule& a, const Rule& b) {
      return std::pair(a.source.line, a.source.column) < std::pair(b.source.line, b.source.column);
    });
  }

  std::optional<std::int64_t> expect_bound(const toml::node& node, FieldKind kind, const std::string& what) {
    if (kind == FieldKind::count) {
      auto number = node.value_exact<std::int64_t>();
      if (node.is_integer() && number && *number >= 0) return number;
      problem(node, fmt::format("{}: expected a whole number of at least 0, got {}", what, type_name(node)));
    } else if (kind == FieldKind::size) {
      if (node.is_integer() && *node.value<std::int64_t>() >= 0) return node.value<std::int64_t>();
      if (auto text = node.value_exact<std::string>()) {
        if (auto bytes = units::parse_size(*text)) return bytes;
      }
      problem(node, fmt::format("{}: expected bytes or a size such as \"512MiB\" or \"2GB\"", what));
    } else {
      if (auto text = node.value_exact<std::string>()) {
        if (auto rank = severity_rank(*text)) return *rank;
      }
      problem(node, fmt::format("{}: expected one of \"Security\", \"Low\", \"Medium\", \"High\"", what));
    }
    return std::nullopt;
  }

  std::optional<Rule> read_rule(const std::string& id, const toml::table& table, SourceRef source) {
    std::size_t problems_before = m_problems.size();
    Rule rule;
    rule.id = id;
    rule.source = source;
    const toml::node* field_node = table.get("field");
    if (!field_node) {
      m_problems.push_back({source, fmt::format("rule '{}': missing 'field'", id)});
      return std::nullopt;
    }
    auto field_name = expect_string(*field_node, fmt::format("rules.{}.field", id));
    if (!field_name) return std::nullopt;
    auto field = field_named(*field_name);
    if (!field) {
      problem(*field_node, fmt::format("rules.{}.field: unknown field '{}': expected one of vul_num, "
                                       "malicious_file_num, unsafe_setting_num, image_size, severity_level, "
                                       "scan_status, scan_failed_code, cicd_name, namespace, image_name, "
                                       "image_version, registry_name, image_digest, pipeline_type, "
                                       "latest_version, latest_scan_time, latest_update_time",
                                       id, *field_name));
      return std::nullopt;
    }
    rule.field = *field;
    FieldKind kind = kind_of(rule.field);

    auto operator_allowed = [&](std::string_view op) {
      switch (kind) {
      case FieldKind::count:
      case FieldKind::size: return op == "max" || op == "min";
      case FieldKind::severity: return op == "max" || op == "min" || op == "in";
      case FieldKind::text: return op == "in" || op == "not_in";
      case FieldKind::boolean: return op == "equals";
      case FieldKind::timestamp: return op == "max_age";
      }
      return false;
    };
    static constexpr std::array<std::string_view, 6> k_operators{"max", "min", "in", "not_in", "equals",
                                                                 "max_age"};
    auto operators_of_kind = [&] {
      std::vector<std::string_view> names;
      for (auto op : k_operators) {
        if (operator_allowed(op)) names.push_back(op);
      }
      return fmt::format("{}", fmt::join(names, ", "));
    };

    for (auto&& [key, value] : table) {
      std::string name{key.str()};
      std::string what = fmt::format("rules.{}.{}", id, name);
      if (name == "field") continue;
      bool is_operator = std::find(k_operators.begin(), k_operators.end(), name) != k_operators.end();
      if (is_operator && !operator_allowed(name)) {
        problem(key.source(), fmt::format("rules.{}: field {} does not take '{}': expected {}", id,
                                          *field_name, name, operators_of_kind()));
        continue;
      }
      if (name == "max") {
        rule.max = expect_bound(value, kind, what);
      } else if (name == "min") {
        rule.min = expect_bound(value, kind, what);
      } else if (name == "in" || name == "not_in") {
        auto values = expect_strings(value, what);
        if (values && kind == FieldKind::severity) {
          for (const auto& level : *values) {
            if (!severity_rank(level)) {
              problem(value, fmt::format("{}: unknown severity '{}': expected Security, Low, Medium or High",
                                         what, level));
            }
          }
        }
        if (values && values->empty()) problem(value, fmt::format("{}: expected at least one value", what));
        (name == "in" ? rule.in : rule.not_in) = values;
      } else if (name == "equals") {
        if (const auto* flag = value.as_boolean()) {
          rule.equals = flag->get();
        } else {
          problem(value, fmt::format("{}: expected true or false, got {}", what, type_name(value)));
        }
      } else if (name == "max_age") {
        rule.max_age = expect_duration(value, what);
      } else if (name == "level") {
        auto text = value.value<std::string>();
        if (text == "fail") {
          rule.level = Level::fail;
        } else if (text == "warn") {
          rule.level = Level::warn;
        } else {
          problem(value, fmt::format("{}: expected \"fail\" or \"warn\"", what));
        }
      } else if (name == "fail_from") {
        rule.fail_from = expect_date(value, what, true);
      } else if (name == "message") {
        if (auto text = expect_string(value, what)) rule.message = *text;
      } else if (name == "when") {
        read_when(value, what, rule.when);
      } else {
        problem(key.source(), fmt::format("rules.{}: unknown key '{}': expected field, {}, level, "
                                          "fail_from, message or when",
                                          id, name, operators_of_kind()));
      }
    }
    if (!rule.max && !rule.min && !rule.in && !rule.not_in && !rule.equals && !rule.max_age &&
        m_problems.size() == problems_before) {
      m_problems.push_back({source, fmt::format("rule '{}': no operator: expected one of {} for field {}", id,
                                                operators_of_kind(), *field_name)});
    }
    if (rule.min && rule.max && *rule.min > *rule.max) {
      m_problems.push_back({source, fmt::format("rule '{}': min is greater than max, so no image can pass", id)});
    }
    if (rule.fail_from && rule.level != Level::warn) {
      m_problems.push_back(
          {source, fmt::format("rule '{}': fail_from needs level = \"warn\" (it warns until that date)", id)});
    }
    if (m_problems.size() != problems_before) return std::nullopt;
    return rule;
  }

  void read_when(const toml::node& node, const std::string& what, When& when) {
    const auto* table = expect_table(node, what);
    if (!table) return;
    for (auto&& [key, value] : *table) {
      std::string name{key.str()};
      if (name == "branch") {
        when.branch = expect_strings(value, what + ".branch");
      } else if (name == "environment") {
        when.environment = expect_strings(value, what + ".environment");
      } else {
        problem(key.source(), fmt::format("{}: unknown key '{}': expected branch or environment", what, name));
      }
    }
  }

  void read_exceptions(const toml::node& node, Policy& policy) {
    const auto* array = node.as_array();
    if (!array) {
      problem(node, fmt::format("exceptions: expected [[exceptions]] tables, got {}", type_name(node)));
      return;
    }
    for (const auto& item : *array) {
      const auto* table = expect_table(item, "exceptions");
      if (!table) continue;
      if (auto exception = read_exception(*table)) policy.exceptions.push_back(std::move(*exception));
    }
  }

  std::optional<Exception> read_exception(const toml::table& table) {
    std::size_t problems_before = m_problems.size();
    Exception exception;
    exception.source = source_of(m_file, table.source());
    bool has_expires = false;
    for (auto&& [key, value] : table) {
      std::string name{key.str()};
      std::string what = "exceptions." + name;
      if (name == "rules") {
        if (auto rules = expect_strings(value, what)) {
          if (rules->empty()) problem(value, "exceptions.rules: expected at least one rule id, or [\"*\"]");
          exception.rules = *rules;
        }
      } else if (name == "cicd_name" || name == "namespace" || name == "image_name" || name == "image_version") {
        auto text = expect_string(value, what);
        if (name == "cicd_name") exception.cicd_name = text;
        if (name == "namespace") exception.namespace_name = text;
        if (name == "image_name") exception.image_name = text;
        if (name == "image_version") exception.image_version = text;
      } else if (name == "expires") {
        has_expires = true;
        if (auto date = expect_date(value, what)) exception.expires = *date;
      } else if (name == "reason") {
        if (auto text = expect_string(value, what)) {
          if (text->find_first_not_of(" \t") == std::string::npos) {
            problem(value, "exceptions.reason: expected a non-empty reason (e.g. a ticket and why)");
          }
          exception.reason = *text;
        }
      } else if (name == "owner") {
        if (auto text = expect_string(value, what)) exception.owner = *text;
      } else {
        problem(key.source(), fmt::format("exceptions: unknown key '{}': expected rules, cicd_name, namespace, "
                                          "image_name, image_version, expires, reason or owner",
                                          name));
      }
    }
    if (!table.contains("rules")) {
      m_problems.push_back({exception.source, "exception: missing 'rules' (rule ids, or [\"*\"])"});
    }
    if (!has_expires) {
      m_problems.push_back({exception.source, "exception: missing 'expires': every exception must expire"});
    }
    if (!table.contains("reason")) {
      m_problems.push_back({exception.source, "exception: missing 'reason': say why the risk is accepted"});
    }
    if (m_problems.size() != problems_before) return std::nullopt;
    return exception;
  }

  void read_exceptions_policy(const toml::node& node, Fragment& fragment) {
    const auto* table = expect_table(node, "exceptions_policy");
    if (!table) return;
    for (auto&& [key, value] : *table) {
      std::string name{key.str()};
      if (name != "max_days" && name != "warn_days") {
        problem(key.source(), fmt::format("exceptions_policy: unknown key '{}': expected max_days or warn_days",
                                          name));
        continue;
      }
      auto days = value.value_exact<std::int64_t>();
      if (!days || *days < 0) {
        problem(value, fmt::format("exceptions_policy.{}: expected a whole number of days", name));
        continue;
      }
      auto& slot = name == "max_days" ? fragment.policy.exceptions_policy.max_days
                                      : fragment.policy.exceptions_policy.warn_days;
      slot = Setting<std::int64_t>{*days, m_file};
      fragment.exception_policy_keys.emplace_back(name, source_of(m_file, key.source()));
    }
  }

  std::string m_file;
  std::vector<Diagnostic>& m_problems;
};

bool covers(const std::optional<std::vector<std::string>>& broad, const std::optional<std::vector<std::string>>& narrow) {
  if (!broad) return true;
  if (!narrow) return false;
  return std::all_of(narrow->begin(), narrow->end(), [&](const std::string& value) {
    return std::find(broad->begin(), broad->end(), value) != broad->end();
  });
}

// Lists how `next` loosens `base`; empty when it is at least as strict.
std::vector<std::string> loosenings(const Rule& base, const Rule& next) {
  std::vector<std::string> found;
  if (next.field != base.field) {
    found.push_back(fmt::format("changes field from {} to {}", name_of(base.field), name_of(next.field)));
    return found;
  }
  if (base.max && (!next.max || *next.max > *base.max)) found.push_back("raises or drops 'max'");
  if (base.min && (!next.min || *next.min < *base.min)) found.push_back("lowers or drops 'min'");
  if (base.in && (!next.in || !covers(base.in, next.in))) found.push_back("allows values that 'in' did not");
  if (base.not_in && (!next.not_in || !covers(next.not_in, base.not_in))) {
    found.push_back("drops values from 'not_in'");
  }
  if (base.equals && next.equals != base.equals) found.push_back("changes or drops 'equals'");
  if (base.max_age && (!next.max_age || *next.max_age > *base.max_age)) found.push_back("lengthens or drops 'max_age'");
  if (base.level == Level::fail && next.level == Level::warn) found.push_back("lowers level from fail to warn");
  if (base.level == Level::warn && next.level == Level::warn && base.fail_from &&
      (!next.fail_from || *next.fail_from > *base.fail_from)) {
    found.push_back("postpones or drops 'fail_from'");
  }
  // The override must apply wherever the inherited rule applied.
  if (!covers(next.when.branch, base.when.branch) || !covers(next.when.environment, base.when.environment)) {
    found.push_back("narrows 'when'");
  }
  return found;
}

class Merger {
public:
  Merger(TimePoint now, std::vector<Diagnostic>& problems) : m_now(now), m_problems(problems) {}

  void load(const std::string& file, const std::optional<SourceRef>& from) {
    std::error_code error;
    fs::path canonical = fs::weakly_canonical(file, error);
    std::string key = error ? file : canonical.string();
    if (std::find(m_stack.begin(), m_stack.end(), key) != m_stack.end()) {
      m_problems.push_back({from.value_or(SourceRef{file}), fmt::format("'extends' cycle: {} extends itself through "
                                                                        "{}",
                                                                        file, fmt::join(m_stack, " -> "))});
      return;
    }
    if (m_loaded.count(key)) return; // reached twice through different parents: merge it once
    m_loaded.insert(key);

    // Only regular files of a sane size: `extends` must not point the gate at a device or a FIFO.
    constexpr std::uintmax_t k_max_policy_size = 1 << 20;
    std::error_code status_error;
    if (fs::exists(file, status_error) && !fs::is_regular_file(file, status_error)) {
      m_problems.push_back({from.value_or(SourceRef{file}), fmt::format("policy file {} is not a regular file", file)});
      return;
    }
    if (fs::is_regular_file(file, status_error) && fs::file_size(file, status_error) > k_max_policy_size) {
      m_problems.push_back({from.value_or(SourceRef{file}), fmt::format("policy file {} is larger than 1 MiB", file)});
      return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      m_problems.push_back({from.value_or(SourceRef{file}),
                            fmt::format("cannot read policy file {}: {}", file, std::strerror(errno))});
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    load_text(text.str(), file, key);
  }

  void load_text(const std::string& text, const std::string& file, const std::string& key) {
    toml::table root;
    try {
      root = toml::parse(text, std::string_view{file});
    } catch (const toml::parse_error& e) {
      m_problems.push_back({source_of(file, e.source()), std::string(e.description())});
      return;
    }
    FileReader reader(file, m_problems);
    auto fragment = reader.read(root);
    m_stack.push_back(key);
    for (std::size_t i = 0; i < fragment.extends.size(); ++i) load(fragment.extends[i], fragment.extends_sources[i]);
    m_stack.pop_back();
    merge(fragment, file);
  }

  Policy finish() {
    check_exceptions();
    return std::move(m_policy);
  }

private:
  void merge(FileReader::Fragment& fragment, const std::string& file) {
    m_policy.files.push_back(file);
    merge_scan(fragment, file);
    for (auto& rule : fragment.policy.rules) {
      auto existing = std::find_if(m_policy.rules.begin(), m_policy.rules.end(),
                                   [&](const Rule& r) { return r.id == rule.id; });
      if (existing == m_policy.rules.end()) {
        m_policy.rules.push_back(rule);
        continue;
      }
      auto looser = loosenings(*existing, rule);
      if (!looser.empty()) {
        m_problems.push_back({rule.source, fmt::format("rule '{}' {} as inherited from {}: an extending policy may "
                                                       "only tighten a rule; waive it with an [[exceptions]] entry "
                                                       "instead",
                                                       rule.id, fmt::join(looser, ", "), existing->source.str())});
        continue;
      }
      *existing = rule;
    }
    m_policy.exceptions.insert(m_policy.exceptions.end(), fragment.policy.exceptions.begin(),
                               fragment.policy.exceptions.end());
    for (auto& [name, where] : fragment.exception_policy_keys) {
      auto& ours = m_policy.exceptions_policy;
      const auto& theirs = fragment.policy.exceptions_policy;
      if (name == "max_days") {
        if (ours.max_days && theirs.max_days->value > ours.max_days->value) {
          m_problems.push_back({where, fmt::format("exceptions_policy.max_days raises {} (set in {}) to {}: an "
                                                   "extending policy may only lower it",
                                                   ours.max_days->value, ours.max_days->origin,
                                                   theirs.max_days->value)});
        } else {
          ours.max_days = theirs.max_days;
        }
      } else {
        ours.warn_days = theirs.warn_days;
      }
    }
  }

  void merge_scan(FileReader::Fragment& fragment, const std::string& file) {
    ScanSettings& ours = m_policy.scan;
    const ScanSettings& theirs = fragment.policy.scan;
    auto loosen = [&](const SourceRef& where, const std::string& key, const std::string& from, const std::string& to,
                      const std::string& origin) {
      m_problems.push_back({where, fmt::format("scan.{} loosens {} (set in {}) to {}: an extending policy may only "
                                               "tighten [scan]",
                                               key, from, origin, to)});
    };
    bool inherited = m_policy.files.size() > 1;
    for (auto& [key, where] : fragment.scan_keys) {
      if (key == "wait") {
        ours.wait = theirs.wait;
      } else if (key == "poll_interval") {
        ours.poll_interval = theirs.poll_interval;
      } else if (key == "on_missing" || key == "on_pending" || key == "on_failed") {
        auto& mine = key == "on_missing" ? ours.on_missing : key == "on_pending" ? ours.on_pending : ours.on_failed;
        const auto& next = key == "on_missing" ? theirs.on_missing
                           : key == "on_pending" ? theirs.on_pending
                                                 : theirs.on_failed;
        if (inherited && mine.origin != "built-in default" && action_rank(next.value) < action_rank(mine.value)) {
          loosen(where, key, std::string(name_of(mine.value)), std::string(name_of(next.value)), mine.origin);
        } else {
          mine = next;
        }
      } else if (key == "max_age") {
        if (ours.max_age && theirs.max_age->value > ours.max_age->value) {
          loosen(where, key, units::format_duration(ours.max_age->value),
                 units::format_duration(theirs.max_age->value), ours.max_age->origin);
        } else {
          ours.max_age = theirs.max_age;
        }
      } else if (key == "require_current") {
        if (ours.require_current.value && !theirs.require_current.value && ours.require_current.origin != file) {
          loosen(where, key, "true", "false", ours.require_current.origin);
        } else {
          ours.require_current = theirs.require_current;
        }
      }
    }
  }

  void check_exceptions() {
    for (const auto& exception : m_policy.exceptions) {
      for (const auto& id : exception.rules) {
        bool known = id == "*" || id == k_rule_scan_status || id == k_rule_scan_age || id == k_rule_scan_current ||
                     std::any_of(m_policy.rules.begin(), m_policy.rules.end(),
                                 [&](const Rule& rule) { return rule.id == id; });
        if (!known) {
          m_problems.push_back({exception.source, fmt::format("exception names unknown rule '{}'", id)});
        }
      }
      const auto& max_days = m_policy.exceptions_policy.max_days;
      if (max_days && exception.expires > m_now + std::chrono::days(max_days->value)) {
        m_problems.push_back(
            {exception.source,
             fmt::format("exception expires {}, more than exceptions_policy.max_days = {} (set in {}) from today",
                         units::format_date(exception.expires), max_days->value, max_days->origin)});
      }
    }
  }

  TimePoint m_now;
  std::vector<Diagnostic>& m_problems;
  Policy m_policy;
  std::vector<std::string> m_stack;
  std::set<std::string> m_loaded;
};

} // namespace

LoadResult load_policies(const std::vector<std::string>& files, TimePoint now) {
  LoadResult result;
  Merger merger(now, result.problems);
  for (const auto& file : files) merger.load(file, std::nullopt);
  result.policy = merger.finish();
  return result;
}

LoadResult load_policy_text(const std::string& text, const std::string& name, TimePoint now) {
  LoadResult result;
  Merger merger(now, result.problems);
  merger.load_text(text, name, name);
  result.policy = merger.finish();
  return result;
}

Policy load_policies_or_throw(const std::vector<std::string>& files, TimePoint now) {
  auto result = load_policies(files, now);
  if (!result.problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& problem : result.problems) lines.push_back(problem.str());
    throw UsageError(fmt::format("{}", fmt::join(lines, "\n")));
  }
  return std::move(result.policy);
}

Policy default_policy(TimePoint now) {
  auto result = load_policy_text(std::string(default_policy_text()), std::string(k_default_policy_name), now);
  if (!result.problems.empty()) throw std::logic_error("the built-in policy is invalid: " + result.problems.front().str());
  return std::move(result.policy);
}

std::string describe_policy(const Policy& policy) {
  std::string out;
  out += fmt::format("# effective policy from: {}\n", fmt::join(policy.files, ", "));
  const ScanSettings& scan = policy.scan;
  out += "[scan]\n";
  if (scan.wait) out += fmt::format("wait = \"{}\"  # {}\n", units::format_duration(scan.wait->value), scan.wait->origin);
  if (scan.poll_interval) {
    out += fmt::format("poll_interval = \"{}\"  # {}\n", units::format_duration(scan.poll_interval->value),
                       scan.poll_interval->origin);
  }
  out += fmt::format("on_missing = \"{}\"  # {}\n", name_of(scan.on_missing.value), scan.on_missing.origin);
  out += fmt::format("on_pending = \"{}\"  # {}\n", name_of(scan.on_pending.value), scan.on_pending.origin);
  out += fmt::format("on_failed = \"{}\"  # {}\n", name_of(scan.on_failed.value), scan.on_failed.origin);
  if (scan.max_age) {
    out += fmt::format("max_age = \"{}\"  # {}\n", units::format_duration(scan.max_age->value), scan.max_age->origin);
  }
  out += fmt::format("require_current = {}  # {}\n", scan.require_current.value, scan.require_current.origin);

  for (const auto& rule : policy.rules) {
    out += fmt::format("\n[rules.{}]  # {}\n", rule.id, rule.source.str());
    out += fmt::format("field = \"{}\"\n", name_of(rule.field));
    auto bound = [&](std::int64_t value) -> std::string {
      if (kind_of(rule.field) == FieldKind::severity) {
        static constexpr std::array<const char*, 4> k_names{"Security", "Low", "Medium", "High"};
        return fmt::format("\"{}\"", k_names.at(static_cast<std::size_t>(value)));
      }
      return std::to_string(value);
    };
    auto quoted = [](const std::vector<std::string>& values) {
      std::vector<std::string> parts;
      for (const auto& value : values) parts.push_back(fmt::format("\"{}\"", value));
      return fmt::format("[{}]", fmt::join(parts, ", "));
    };
    if (rule.max) out += fmt::format("max = {}\n", bound(*rule.max));
    if (rule.min) out += fmt::format("min = {}\n", bound(*rule.min));
    if (rule.in) out += fmt::format("in = {}\n", quoted(*rule.in));
    if (rule.not_in) out += fmt::format("not_in = {}\n", quoted(*rule.not_in));
    if (rule.equals) out += fmt::format("equals = {}\n", *rule.equals);
    if (rule.max_age) out += fmt::format("max_age = \"{}\"\n", units::format_duration(*rule.max_age));
    out += fmt::format("level = \"{}\"\n", name_of(rule.level));
    if (rule.fail_from) out += fmt::format("fail_from = {}\n", units::format_date_time(*rule.fail_from));
    if (!rule.message.empty()) out += fmt::format("message = \"{}\"\n", rule.message);
    if (rule.when.branch) out += fmt::format("when.branch = {}\n", quoted(*rule.when.branch));
    if (rule.when.environment) out += fmt::format("when.environment = {}\n", quoted(*rule.when.environment));
  }
  for (const auto& exception : policy.exceptions) {
    out += fmt::format("\n[[exceptions]]  # {}\n", exception.source.str());
    out += fmt::format("rules = [\"{}\"]\n", fmt::join(exception.rules, "\", \""));
    if (exception.cicd_name) out += fmt::format("cicd_name = \"{}\"\n", *exception.cicd_name);
    if (exception.namespace_name) out += fmt::format("namespace = \"{}\"\n", *exception.namespace_name);
    if (exception.image_name) out += fmt::format("image_name = \"{}\"\n", *exception.image_name);
    if (exception.image_version) out += fmt::format("image_version = \"{}\"\n", *exception.image_version);
    out += fmt::format("expires = {}\n", units::format_date_time(exception.expires));
    out += fmt::format("reason = \"{}\"\n", exception.reason);
    if (!exception.owner.empty()) out += fmt::format("owner = \"{}\"\n", exception.owner);
  }
  const auto& governance = policy.exceptions_policy;
  if (governance.max_days || governance.warn_days) {
    out += "\n[exceptions_policy]\n";
    if (governance.max_days) {
      out += fmt::format("max_days = {}  # {}\n", governance.max_days->value, governance.max_days->origin);
    }
    if (governance.warn_days) {
      out += fmt::format("warn_days = {}  # {}\n", governance.warn_days->value, governance.warn_days->origin);
    }
  }
  return out;
}

} // namespace gate::policy
