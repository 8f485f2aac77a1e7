#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageApps: GET /v5/{project_id}/image/{image_id}/apps
namespace gate::hss::findings {

extern const FindingKindSpec k_software;

namespace {

constexpr std::array<FieldSpec, 4> k_fields{{{"app_name", FieldType::text},
                                             {"app_type", FieldType::text},
                                             {"app_version", FieldType::text},
                                             {"vul_num", FieldType::integer}}};

Pairs parameters(const Record& image) { return image_query(image, "tag_name"); }

constexpr auto text = AttributeOrder::none;
constexpr auto member = AttributeSource::member;

constexpr std::array k_attributes{
    AttributeSpec{"app_name", text, member, FindingRole::package},
    AttributeSpec{"app_type", text, member, FindingRole::package_type},
    AttributeSpec{"app_version", text, member, FindingRole::package_version},
    AttributeSpec{"vul_num", AttributeOrder::number, member, FindingRole::vulnerability_count},
};

constexpr std::array<std::string_view, 3> k_key{"app_type", "app_name", "app_version"};
constexpr std::array<std::string_view, 2> k_identity{"app_name", "app_version"};
constexpr std::array<std::string_view, 2> k_id{"app_name", "app_version"};
constexpr std::array<std::string_view, 2> k_console{"app_name", "app_version"};

} // namespace

const FindingKindSpec k_software{
    .name = "software",
    .position = 60,
    .endpoint = {FindingKind{k_software}, "/v5/{project_id}/image/{image_id}/apps", k_fields, {}, false, RegionHeader::none,
                 parameters, "ListImageApps", k_jfrog_refused},
    .attributes = k_attributes,
    .severity = {},
    .key_members = k_key,
    .identity = k_identity,
    .id = {k_id, "@"},
    .cves = {},
    .console = k_console,
    .dashboards = {.components = true},
};

} // namespace gate::hss::findings
