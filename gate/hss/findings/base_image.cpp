#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageBasicImage: GET /v5/{project_id}/image/{image_id}/basic-image, whose `region` request
// header the Go SDK's model marks required (findings.md).
namespace gate::hss::findings {

extern const FindingKindSpec k_base_image;

namespace {

constexpr std::array<FieldSpec, 3> k_fields{{{"os_name", FieldType::text},
                                             {"os_version", FieldType::text},
                                             {"layer_digest", FieldType::text}}};

Pairs parameters(const Record& image) { return image_query(image, "image_version"); }

constexpr std::array k_attributes{
    AttributeSpec{"os_name"},
    AttributeSpec{"os_version"},
    AttributeSpec{"layer_digest"},
};

constexpr std::array<std::string_view, 2> k_key{"os_name", "os_version"};
constexpr std::array<std::string_view, 2> k_id{"os_name", "os_version"};

} // namespace

const FindingKindSpec k_base_image{
    .name = "base_image",
    .position = 70,
    .endpoint = {FindingKind{k_base_image}, "/v5/{project_id}/image/{image_id}/basic-image", k_fields, {}, false, RegionHeader::required,
                 parameters, "ListImageBasicImage", k_jfrog_refused},
    .attributes = k_attributes,
    .severity = {},
    .key_members = k_key,
    .identity = {}, // one base image per image: nothing to compare finding by finding
    .id = {k_id, " "},
    .cves = {},
    .console = {},
    .dashboards = {.operating_system = true},
};

} // namespace gate::hss::findings
