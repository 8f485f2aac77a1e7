#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageBuildCommandRisks: GET /v5/{project_id}/image/build-command-risks
namespace gate::hss::findings {

extern const FindingKindSpec k_build_risks;

namespace {

constexpr std::array<FieldSpec, 8> k_fields{{{"risk_id", FieldType::text},
                                             {"rule_id", FieldType::text},
                                             {"risk_name", FieldType::text},
                                             {"risk_level", FieldType::text},
                                             {"description", FieldType::text},
                                             {"image_type", FieldType::text},
                                             {"latest_scan_time", FieldType::integer},
                                             {"image_num", FieldType::integer}}};

Pairs parameters(const Record& image) {
  return {{"image_type", generic_image_type(image)}, {"image_id", image.image_id}};
}

constexpr std::array k_attributes{
    AttributeSpec{"risk_id"},
    AttributeSpec{"rule_id"},
    AttributeSpec{"risk_name"},
    AttributeSpec{"risk_level"},
    AttributeSpec{"severity", AttributeOrder::severity, AttributeSource::severity},
    AttributeSpec{"description", AttributeOrder::none, AttributeSource::member, FindingRole::description},
};

constexpr std::array<std::string_view, 2> k_key{"risk_id", "rule_id"};
constexpr std::array<std::string_view, 1> k_identity{"rule_id"};
constexpr std::array<std::string_view, 2> k_id{"risk_id", "rule_id"};

} // namespace

const FindingKindSpec k_build_risks{
    .name = "build_risks",
    .position = 50,
    .endpoint = {FindingKind{k_build_risks}, "/v5/{project_id}/image/build-command-risks", k_fields, {}, false, RegionHeader::none,
                 parameters, "ListImageBuildCommandRisks"},
    .attributes = k_attributes,
    .severity = {"risk_level", {}, {}},
    .key_members = k_key,
    .identity = k_identity,
    .id = {k_id, {}},
    .cves = {},
    .console = {},
    .dashboards = {},
};

} // namespace gate::hss::findings
