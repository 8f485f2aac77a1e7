#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageSensitive: GET /v5/{project_id}/image/{image_id}/sensitive. `content` is the matched
// text, possibly the secret itself: it is dropped as the record is read, never kept or shown.
namespace gate::hss::findings {

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

Pairs parameters(const Record& image) { return cicd_image_query(image, "image_version"); }

} // namespace

const FindingEndpoint k_secrets{FindingKind::secrets, "/v5/{project_id}/image/{image_id}/sensitive", k_fields,
                                k_never_read, true, false, parameters,
                                 "ListImageSensitive"};

} // namespace gate::hss::findings
