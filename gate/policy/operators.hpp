#pragma once

#include "gate/policy/document.hpp"
#include "gate/policy/fields.hpp"
#include "gate/policy/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

// The registry of rule operators. An operator is defined here once: which field kinds take it,
// how its operand is read from a policy, how it checks a value, whether an override under
// `extends` is at least as strict, and how `policy show` writes it back.
namespace gate::policy {

// One condition tested against a record's value.
struct Verdict {
  bool violated = false;
  Value limit;        // as reports show it, e.g. 50 or "Medium"
  std::string detail; // one line: the value, the comparison and the limit
};

// The same field of the image compared with (--compare-with), for `max_increase`.
struct ComparedValue {
  std::string name;                       // how messages name that image: "1.9.0"
  std::optional<Value> value;             // nullopt: unavailable, then taken as 0
  std::optional<std::string> unavailable; // why, when it is
};

// What a condition is checked with besides the value.
struct CheckInput {
  TimePoint now;
  const ComparedValue* compared = nullptr; // nullptr: the run compares with no image
};

struct OperatorDef {
  std::string_view name;
  std::span<const FieldKind> kinds;
  // Reads the operand; nullopt with `problem` set ("expected ...") when it cannot.
  std::optional<Operand> (*parse)(const Node& value, FieldKind kind, std::string& problem);
  // Checks a present value (never std::monostate: a missing value fails before any operator).
  Verdict (*check)(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput& input);
  // True when `next` allows no value that `base` refused.
  bool (*tightens)(const Operand& base, const Operand& next);
  std::string_view loosening; // what an override that does not tighten does, e.g. "raises or drops 'max'"
  Node (*render)(const Operand& operand, FieldKind kind);
};

// Every operator, in the order rules check and show them.
std::span<const OperatorDef> operators();

// nullptr for a name that is not an operator.
const OperatorDef* find_operator(std::string_view name);

bool takes(const OperatorDef& op, FieldKind kind);

// "max, min" for messages.
std::string operators_for(FieldKind kind);

// How far in the future a time stamp may lie (clock skew) before it counts as bent time.
inline constexpr Duration k_allowed_clock_skew{300};

} // namespace gate::policy
