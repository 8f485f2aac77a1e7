#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gate::policy {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::sys_seconds;
using Duration = std::chrono::seconds;

// Where a policy element was written, for messages of the form file:line:column.
struct SourceRef {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;
};

enum class Level { fail, warn };

// What to do about an image that has no usable scan: missing, pending, or failed.
enum class StateAction { pass, warn, fail };

// The record fields a rule may test.
enum class Field {
  vul_num,
  malicious_file_num,
  unsafe_setting_num,
  image_size,
  severity_level,
  scan_status,
  scan_failed_code,
  cicd_name,
  namespace_name,
  image_name,
  image_version,
  registry_name,
  image_digest,
  pipeline_type,
  latest_version,
  latest_scan_time,
  latest_update_time,
};

// Groups fields by the operators they take.
enum class FieldKind { count, size, severity, text, boolean, timestamp };

FieldKind kind_of(Field field);
std::string_view name_of(Field field);
std::optional<Field> field_named(std::string_view name);
std::string_view name_of(Level level);
std::string_view name_of(StateAction action);

// severity_level's order: Security < Low < Medium < High; nullopt for anything else.
std::optional<int> severity_rank(std::string_view level);

struct When {
  std::optional<std::vector<std::string>> branch;
  std::optional<std::vector<std::string>> environment;
  bool empty() const { return !branch && !environment; }
};

// One [rules.ID] table. Numeric limits hold counts, bytes, or severity ranks by field kind.
struct Rule {
  std::string id;
  Field field = Field::vul_num;
  std::optional<std::int64_t> max;
  std::optional<std::int64_t> min;
  std::optional<std::vector<std::string>> in;
  std::optional<std::vector<std::string>> not_in;
  std::optional<bool> equals;
  std::optional<Duration> max_age;
  Level level = Level::fail;
  std::optional<TimePoint> fail_from;
  std::string message;
  When when;
  SourceRef source;
};

// One [[exceptions]] entry: waives the named rules on matching images until it expires.
struct Exception {
  std::vector<std::string> rules;
  std::optional<std::string> cicd_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> image_name;
  std::optional<std::string> image_version;
  TimePoint expires;
  std::string reason;
  std::string owner;
  SourceRef source;
  std::string label() const; // e.g. "SEC-123 (policy.toml:14)"
};

// A setting of [scan] or [exceptions_policy] together with the file that set it.
template <typename T>
struct Setting {
  T value;
  std::string origin = "built-in default";
};

struct ScanSettings {
  std::optional<Setting<Duration>> wait;
  std::optional<Setting<Duration>> poll_interval;
  Setting<StateAction> on_missing{StateAction::fail};
  Setting<StateAction> on_pending{StateAction::fail};
  Setting<StateAction> on_failed{StateAction::fail};
  std::optional<Setting<Duration>> max_age;
  Setting<bool> require_current{false};
};

struct ExceptionsPolicy {
  std::optional<Setting<std::int64_t>> max_days;
  std::optional<Setting<std::int64_t>> warn_days;
};

// The effective policy after every file and its `extends` chain are merged.
struct Policy {
  std::vector<std::string> files; // in load order
  ScanSettings scan;
  std::vector<Rule> rules;        // in definition order
  std::vector<Exception> exceptions;
  ExceptionsPolicy exceptions_policy;
};

// Ids of the rules the engine defines itself; exceptions may name them.
inline constexpr std::string_view k_rule_scan_status = "scan-status";
inline constexpr std::string_view k_rule_scan_age = "scan-age";
inline constexpr std::string_view k_rule_scan_current = "scan-current";

// Glob match as in a shell: *, ?, [...]; used for exceptions, `in`, `not_in` and `when`.
bool glob_match(const std::string& pattern, const std::string& text);

} // namespace gate::policy
