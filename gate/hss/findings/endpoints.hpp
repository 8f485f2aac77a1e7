#pragma once

#include "gate/hss/findings.hpp"

// The finding endpoints, one file each in this folder; findings.cpp looks them up by kind.
namespace gate::hss::findings {

extern const FindingEndpoint k_vulnerabilities;
extern const FindingEndpoint k_vulnerability_cves;
extern const FindingEndpoint k_malware;
extern const FindingEndpoint k_secrets;
extern const FindingEndpoint k_baseline;
extern const FindingEndpoint k_build_risks;
extern const FindingEndpoint k_software;
extern const FindingEndpoint k_base_image;

// What most image endpoints take: image_type=cicd, and the record's namespace and image_name with
// its tag under `tag_key` (`tag_name` or `image_version`), each sent when the record has it.
Pairs cicd_image_query(const Record& image, std::string_view tag_key);

} // namespace gate::hss::findings
