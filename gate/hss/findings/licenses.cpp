#include "gate/hss/findings/endpoints.hpp"

#include <array>

// A made-up kind, to check the recipe: GET /v5/{project_id}/image/{image_id}/licenses
namespace gate::hss::findings {

extern const FindingKindSpec k_licenses;

namespace {

constexpr std::array<FieldSpec, 3> k_fields{{{"license_name", FieldType::text},
                                             {"app_name", FieldType::text},
                                             {"risk_level", FieldType::text}}};

Pairs parameters(const Record& image) { return cicd_image_query(image, "tag_name"); }

constexpr std::array k_attributes{
    AttributeSpec{"license_name"},
    AttributeSpec{"app_name", AttributeOrder::none, AttributeSource::member, FindingRole::package},
    AttributeSpec{"severity", AttributeOrder::severity, AttributeSource::severity},
};

constexpr std::array<std::string_view, 2> k_key{"license_name", "app_name"};
constexpr std::array<std::string_view, 1> k_id{"license_name"};
constexpr std::array<std::string_view, 1> k_console{"app_name"};

} // namespace

const FindingKindSpec k_licenses{
    .name = "licenses",
    .position = 80,
    .endpoint = {FindingKind{k_licenses}, "/v5/{project_id}/image/{image_id}/licenses", k_fields, {}, false, false,
                 parameters, "ListImageLicenses"},
    .attributes = k_attributes,
    .severity = {"risk_level", {}, {}},
    .key_members = k_key,
    .id = {k_id, {}},
    .cves = {},
    .console = k_console,
    .dashboards = {},
};

} // namespace gate::hss::findings
