#include "gate/hss/findings/endpoints.hpp"

#include <array>

// ListImageVulnerabilities: GET /v5/{project_id}/image/{image_id}/vulnerabilities, with the CVE
// sub-list ListVulnerabilityCve: GET /v5/{project_id}/image/vulnerability/{vul_id}/cve. One
// vulnerability may map to several CVEs; that list names no image.
namespace gate::hss::findings {

extern const FindingKindSpec k_vulnerabilities;

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

Pairs parameters(const Record& image) {
  return image_query(image, "tag_name", ImageTypes::own, InstanceId::taken);
}

constexpr std::array<FieldSpec, 4> k_cve_fields{{{"cve_id", FieldType::text},
                                                 {"cvss_score", FieldType::number},
                                                 {"publish_time", FieldType::integer},
                                                 {"description", FieldType::text}}};

Pairs no_parameters(const Record&) { return {}; }

constexpr FindingEndpoint k_cve_endpoint{FindingKind{k_vulnerabilities},
                                         "/v5/{project_id}/image/vulnerability/{vul_id}/cve",
                                         k_cve_fields, {}, false, RegionHeader::none, no_parameters, "ListVulnerabilityCve"};

constexpr auto text = AttributeOrder::none;
constexpr auto member = AttributeSource::member;

constexpr std::array k_attributes{
    AttributeSpec{"vul_id"},
    AttributeSpec{"cve_id", text, AttributeSource::cve_ids, FindingRole::cve_ids},
    AttributeSpec{"cvss", AttributeOrder::number, AttributeSource::cvss_max},
    AttributeSpec{"severity", AttributeOrder::severity, AttributeSource::severity},
    AttributeSpec{"repair_necessity"},
    AttributeSpec{"app_name", text, member, FindingRole::package},
    AttributeSpec{"app_path", text, member, FindingRole::package_path},
    AttributeSpec{"version", text, member, FindingRole::package_version},
    AttributeSpec{"position"},
    AttributeSpec{"description", text, member, FindingRole::description},
    AttributeSpec{"solution", text, member, FindingRole::solution},
    AttributeSpec{"url", text, member, FindingRole::link},
};

constexpr std::array<SeverityWord, 3> k_repair_necessity{
    {{"immediate_repair", "high"}, {"delay_repair", "medium"}, {"not_needed_repair", "low"}}};
constexpr std::array<std::string_view, 4> k_key{"vul_id", "app_name", "app_path", "version"};
constexpr std::array<std::string_view, 2> k_identity{"vul_id", "app_name"};
constexpr std::array<std::string_view, 1> k_id{"vul_id"};
constexpr std::array<std::string_view, 3> k_console{"app_name", "version", "app_path"};

} // namespace

const FindingKindSpec k_vulnerabilities{
    .name = "vulnerabilities",
    .position = 10,
    .endpoint = {FindingKind{k_vulnerabilities}, "/v5/{project_id}/image/{image_id}/vulnerabilities", k_fields, {},
                 true, RegionHeader::none, parameters, "ListImageVulnerabilities"},
    .attributes = k_attributes,
    .severity = {"repair_necessity", k_repair_necessity, {}},
    .key_members = k_key,
    .identity = k_identity,
    .id = {k_id, {}},
    .cves = SubList{&k_cve_endpoint, "vul_id"},
    .console = k_console,
    .dashboards = {.vulnerabilities = true},
    .vex = VexNames{"vul_id", "cve_id", "app_name", "version"},
};

} // namespace gate::hss::findings
