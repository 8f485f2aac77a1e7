#pragma once

#include "gate/hss/findings.hpp"

#include <span>

// What the finding kind files in this folder share. Each `<kind>.cpp` defines one
// `const FindingKindSpec k_<kind>` with external linkage; gate/CMakeLists.txt generates the
// registry that lists them all (hss/finding_registry.cpp.in), so adding a kind is adding a file.
namespace gate::hss::findings {

// Every kind spec of this folder, in no particular order.
std::span<const FindingKindSpec* const> registered_kinds();

// What most image endpoints take: image_type=cicd, and the record's namespace and image_name with
// its tag under `tag_key` (`tag_name` or `image_version`), each sent when the record has it.
Pairs cicd_image_query(const Record& image, std::string_view tag_key);

} // namespace gate::hss::findings
