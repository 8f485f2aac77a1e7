#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListCheckRulesInfo: GET /v5/{project_id}/baseline/check-rules, failed checks of one image.
namespace gate::hss::findings {

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
  auto image_query = cicd_image_query(image, "image_version");
  query.insert(query.end(), image_query.begin(), image_query.end());
  return query;
}

} // namespace

const FindingEndpoint k_baseline{FindingKind::baseline, "/v5/{project_id}/baseline/check-rules", k_fields, {}, false,
                                 false, parameters,
                                 "ListCheckRulesInfo"};

} // namespace gate::hss::findings
