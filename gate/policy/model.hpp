#pragma once

#include "gate/hss/finding_kind.hpp"
#include "gate/hss/record.hpp"
#include "gate/vex/vex.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// The policy as plain data: what the loader builds and the evaluator reads.
namespace gate::policy {

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

// What to do about an image that has no usable scan: missing, pending, or failed. Ordered from
// loosest to strictest.
enum class StateAction { pass, warn, fail };

std::string_view name_of(Level level);
std::string_view name_of(StateAction action);
std::optional<StateAction> state_action_named(std::string_view name);

// A value read from a record or shown in reports: null, an integer, a boolean, or text.
using Value = std::variant<std::monostate, std::int64_t, bool, std::string>;
std::string to_text(const Value& value);

// An operator's operand: a count, bytes or a severity rank; a boolean; globs; or a duration.
using Operand = std::variant<std::int64_t, bool, std::vector<std::string>, Duration>;

struct FieldDef;    // fields.hpp: the registry of record fields
struct OperatorDef; // operators.hpp: the registry of operators

// One operator of a rule with its operand, e.g. `max = 50`.
struct Condition {
  const OperatorDef* op = nullptr;
  Operand operand;
};

struct FindingAttribute; // finding_attributes.hpp: the registry of finding attributes

// One `where.ATTR` condition of a findings rule: globs (any may match), or an inclusive range
// of an ordered attribute (severities as ranks of the ladder).
struct FindingCondition {
  const FindingAttribute* attribute = nullptr;
  std::vector<std::string> globs;
  std::optional<double> min;
  std::optional<double> max;
  bool skip_unknown = false; // unknown = "skip": a finding without the value does not match
  bool ordered() const { return globs.empty(); }
};

// What a findings rule counts: the findings of one kind that meet every condition.
struct FindingSelector {
  hss::FindingKind kind;
  std::vector<FindingCondition> where; // in the attribute registry's order
  std::int64_t max = 0;                // the most matching findings allowed
  bool new_only = false;               // count only findings absent from the image compared with
  const FindingCondition* condition(std::string_view attribute) const;
};

// One attribute of an exception's `finding = {...}`: its globs (any may match). Every attribute
// must match for a finding to be waived. Named, not resolved: the kind comes from the rule.
struct FindingPattern {
  std::string attribute;
  std::vector<std::string> globs;
};

// Where the pipeline runs, for `when` conditions and time-based rules.
struct Context {
  std::optional<std::string> branch;
  std::optional<std::string> environment;
  TimePoint now;
  // The lists reports need besides the rules' (vulnerabilities, software, base_image): copied
  // into each image's Inventory.
  std::vector<hss::FindingKind> inventory = {};
  // Where the images were looked up, for the hints of a missing image or an unfinished scan.
  hss::LookupScope scope = {};
  // The VEX documents given (--vex): they waive findings only where the policy allows it.
  std::vector<vex::Document> vex = {};
};

struct When {
  std::optional<std::vector<std::string>> branch;
  std::optional<std::vector<std::string>> environment;
  // Why the conditions do not hold in this context, one reason each ("no branch is known",
  // "branch \"x\" is not one of [main]"); empty when they hold.
  std::vector<std::string> unmet(const Context& context) const;
};

// One [rules.ID] table: a field and its conditions, in the operator registry's order; or, for a
// findings rule, what it counts (then `field` is null and `conditions` empty).
struct Rule {
  std::string id;
  const FieldDef* field = nullptr;
  std::vector<Condition> conditions;
  std::optional<FindingSelector> findings;
  Level level = Level::fail;
  std::optional<TimePoint> fail_from;
  std::string message;
  When when;
  bool vex = true; // false: VEX statements never waive this rule's findings (`vex = false`)
  SourceRef source;
  const Condition* condition(std::string_view op) const;
  // True when `when` holds in this context (an unknown branch or environment does not): the one
  // test the finding plan and the verdict share.
  bool applies(const Context& context) const { return when.unmet(context).empty(); }
};

// One [[exceptions]] entry: waives the named rules on matching images until it expires.
struct Exception {
  std::vector<std::string> rules;
  std::optional<std::string> cicd_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> image_name;
  std::optional<std::string> image_version;
  std::vector<FindingPattern> finding; // empty: waives the whole rule
  SourceRef finding_source;
  TimePoint expires;
  std::string reason;
  std::string owner;
  SourceRef source;
  std::string label() const; // e.g. "exception for [a, b] (policy.toml:14)"
  // True while the exception waives: up to and including the moment it expires.
  bool active_at(TimePoint now) const { return now <= expires; }
};

// A setting of [scan] or [exceptions_policy] together with the file that set it.
inline constexpr std::string_view k_built_in = "built-in default";
template <typename T>
struct Setting {
  T value;
  std::string origin = std::string(k_built_in);
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

// [findings]: how finding lists are asked for.
struct FindingsSettings {
  Setting<bool> include_handled{false}; // also findings handled in HSS's console
};

// [vex]: whether VEX documents (--vex) may waive findings. Off unless a policy allows it.
struct VexSettings {
  Setting<bool> allow{false};
};

// A base that `extends` names by URL, pinned by the SHA-256 of its bytes:
// "https://example.org/org.toml#sha256=<64 lower-case hex digits>".
struct PinnedBase {
  std::string url;    // as written, without the fragment
  std::string sha256; // lower-case hex
  // How provenance, messages and reports name it: the URL masked (never its user information or
  // query) and the digest, "https://example.org/org.toml#sha256=...".
  std::string name() const;
};

// The effective policy after every file and its `extends` chain are merged.
struct Policy {
  std::vector<std::string> files;       // in load order: paths as given, URL bases by their name()
  std::vector<std::string> local_files; // the files among them read from disk (inputs a report must spare)
  std::vector<PinnedBase> url_bases;    // the bases read by URL, in load order
  ScanSettings scan;
  std::vector<Rule> rules;        // in definition order
  std::vector<Exception> exceptions;
  ExceptionsPolicy exceptions_policy;
  FindingsSettings findings;
  VexSettings vex;
};

// An exception that has expired at some time, or expires within exceptions_policy.warn_days of
// it: what `policy lint` warns about and what a run counts as its expiry warnings.
struct ExpiryNotice {
  const Exception* exception = nullptr; // points into the policy, which must outlive the notice
  bool expired = false;
  std::int64_t days = 0; // whole days until it expires, or since it expired
};

// The notices of the policy's exceptions at `now`, in the policy's order.
std::vector<ExpiryNotice> expiry_notices(const Policy& policy, TimePoint now);

// Ids of the rules the engine defines itself; exceptions may name them.
inline constexpr std::string_view k_rule_scan_status = "scan-status";
inline constexpr std::string_view k_rule_scan_age = "scan-age";
inline constexpr std::string_view k_rule_scan_current = "scan-current";
bool is_built_in_rule(std::string_view id);

// Glob match as in a shell: *, ?, [...] (with ! or ^ to negate) over the whole text, NUL bytes
// included; used for exceptions, `in`, `not_in` and `when`.
bool glob_match(std::string_view pattern, std::string_view text);
bool any_glob(const std::vector<std::string>& patterns, std::string_view text);
// The one text a glob without wildcards matches (its escapes undone); nullopt when it has a
// `*`, `?` or `[...]`.
std::optional<std::string> glob_literal(std::string_view pattern);
// The glob that matches only `text` (its `*`, `?`, `[`, `]` and `\` escaped): glob_literal's inverse.
std::string literal_glob(std::string_view text);

} // namespace gate::policy
