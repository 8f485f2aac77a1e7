#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListCheckRulesInfo: GET /v5/{project_id}/baseline/check-rules, failed checks of one image.
namespace gate::hss::findings {

extern const FindingKindSpec k_baseline;

namespace {

constexpr std::array<FieldSpec, 10> k_fields{{{"severity", FieldType::text},
                                              {"check_name", FieldType::text},
                                              {"check_type", FieldType::text},
                                              {"standard", FieldType::text},
                                              {"check_type_desc", FieldType::text},
                                              {"check_rule_name", FieldType::text},
                                              {"check_rule_id", FieldType::text},
                                              {"scan_result", FieldType::text},
                                              {"latest_scan_time", FieldType::integer},
                                              {"image_num", FieldType::integer}}};

Pairs parameters(const Record& image) {
  Pairs query{{"type", "image"}, {"image_id", image.image_id}, {"scan_result", "failed"}};
  auto names = image_query(image, "image_version", ImageTypes::generic, InstanceId::taken);
  query.insert(query.end(), names.begin(), names.end());
  return query;
}

constexpr std::array k_attributes{
    AttributeSpec{"check_name"},
    AttributeSpec{"check_type"},
    AttributeSpec{"check_rule_name"},
    AttributeSpec{"check_rule_id"},
    AttributeSpec{"standard"},
    AttributeSpec{"severity", AttributeOrder::severity, AttributeSource::severity},
};

// Baseline's own words: "Security" is advice, below low.
constexpr std::array<SeverityWord, 4> k_severity_words{
    {{"security", "info"}, {"low", "low"}, {"medium", "medium"}, {"high", "high"}}};
constexpr std::array<std::string_view, 4> k_key{"check_name", "standard", "check_rule_id", "check_rule_name"};
constexpr std::array<std::string_view, 1> k_identity{"check_rule_id"};
constexpr std::array<std::string_view, 2> k_id{"check_rule_id", "check_rule_name"};
constexpr std::array<std::string_view, 1> k_console{"check_name"};

} // namespace

const FindingKindSpec k_baseline{
    .name = "baseline",
    .position = 40,
    .endpoint = {FindingKind{k_baseline}, "/v5/{project_id}/baseline/check-rules", k_fields, {}, false, RegionHeader::none,
                 parameters, "ListCheckRulesInfo"},
    .attributes = k_attributes,
    .severity = {"severity", k_severity_words, {}},
    .key_members = k_key,
    .identity = k_identity,
    .id = {k_id, {}},
    .cves = {},
    .console = k_console,
    .dashboards = {},
};

} // namespace gate::hss::findings
