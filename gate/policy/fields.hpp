#pragma once

#include "gate/hss/record.hpp"
#include "gate/policy/model.hpp"

#include <span>
#include <string>
#include <string_view>

// The registry of record fields a rule may test. A field is defined here once: its name in
// policies and reports, its kind (which decides its operators) and how to read it from a record.
namespace gate::policy {

enum class FieldKind { count, size, severity, text, boolean, timestamp };

struct FieldDef {
  std::string_view name;
  FieldKind kind;
  Value (*read)(const hss::Record& record); // std::monostate when the record lacks the field
};

// Every field, in the order reports list them.
std::span<const FieldDef> fields();

// nullptr for a name that is not a field.
const FieldDef* find_field(std::string_view name);

// "vul_num, malicious_file_num, ..." for messages.
std::string field_names();

// A number of the field as people read it: sizes with a binary unit, severity ranks by name.
std::string show_number(const FieldDef& field, std::int64_t value);

// The value a report shows as `actual`; time stamps as a date with their age at `now`.
Value shown_actual(const FieldDef& field, const Value& value, TimePoint now);

// The age of a time stamp (ms since the epoch) at `now`; never negative, since a time in the
// future is reported as such rather than as a negative age.
Duration age_of(std::int64_t epoch_ms, TimePoint now);

} // namespace gate::policy
