#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageApps: GET /v5/{project_id}/image/{image_id}/apps
namespace gate::hss::findings {

namespace {

constexpr std::array<FieldSpec, 4> k_fields{{{"app_name", FieldType::text},
                                             {"app_type", FieldType::text},
                                             {"app_version", FieldType::text},
                                             {"vul_num", FieldType::integer}}};

Pairs parameters(const Record& image) { return cicd_image_query(image, "tag_name"); }

} // namespace

const FindingEndpoint k_software{FindingKind::software, "/v5/{project_id}/image/{image_id}/apps", k_fields, {}, false,
                                 false, parameters,
                                 "ListImageApps"};

} // namespace gate::hss::findings
