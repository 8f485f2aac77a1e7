#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageVulnerabilities: GET /v5/{project_id}/image/{image_id}/vulnerabilities
namespace gate::hss::findings {

namespace {

constexpr std::array<FieldSpec, 9> k_fields{{{"vul_id", FieldType::text},
                                             {"repair_necessity", FieldType::text},
                                             {"description", FieldType::text},
                                             {"position", FieldType::text},
                                             {"app_name", FieldType::text},
                                             {"app_path", FieldType::text},
                                             {"version", FieldType::text},
                                             {"solution", FieldType::text},
                                             {"url", FieldType::text}}};

Pairs parameters(const Record& image) { return cicd_image_query(image, "tag_name"); }

} // namespace

const FindingEndpoint k_vulnerabilities{FindingKind::vulnerabilities, "/v5/{project_id}/image/{image_id}/vulnerabilities",
                                        k_fields, {}, true, false, parameters,
                                 "ListImageVulnerabilities"};

} // namespace gate::hss::findings
