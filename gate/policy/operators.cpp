#include "gate/policy/operators.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

namespace gate::policy {

namespace {

std::int64_t number_of(const Value& value) { return std::get<std::int64_t>(value); }
const std::string& text_of(const Value& value) { return std::get<std::string>(value); }
std::string list_text(const std::vector<std::string>& values) { return fmt::format("{}", fmt::join(values, ", ")); }

// A count, a byte size or a severity, by the field's kind.
std::optional<Operand> parse_bound(const Node& node, FieldKind kind, std::string& problem) {
  if (kind == FieldKind::count) {
    if (node.type == Node::Type::integer && node.integer >= 0) return node.integer;
    problem = fmt::format("expected a whole number of at least 0, got {}", type_name(node));
  } else if (kind == FieldKind::size) {
    if (node.type == Node::Type::integer && node.integer >= 0) return node.integer;
    if (node.type == Node::Type::string) {
      if (auto bytes = units::parse_size(node.string)) return *bytes;
    }
    problem = "expected bytes or a size such as \"512MiB\" or \"2GB\"";
  } else {
    if (node.type == Node::Type::string) {
      if (auto rank = hss::severity_rank(node.string)) return std::int64_t{*rank};
    }
    problem = fmt::format("expected one of \"{}\"", fmt::join(hss::severity_levels(), "\", \""));
  }
  return std::nullopt;
}

// The rank of a severity, the number of any other ordered field.
std::int64_t ordered(const FieldDef& field, const Value& value) {
  if (field.kind == FieldKind::severity) return hss::severity_rank(text_of(value)).value_or(0);
  return number_of(value);
}

std::string shown(const FieldDef& field, const Value& value) {
  return field.kind == FieldKind::severity ? text_of(value) : show_number(field, number_of(value));
}

Value limit_value(const FieldDef& field, std::int64_t bound) {
  if (field.kind == FieldKind::severity) return std::string(hss::severity_name(bound));
  return bound;
}

Node render_bound(const Operand& operand, FieldKind kind) {
  std::int64_t bound = std::get<std::int64_t>(operand);
  if (kind == FieldKind::severity) return Node::text(std::string(hss::severity_name(bound)));
  return Node::number(bound);
}

Verdict check_max(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput&) {
  std::int64_t bound = std::get<std::int64_t>(operand);
  bool above = ordered(field, actual) > bound;
  return {above, limit_value(field, bound),
          fmt::format("{} is {}, {} max {}", field.name, shown(field, actual), above ? "above" : "within",
                      show_number(field, bound))};
}

Verdict check_min(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput&) {
  std::int64_t bound = std::get<std::int64_t>(operand);
  bool below = ordered(field, actual) < bound;
  return {below, limit_value(field, bound),
          fmt::format("{} is {}, {} min {}", field.name, shown(field, actual), below ? "below" : "at least",
                      show_number(field, bound))};
}

std::optional<Operand> parse_globs(const Node& node, FieldKind kind, std::string& problem) {
  auto values = strings_of(node, problem);
  if (!values) return std::nullopt;
  if (kind == FieldKind::severity) {
    for (const auto& level : *values) {
      if (!hss::severity_rank(level)) {
        problem = fmt::format("unknown severity '{}': expected one of {}", level, fmt::join(hss::severity_levels(), ", "));
        return std::nullopt;
      }
    }
  }
  return *values;
}

Verdict check_in(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput&) {
  const auto& patterns = std::get<std::vector<std::string>>(operand);
  bool listed = any_glob(patterns, text_of(actual));
  return {!listed, list_text(patterns),
          fmt::format("{} is \"{}\", {} [{}]", field.name, text_of(actual), listed ? "matching" : "matching none of",
                      list_text(patterns))};
}

Verdict check_not_in(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput&) {
  const auto& patterns = std::get<std::vector<std::string>>(operand);
  bool listed = any_glob(patterns, text_of(actual));
  return {listed, list_text(patterns),
          fmt::format("{} is \"{}\", {} [{}]", field.name, text_of(actual),
                      listed ? "matching the forbidden" : "matching none of", list_text(patterns))};
}

// Every value `narrow` allows, `broad` allows too (compared as written).
bool covers(const std::vector<std::string>& broad, const std::vector<std::string>& narrow) {
  return std::all_of(narrow.begin(), narrow.end(),
                     [&](const std::string& value) { return std::find(broad.begin(), broad.end(), value) != broad.end(); });
}

Node render_globs(const Operand& operand, FieldKind) { return Node::strings(std::get<std::vector<std::string>>(operand)); }

std::optional<Operand> parse_boolean(const Node& node, FieldKind, std::string& problem) {
  if (node.type == Node::Type::boolean) return node.boolean;
  problem = fmt::format("expected true or false, got {}", type_name(node));
  return std::nullopt;
}

Verdict check_equals(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput&) {
  bool wanted = std::get<bool>(operand);
  bool value = std::get<bool>(actual);
  return {value != wanted, wanted, fmt::format("{} is {}, expected {}", field.name, value, wanted)};
}

std::optional<Operand> parse_duration(const Node& node, FieldKind, std::string& problem) {
  if (auto duration = duration_of(node, problem)) return *duration;
  return std::nullopt;
}

Verdict check_max_age(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput& input) {
  TimePoint now = input.now;
  Duration limit = std::get<Duration>(operand);
  std::int64_t stamp = number_of(actual);
  std::string limit_text = units::format_duration(limit);
  auto time = units::time_from_epoch_ms(stamp).value_or(TimePoint{});
  if (time > now + k_allowed_clock_skew) {
    return {true, limit_text,
            fmt::format("{} is {}, {} in the future: a time stamp from the future cannot prove a recent scan",
                        field.name, show_number(field, stamp), units::format_duration(time - now))};
  }
  Duration age = age_of(stamp, now);
  bool old = age > limit;
  return {old, limit_text,
          fmt::format("{} is {} old, {} max_age {}", field.name, units::format_duration(age),
                      old ? "older than" : "within", limit_text)};
}

Node render_duration(const Operand& operand, FieldKind) {
  return Node::text(units::format_duration(std::get<Duration>(operand)));
}

// The value may exceed the compared image's by at most the operand. Fail closed: with no image to
// compare with, or without the field there, the compared value is taken as 0.
Verdict check_max_increase(const Operand& operand, const FieldDef& field, const Value& actual, const CheckInput& input) {
  std::int64_t allowed = std::get<std::int64_t>(operand);
  std::int64_t value = number_of(actual);
  std::int64_t base = 0;
  std::string against;
  if (!input.compared) {
    against = "no image to compare with (no --compare-with), so the compared value is taken as 0";
  } else if (input.compared->unavailable) {
    against = fmt::format("{} is unavailable ({}), so the compared value is taken as 0", input.compared->name,
                          *input.compared->unavailable);
  } else if (!input.compared->value || !std::holds_alternative<std::int64_t>(*input.compared->value)) {
    against = fmt::format("{} has no {}, so the compared value is taken as 0", input.compared->name, field.name);
  } else {
    base = number_of(*input.compared->value);
    against = fmt::format("{} in {}", show_number(field, base), input.compared->name);
  }
  // Far beyond any count HSS gives: the sum saturates rather than overflows.
  std::int64_t limit = base > std::numeric_limits<std::int64_t>::max() - allowed ? std::numeric_limits<std::int64_t>::max()
                                                                                   : base + allowed;
  bool over = value > limit;
  return {over, limit,
          fmt::format("{} is {}, {} max_increase {} over {}", field.name, show_number(field, value),
                      over ? "beyond" : "within", show_number(field, allowed), against)};
}

constexpr std::array k_ordered{FieldKind::count, FieldKind::size, FieldKind::severity};
constexpr std::array k_amounts{FieldKind::count, FieldKind::size};
constexpr std::array k_listable{FieldKind::severity, FieldKind::text};
constexpr std::array k_text{FieldKind::text};
constexpr std::array k_boolean{FieldKind::boolean};
constexpr std::array k_timestamp{FieldKind::timestamp};

const std::array<OperatorDef, 7> k_operators{{
    {"max", k_ordered, parse_bound, check_max,
     [](const Operand& base, const Operand& next) { return std::get<std::int64_t>(next) <= std::get<std::int64_t>(base); },
     "raises or drops 'max'", render_bound},
    {"min", k_ordered, parse_bound, check_min,
     [](const Operand& base, const Operand& next) { return std::get<std::int64_t>(next) >= std::get<std::int64_t>(base); },
     "lowers or drops 'min'", render_bound},
    {"in", k_listable, parse_globs, check_in,
     [](const Operand& base, const Operand& next) {
       return covers(std::get<std::vector<std::string>>(base), std::get<std::vector<std::string>>(next));
     },
     "allows values that 'in' did not", render_globs},
    {"not_in", k_text, parse_globs, check_not_in,
     [](const Operand& base, const Operand& next) {
       return covers(std::get<std::vector<std::string>>(next), std::get<std::vector<std::string>>(base));
     },
     "drops values from 'not_in'", render_globs},
    {"equals", k_boolean, parse_boolean, check_equals,
     [](const Operand& base, const Operand& next) { return std::get<bool>(next) == std::get<bool>(base); },
     "changes or drops 'equals'", [](const Operand& operand, FieldKind) { return Node::flag(std::get<bool>(operand)); }},
    {"max_age", k_timestamp, parse_duration, check_max_age,
     [](const Operand& base, const Operand& next) { return std::get<Duration>(next) <= std::get<Duration>(base); },
     "lengthens or drops 'max_age'", render_duration},
    {"max_increase", k_amounts, parse_bound, check_max_increase,
     [](const Operand& base, const Operand& next) { return std::get<std::int64_t>(next) <= std::get<std::int64_t>(base); },
     "raises or drops 'max_increase'", render_bound},
}};

} // namespace

std::span<const OperatorDef> operators() { return k_operators; }

const OperatorDef* find_operator(std::string_view name) {
  for (const auto& op : k_operators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

bool takes(const OperatorDef& op, FieldKind kind) {
  return std::find(op.kinds.begin(), op.kinds.end(), kind) != op.kinds.end();
}

std::string operators_for(FieldKind kind) {
  std::string names;
  for (const auto& op : k_operators) {
    if (takes(op, kind)) names += (names.empty() ? "" : ", ") + std::string(op.name);
  }
  return names;
}

} // namespace gate::policy
