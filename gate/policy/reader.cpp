#include "gate/policy/reader.hpp"

#include "gate/hss/findings.hpp"
#include "gate/policy/operators.hpp"
#include "gate/text/url.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>

namespace gate::policy {

namespace {

namespace fs = std::filesystem;

class FileReader {
public:
  FileReader(std::string file, std::vector<Diagnostic>& problems, FileOrigin origin)
    : m_file(std::move(file)), m_problems(problems), m_origin(origin) {}

  Fragment read(const Node& root) {
    Fragment fragment;
    std::size_t first_problem = m_problems.size();
    bool has_version = false;
    for (const auto& [name, line, column, node] : root.members) {
      if (name == "version") {
        has_version = true;
        if (node.type != Node::Type::integer || node.integer != 1) {
          problem(node, "version: expected 1, the only policy format version");
        }
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
      } else if (name == "findings") {
        read_findings_settings(node, m_file, fragment, m_problems);
      } else if (name == "vex") {
        read_vex_settings(node, m_file, fragment, m_problems);
      } else {
        problem(at(line, column), fmt::format("unknown key '{}': expected version, extends, scan, findings, vex, rules, "
                                              "exceptions or exceptions_policy",
                                              name));
      }
    }
    if (!has_version) m_problems.push_back({at(1, 1), "missing 'version = 1' at the top of the policy"});
    std::stable_sort(m_problems.begin() + static_cast<std::ptrdiff_t>(first_problem), m_problems.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
                     });
    return fragment;
  }

private:
  SourceRef at(int line, int column) const { return SourceRef{m_file, line, column}; }
  SourceRef at(const Node& node) const { return at(node.line, node.column); }
  void problem(const SourceRef& where, std::string message) { m_problems.push_back({where, std::move(message)}); }
  void problem(const Node& node, std::string message) { problem(at(node), std::move(message)); }

  const Node* expect_table(const Node& node, const std::string& what) {
    if (node.type == Node::Type::table) return &node;
    problem(node, fmt::format("{}: expected a table, got {}", what, type_name(node)));
    return nullptr;
  }

  std::optional<std::string> expect_string(const Node& node, const std::string& what) {
    if (node.type == Node::Type::string) return node.string;
    problem(node, fmt::format("{}: expected a string, got {}", what, type_name(node)));
    return std::nullopt;
  }

  std::optional<std::vector<std::string>> expect_strings(const Node& node, const std::string& what) {
    std::string why;
    auto values = strings_of(node, why);
    if (!values) problem(node, fmt::format("{}: {}", what, why));
    return values;
  }

  std::optional<Duration> expect_duration(const Node& node, const std::string& what) {
    std::string why;
    auto duration = duration_of(node, why);
    if (!duration) problem(node, fmt::format("{}: {}", what, why));
    return duration;
  }

  // A date alone means the end of that day, UTC, or its start where `day_start` (fail_from: fails
  // from that day on).
  std::optional<TimePoint> expect_date(const Node& node, const std::string& what, bool day_start = false) {
    using namespace std::chrono;
    if (node.type == Node::Type::date) {
      year_month_day day{year(node.year), month(static_cast<unsigned>(node.month)),
                         std::chrono::day(static_cast<unsigned>(node.day))};
      if (day.ok()) return day_start ? TimePoint{sys_days(day)} : TimePoint{sys_days(day)} + days(1) - seconds(1);
    } else if (node.type == Node::Type::date_time) {
      return node.time;
    } else if (node.type == Node::Type::string) {
      if (auto time = units::parse_date_time(node.string)) {
        if (day_start && node.string.size() == 10) return *time - days(1) + seconds(1);
        return *time;
      }
    }
    problem(node, fmt::format("{}: expected a date such as 2027-01-31 or a date-time such as 2027-01-31T12:00:00Z",
                              what));
    return std::nullopt;
  }

  void read_extends(const Node& node, Fragment& fragment) {
    auto entries = expect_strings(node, "extends");
    if (!entries) return;
    fs::path base = fs::path(m_file).parent_path();
    for (const auto& entry : *entries) {
      if (has_scheme(entry)) {
        if (auto pinned = read_pinned_url(entry, node)) fragment.extends.push_back({{}, std::move(*pinned), at(node)});
        continue;
      }
      if (m_origin == FileOrigin::url) {
        problem(node, fmt::format("extends \"{}\": a base fetched by URL may extend only pinned URLs "
                                  "(https://...#sha256=...), not a path: a path would name a file of whichever "
                                  "machine runs the gate",
                                  entry));
        continue;
      }
      fs::path resolved = fs::path(entry).is_absolute() ? fs::path(entry) : base / entry;
      fragment.extends.push_back({resolved.lexically_normal().string(), std::nullopt, at(node)});
    }
  }

  // "https://", "ftp://", ... (RFC 3986's scheme, then "//"): a URL, never a path.
  static bool has_scheme(const std::string& entry) {
    auto end = entry.find("://");
    if (end == std::string::npos || end == 0 || !std::isalpha(static_cast<unsigned char>(entry.front()))) return false;
    return std::all_of(entry.begin(), entry.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
    });
  }

  // "https://host/org.toml#sha256=HEX": the digest is what makes the bytes reviewed bytes.
  std::optional<PinnedBase> read_pinned_url(const std::string& entry, const Node& node) {
    std::string shown = text::masked_url(entry, text::UrlPath::shown);
    std::string scheme = entry.substr(0, entry.find(':'));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    if (scheme != "https" && scheme != "http") {
      problem(node, fmt::format("extends \"{}\": expected a file path or an https:// URL pinned with "
                                "#sha256=<64 lower-case hex digits>",
                                shown));
      return std::nullopt;
    }
    auto hash = entry.find('#');
    static const std::regex k_pin("sha256=[0-9a-f]{64}");
    if (hash == std::string::npos || !std::regex_match(entry.substr(hash + 1), k_pin)) {
      problem(node, fmt::format("extends \"{}\": {}: end the URL with #sha256=<the SHA-256 of the file, 64 "
                                "lower-case hex digits> (sha256sum FILE), so that only the bytes reviewed are used",
                                shown, hash == std::string::npos ? "not pinned" : "its fragment is not a pin"));
      return std::nullopt;
    }
    return PinnedBase{entry.substr(0, hash), entry.substr(hash + std::string_view("#sha256=").size())};
  }

  std::optional<StateAction> expect_action(const Node& node, const std::string& what) {
    if (node.type == Node::Type::string) {
      if (auto action = state_action_named(node.string)) return action;
    }
    problem(node, fmt::format("{}: expected \"fail\", \"warn\" or \"pass\"", what));
    return std::nullopt;
  }

  void read_scan(const Node& node, Fragment& fragment) {
    if (!expect_table(node, "scan")) return;
    ScanSettings& scan = fragment.policy.scan;
    for (const auto& [name, line, column, value] : node.members) {
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
      } else if (name == "on_missing" || name == "on_pending" || name == "on_failed") {
        auto& slot = name == "on_missing" ? scan.on_missing : name == "on_pending" ? scan.on_pending : scan.on_failed;
        if (auto action = expect_action(value, what)) slot = {*action, m_file};
      } else if (name == "max_age") {
        if (auto d = expect_duration(value, what)) scan.max_age = Setting<Duration>{*d, m_file};
      } else if (name == "require_current") {
        if (value.type == Node::Type::boolean) {
          scan.require_current = {value.boolean, m_file};
        } else {
          problem(value, fmt::format("{}: expected true or false, got {}", what, type_name(value)));
        }
      } else {
        known = false;
        problem(at(line, column), fmt::format("unknown key '{}' in [scan]: expected wait, poll_interval, on_missing, "
                                              "on_pending, on_failed, max_age or require_current",
                                              name));
      }
      if (known) fragment.scan_keys.emplace_back(name, at(line, column));
    }
  }

  void read_rules(const Node& node, Policy& policy) {
    if (!expect_table(node, "rules")) return;
    for (const auto& [id, line, column, value] : node.members) {
      bool valid_id = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
      if (!valid_id) {
        problem(at(line, column), fmt::format("rule id '{}': expected letters, digits, '-' and '_' only", id));
        continue;
      }
      if (is_built_in_rule(id)) {
        problem(at(line, column), fmt::format("rule id '{}' is built in: set it through [scan] instead", id));
        continue;
      }
      if (!expect_table(value, "rules." + id)) continue;
      if (auto rule = read_rule(id, value, at(line, column))) policy.rules.push_back(std::move(*rule));
    }
  }

  std::optional<Rule> read_rule(const std::string& id, const Node& table, SourceRef source) {
    std::size_t problems_before = m_problems.size();
    Rule rule;
    rule.id = id;
    rule.source = source;
    const Node* field_node = table.find("field");
    if (table.find("findings")) {
      if (field_node) {
        problem(*field_node, fmt::format("rules.{}: a rule has either 'field' or 'findings', never both", id));
        return std::nullopt;
      }
      return read_findings_rule(rule, table);
    }
    if (!field_node) {
      m_problems.push_back({source, fmt::format("rule '{}': missing 'field' (or 'findings')", id)});
      return std::nullopt;
    }
    auto field_name = expect_string(*field_node, fmt::format("rules.{}.field", id));
    if (!field_name) return std::nullopt;
    rule.field = find_field(*field_name);
    if (!rule.field) {
      problem(*field_node, fmt::format("rules.{}.field: unknown field '{}': expected one of {}", id, *field_name,
                                       field_names()));
      return std::nullopt;
    }
    FieldKind kind = rule.field->kind;

    for (const auto& [name, line, column, value] : table.members) {
      std::string what = fmt::format("rules.{}.{}", id, name);
      if (name == "field") continue;
      if (const OperatorDef* op = find_operator(name)) {
        if (!takes(*op, kind)) {
          problem(at(line, column), fmt::format("rules.{}: field {} does not take '{}': expected {}", id, *field_name,
                                                name, operators_for(kind)));
          continue;
        }
        std::string why;
        if (auto operand = op->parse(value, kind, why)) {
          rule.conditions.push_back({op, std::move(*operand)});
        } else {
          problem(value, fmt::format("{}: {}", what, why));
        }
      } else if (read_common_key(name, value, rule)) {
        continue;
      } else {
        problem(at(line, column), fmt::format("rules.{}: unknown key '{}': expected field, {}, level, fail_from, "
                                              "message or when",
                                              id, name, operators_for(kind)));
      }
    }
    // Check conditions in the registry's order, whatever order the file wrote them in.
    std::stable_sort(rule.conditions.begin(), rule.conditions.end(),
                     [](const Condition& a, const Condition& b) { return a.op < b.op; });
    if (rule.conditions.empty() && m_problems.size() == problems_before) {
      m_problems.push_back({source, fmt::format("rule '{}': no operator: expected one of {} for field {}", id,
                                                operators_for(kind), *field_name)});
    }
    const Condition* min = rule.condition("min");
    const Condition* max = rule.condition("max");
    if (min && max && std::get<std::int64_t>(min->operand) > std::get<std::int64_t>(max->operand)) {
      m_problems.push_back({source, fmt::format("rule '{}': min is greater than max, so no image can pass", id)});
    }
    check_fail_from(rule);
    if (m_problems.size() != problems_before) return std::nullopt;
    return rule;
  }

  void check_fail_from(const Rule& rule) {
    if (rule.fail_from && rule.level != Level::warn) {
      m_problems.push_back(
          {rule.source, fmt::format("rule '{}': fail_from needs level = \"warn\" (it warns until that date)", rule.id)});
    }
  }

  // The keys every rule takes, whatever it tests; false for any other key.
  bool read_common_key(const std::string& name, const Node& value, Rule& rule) {
    std::string what = fmt::format("rules.{}.{}", rule.id, name);
    if (name == "level") {
      if (value.type == Node::Type::string && (value.string == "fail" || value.string == "warn")) {
        rule.level = value.string == "fail" ? Level::fail : Level::warn;
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
      return false;
    }
    return true;
  }

  std::optional<Rule> read_findings_rule(Rule& rule, const Node& table) {
    std::size_t problems_before = m_problems.size();
    rule.findings = read_finding_selector(table, rule.id, m_file, m_problems);
    for (const auto& [name, line, column, value] : table.members) {
      bool selector_key = std::find(std::begin(k_selector_keys), std::end(k_selector_keys), name) !=
                          std::end(k_selector_keys);
      if (selector_key || read_common_key(name, value, rule)) continue;
      if (name == "vex") {
        read_rule_vex(value, rule);
        continue;
      }
      problem(at(line, column), fmt::format("rules.{}: unknown key '{}': expected findings, where, max, new_only, vex, "
                                            "level, fail_from, message or when",
                                            rule.id, name));
    }
    check_fail_from(rule);
    if (m_problems.size() != problems_before) return std::nullopt;
    return std::move(rule);
  }

  // `vex = false` keeps VEX statements from waiving the rule's findings; only kinds that VEX
  // statements name (vulnerabilities) take it.
  void read_rule_vex(const Node& value, Rule& rule) {
    if (value.type != Node::Type::boolean) {
      problem(value, fmt::format("rules.{}.vex: expected true or false, got {}", rule.id, type_name(value)));
      return;
    }
    if (rule.findings && !rule.findings->kind.spec().vex) {
      problem(value, fmt::format("rules.{}.vex: VEX statements name vulnerabilities only, not {}", rule.id,
                                 hss::name_of(rule.findings->kind)));
      return;
    }
    rule.vex = value.boolean;
  }

  void read_when(const Node& node, const std::string& what, When& when) {
    if (!expect_table(node, what)) return;
    for (const auto& [name, line, column, value] : node.members) {
      if (name == "branch") {
        when.branch = expect_strings(value, what + ".branch");
      } else if (name == "environment") {
        when.environment = expect_strings(value, what + ".environment");
      } else {
        problem(at(line, column), fmt::format("{}: unknown key '{}': expected branch or environment", what, name));
      }
    }
  }

  void read_exceptions(const Node& node, Policy& policy) {
    if (node.type != Node::Type::array) {
      problem(node, fmt::format("exceptions: expected [[exceptions]] tables, got {}", type_name(node)));
      return;
    }
    for (const auto& item : node.items) {
      if (!expect_table(item, "exceptions")) continue;
      if (auto exception = read_exception(item)) policy.exceptions.push_back(std::move(*exception));
    }
  }

  std::optional<Exception> read_exception(const Node& table) {
    std::size_t problems_before = m_problems.size();
    Exception exception;
    exception.source = at(table);
    bool has_expires = false;
    for (const auto& [name, line, column, value] : table.members) {
      std::string what = "exceptions." + name;
      if (name == "rules") {
        if (auto rules = expect_strings(value, what)) exception.rules = *rules;
      } else if (name == "cicd_name" || name == "namespace" || name == "image_name" || name == "image_version") {
        auto text = expect_string(value, what);
        auto& slot = name == "cicd_name"   ? exception.cicd_name
                     : name == "namespace" ? exception.namespace_name
                     : name == "image_name" ? exception.image_name
                                            : exception.image_version;
        slot = text;
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
      } else if (name == "finding") {
        exception.finding_source = at(line, column);
        if (auto pattern = read_finding_pattern(value, m_file, m_problems)) exception.finding = std::move(*pattern);
      } else {
        problem(at(line, column), fmt::format("exceptions: unknown key '{}': expected rules, cicd_name, namespace, "
                                              "image_name, image_version, finding, expires, reason or owner",
                                              name));
      }
    }
    if (!table.find("rules")) m_problems.push_back({exception.source, "exception: missing 'rules' (rule ids, or [\"*\"])"});
    if (!has_expires) {
      m_problems.push_back({exception.source, "exception: missing 'expires': every exception must expire"});
    }
    if (!table.find("reason")) {
      m_problems.push_back({exception.source, "exception: missing 'reason': say why the risk is accepted"});
    }
    if (m_problems.size() != problems_before) return std::nullopt;
    return exception;
  }

  void read_exceptions_policy(const Node& node, Fragment& fragment) {
    if (!expect_table(node, "exceptions_policy")) return;
    for (const auto& [name, line, column, value] : node.members) {
      if (name != "max_days" && name != "warn_days") {
        problem(at(line, column),
                fmt::format("exceptions_policy: unknown key '{}': expected max_days or warn_days", name));
        continue;
      }
      if (value.type != Node::Type::integer || value.integer < 0 || value.integer > k_max_exception_days) {
        problem(value, fmt::format("exceptions_policy.{}: expected a whole number of days from 0 to {}", name,
                                   k_max_exception_days));
        continue;
      }
      auto& slot = name == "max_days" ? fragment.policy.exceptions_policy.max_days
                                      : fragment.policy.exceptions_policy.warn_days;
      slot = Setting<std::int64_t>{value.integer, m_file};
      fragment.exception_policy_keys.emplace_back(name, at(line, column));
    }
  }

  std::string m_file;
  std::vector<Diagnostic>& m_problems;
  FileOrigin m_origin;
};

} // namespace

Fragment read_fragment(const Node& root, const std::string& file, std::vector<Diagnostic>& problems,
                       FileOrigin origin) {
  return FileReader(file, problems, origin).read(root);
}

} // namespace gate::policy
