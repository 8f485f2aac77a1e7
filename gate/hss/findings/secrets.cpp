#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageSensitive: GET /v5/{project_id}/image/{image_id}/sensitive. `content` is the matched
// text, possibly the secret itself: it is dropped as the record is read, never kept or shown.
namespace gate::hss::findings {

extern const FindingKindSpec k_secrets;

namespace {

constexpr std::array<FieldSpec, 8> k_fields{{{"sensitive_info_id", FieldType::text},
                                             {"severity", FieldType::text},
                                             {"name", FieldType::text},
                                             {"description", FieldType::text},
                                             {"position", FieldType::text},
                                             {"file_path", FieldType::text},
                                             {"latest_scan_time", FieldType::integer},
                                             {"handle_status", FieldType::text}}};

constexpr std::array<std::string_view, 1> k_never_read{"content"};

Pairs parameters(const Record& image) { return image_query(image, "image_version"); }

constexpr std::array k_attributes{
    AttributeSpec{"sensitive_info_id"},
    AttributeSpec{"name"},
    AttributeSpec{"severity", AttributeOrder::severity, AttributeSource::severity},
    AttributeSpec{"file_path"},
    AttributeSpec{"position"},
    AttributeSpec{"description", AttributeOrder::none, AttributeSource::member, FindingRole::description},
};

constexpr std::array<std::string_view, 3> k_key{"sensitive_info_id", "file_path", "position"};
constexpr std::array<std::string_view, 2> k_identity{"name", "file_path"};
constexpr std::array<std::string_view, 2> k_id{"sensitive_info_id", "file_path"};
constexpr std::array<std::string_view, 1> k_console{"file_path"};

} // namespace

const FindingKindSpec k_secrets{
    .name = "secrets",
    .position = 30,
    .endpoint = {FindingKind{k_secrets}, "/v5/{project_id}/image/{image_id}/sensitive", k_fields, k_never_read, true,
                 RegionHeader::none, parameters, "ListImageSensitive", k_jfrog_refused},
    .attributes = k_attributes,
    .severity = {"severity", {}, {}},
    .key_members = k_key,
    .identity = k_identity,
    .id = {k_id, {}},
    .cves = {},
    .console = k_console,
    .dashboards = {},
};

} // namespace gate::hss::findings
