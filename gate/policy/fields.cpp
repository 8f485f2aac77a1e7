#include "gate/policy/fields.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <array>

namespace gate::policy {

namespace {

Value text_value(const std::optional<std::string>& field) {
  if (!field) return std::monostate{};
  return *field;
}

Value number_value(const std::optional<std::int64_t>& field) {
  if (!field) return std::monostate{};
  return *field;
}

// A severity_level that HSS left empty is not a level: the record lacks it.
Value severity_value(const hss::Record& record) {
  if (!record.severity_level || record.severity_level->empty()) return std::monostate{};
  return *record.severity_level;
}

Value boolean_value(const std::optional<bool>& field) {
  if (!field) return std::monostate{};
  return *field;
}

using Record = hss::Record;

constexpr std::array k_fields{
    FieldDef{"vul_num", FieldKind::count, [](const Record& r) { return number_value(r.vul_num); }},
    FieldDef{"malicious_file_num", FieldKind::count, [](const Record& r) { return number_value(r.malicious_file_num); }},
    FieldDef{"unsafe_setting_num", FieldKind::count, [](const Record& r) { return number_value(r.unsafe_setting_num); }},
    FieldDef{"image_size", FieldKind::size, [](const Record& r) { return number_value(r.image_size); }},
    FieldDef{"severity_level", FieldKind::severity, [](const Record& r) { return severity_value(r); }},
    FieldDef{"scan_status", FieldKind::text, [](const Record& r) { return Value{r.scan_status}; }},
    FieldDef{"scan_failed_code", FieldKind::text, [](const Record& r) { return text_value(r.scan_failed_code); }},
    FieldDef{"cicd_name", FieldKind::text, [](const Record& r) { return text_value(r.cicd_name); }},
    FieldDef{"namespace", FieldKind::text, [](const Record& r) { return text_value(r.namespace_name); }},
    FieldDef{"image_name", FieldKind::text, [](const Record& r) { return text_value(r.image_name); }},
    FieldDef{"image_version", FieldKind::text, [](const Record& r) { return text_value(r.image_version); }},
    FieldDef{"registry_name", FieldKind::text, [](const Record& r) { return text_value(r.registry_name); }},
    FieldDef{"registry_type", FieldKind::text, [](const Record& r) { return text_value(r.registry_type); }},
    FieldDef{"instance_id", FieldKind::text, [](const Record& r) { return text_value(r.instance_id); }},
    FieldDef{"scannable", FieldKind::boolean, [](const Record& r) { return boolean_value(r.scannable); }},
    FieldDef{"image_digest", FieldKind::text, [](const Record& r) { return text_value(r.image_digest); }},
    FieldDef{"pipeline_type", FieldKind::text, [](const Record& r) { return text_value(r.pipeline_type); }},
    FieldDef{"latest_version", FieldKind::boolean, [](const Record& r) { return boolean_value(r.latest_version); }},
    FieldDef{"latest_scan_time", FieldKind::timestamp, [](const Record& r) { return number_value(r.latest_scan_time); }},
    FieldDef{"latest_update_time", FieldKind::timestamp,
             [](const Record& r) { return number_value(r.latest_update_time); }},
};

} // namespace

std::span<const FieldDef> fields() { return k_fields; }

const FieldDef* find_field(std::string_view name) {
  for (const auto& field : k_fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::string field_names() {
  std::string names;
  for (const auto& field : k_fields) names += (names.empty() ? "" : ", ") + std::string(field.name);
  return names;
}

std::string show_number(const FieldDef& field, std::int64_t value) {
  switch (field.kind) {
  case FieldKind::size: return units::format_size(value);
  case FieldKind::severity: return std::string(hss::severity_name(value));
  case FieldKind::timestamp: {
    auto time = units::time_from_epoch_ms(value);
    return time ? units::format_date_time(*time) : std::to_string(value);
  }
  default: return std::to_string(value);
  }
}

Duration age_of(std::int64_t epoch_ms, TimePoint now) {
  auto time = units::time_from_epoch_ms(epoch_ms).value_or(TimePoint{});
  return std::max(Duration{0}, std::chrono::duration_cast<Duration>(now - time));
}

Value shown_actual(const FieldDef& field, const Value& value, TimePoint now) {
  const auto* number = std::get_if<std::int64_t>(&value);
  if (field.kind != FieldKind::timestamp || !number) return value;
  return fmt::format("{} ({} ago)", show_number(field, *number), units::format_duration(age_of(*number, now)));
}

} // namespace gate::policy
