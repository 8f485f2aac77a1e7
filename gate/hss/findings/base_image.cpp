#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageBasicImage: GET /v5/{project_id}/image/{image_id}/basic-image, which takes the region
// as a request header.
namespace gate::hss::findings {

namespace {

constexpr std::array<FieldSpec, 3> k_fields{{{"os_name", FieldType::text},
                                             {"os_version", FieldType::text},
                                             {"layer_digest", FieldType::text}}};

Pairs parameters(const Record& image) { return cicd_image_query(image, "image_version"); }

} // namespace

const FindingEndpoint k_base_image{FindingKind::base_image, "/v5/{project_id}/image/{image_id}/basic-image", k_fields,
                                   {}, false, true, parameters,
                                 "ListImageBasicImage"};

} // namespace gate::hss::findings
