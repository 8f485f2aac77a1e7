#include "gate/policy/model.hpp"
#include "gate/policy/outcome.hpp"

#include "gate/error.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <array>
#include <utility>

namespace gate::policy {

namespace {

struct FieldInfo {
  Field field;
  std::string_view name;
  FieldKind kind;
};

constexpr std::array k_fields{
    FieldInfo{Field::vul_num, "vul_num", FieldKind::count},
    FieldInfo{Field::malicious_file_num, "malicious_file_num", FieldKind::count},
    FieldInfo{Field::unsafe_setting_num, "unsafe_setting_num", FieldKind::count},
    FieldInfo{Field::image_size, "image_size", FieldKind::size},
    FieldInfo{Field::severity_level, "severity_level", FieldKind::severity},
    FieldInfo{Field::scan_status, "scan_status", FieldKind::text},
    FieldInfo{Field::scan_failed_code, "scan_failed_code", FieldKind::text},
    FieldInfo{Field::cicd_name, "cicd_name", FieldKind::text},
    FieldInfo{Field::namespace_name, "namespace", FieldKind::text},
    FieldInfo{Field::image_name, "image_name", FieldKind::text},
    FieldInfo{Field::image_version, "image_version", FieldKind::text},
    FieldInfo{Field::registry_name, "registry_name", FieldKind::text},
    FieldInfo{Field::image_digest, "image_digest", FieldKind::text},
    FieldInfo{Field::pipeline_type, "pipeline_type", FieldKind::text},
    FieldInfo{Field::latest_version, "latest_version", FieldKind::boolean},
    FieldInfo{Field::latest_scan_time, "latest_scan_time", FieldKind::timestamp},
    FieldInfo{Field::latest_update_time, "latest_update_time", FieldKind::timestamp},
};

const FieldInfo& info_of(Field field) {
  for (const auto& info : k_fields) {
    if (info.field == field) return info;
  }
  throw std::logic_error("field without an entry in k_fields");
}

} // namespace

std::string SourceRef::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Exception::label() const {
  return fmt::format("exception for [{}] ({}:{})", fmt::join(rules, ", "), source.file, source.line);
}

FieldKind kind_of(Field field) { return info_of(field).kind; }
std::string_view name_of(Field field) { return info_of(field).name; }

std::optional<Field> field_named(std::string_view name) {
  for (const auto& info : k_fields) {
    if (info.name == name) return info.field;
  }
  return std::nullopt;
}

std::string_view name_of(Level level) { return level == Level::fail ? "fail" : "warn"; }

std::string_view name_of(StateAction action) {
  switch (action) {
  case StateAction::pass: return "pass";
  case StateAction::warn: return "warn";
  case StateAction::fail: return "fail";
  }
  return "fail";
}

std::optional<int> severity_rank(std::string_view level) {
  static constexpr std::array<std::string_view, 4> k_order{"Security", "Low", "Medium", "High"};
  for (std::size_t i = 0; i < k_order.size(); ++i) {
    if (k_order[i] == level) return static_cast<int>(i);
  }
  return std::nullopt;
}

bool glob_match(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::string to_text(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "(none)"; }
    std::string operator()(std::int64_t number) const { return std::to_string(number); }
    std::string operator()(bool flag) const { return flag ? "true" : "false"; }
    std::string operator()(const std::string& text) const { return text; }
  };
  return std::visit(Visitor{}, value);
}

std::string_view name_of(RuleStatus status) {
  switch (status) {
  case RuleStatus::pass: return "pass";
  case RuleStatus::fail: return "fail";
  case RuleStatus::warn: return "warn";
  case RuleStatus::excepted: return "excepted";
  case RuleStatus::not_applicable: return "not_applicable";
  }
  return "fail";
}

std::string_view name_of(Decision decision) {
  switch (decision) {
  case Decision::pass: return "pass";
  case Decision::warn: return "warn";
  case Decision::no_verdict: return "no_verdict";
  case Decision::fail: return "fail";
  case Decision::error: return "error";
  }
  return "error";
}

int exit_code_of(Decision decision) {
  switch (decision) {
  case Decision::pass:
  case Decision::warn: return k_exit_pass;
  case Decision::fail: return k_exit_blocked;
  case Decision::no_verdict: return k_exit_no_verdict;
  case Decision::error: return k_exit_service;
  }
  return k_exit_service;
}

std::string describe_query(const hss::Query& query) {
  std::string text = fmt::format("cicd_name \"{}\", image_version \"{}\"", query.cicd_name, query.image_version);
  if (query.image_name) text += fmt::format(", image_name \"{}\"", *query.image_name);
  if (query.namespace_name) text += fmt::format(", namespace \"{}\"", *query.namespace_name);
  return text;
}

std::string describe_image(const ImageResult& image) {
  const hss::Record& record = image.record;
  std::string name = record.image_name.empty() ? record.cicd_name : record.image_name;
  if (!record.namespace_name.empty()) name = record.namespace_name + "/" + name;
  return fmt::format("{}:{} (cicd_name {})", name, record.image_version, record.cicd_name);
}

} // namespace gate::policy
