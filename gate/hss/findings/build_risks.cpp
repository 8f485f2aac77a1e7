#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageBuildCommandRisks: GET /v5/{project_id}/image/build-command-risks
namespace gate::hss::findings {

namespace {

constexpr std::array<FieldSpec, 8> k_fields{{{"risk_id", FieldType::text},
                                             {"rule_id", FieldType::text},
                                             {"risk_name", FieldType::text},
                                             {"risk_level", FieldType::text},
                                             {"description", FieldType::text},
                                             {"image_type", FieldType::text},
                                             {"latest_scan_time", FieldType::integer},
                                             {"image_num", FieldType::integer}}};

Pairs parameters(const Record& image) { return {{"image_type", "cicd"}, {"image_id", image.image_id}}; }

} // namespace

const FindingEndpoint k_build_risks{FindingKind::build_risks, "/v5/{project_id}/image/build-command-risks", k_fields,
                                    {}, false, false, parameters,
                                 "ListImageBuildCommandRisks"};

} // namespace gate::hss::findings
