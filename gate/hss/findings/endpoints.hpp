#pragma once

#include "gate/hss/findings.hpp"

#include <array>
#include <span>
#include <string_view>

// What the finding kind files in this folder share. Each `<kind>.cpp` defines one
// `const FindingKindSpec k_<kind>` with external linkage; gate/CMakeLists.txt generates the
// registry that lists them all (hss/finding_registry.cpp.in), so adding a kind is adding a file.
namespace gate::hss::findings {

// Every kind spec of this folder, in no particular order.
std::span<const FindingKindSpec* const> registered_kinds();

// Which image_type an API takes (registry-images.md section 3): the image's own type (cicd,
// private_image, harbor, ...), or only the generic cicd or registry.
enum class ImageTypes { own, generic };

// Whether an API takes instance_id, which names an image of an SWR enterprise instance.
enum class InstanceId { not_taken, taken };

// What most image endpoints take: the image_type, and the record's namespace and image_name with
// its tag under `tag_key` (`tag_name` or `image_version`), each sent when the record has it (a
// registry image always has them: without them these APIs answer for every image), plus the
// record's instance_id where the API takes it.
Pairs image_query(const Record& image, std::string_view tag_key, ImageTypes types = ImageTypes::own,
                  InstanceId instance = InstanceId::not_taken);

// What the APIs of most kinds refuse among the registry types (registry-images.md section 3): only
// ListImageVulnerabilities takes jfrog images.
inline constexpr std::array<std::string_view, 1> k_jfrog_refused{"jfrog"};

// The image_type an API that takes only the generic types wants for the image.
std::string generic_image_type(const Record& image);

} // namespace gate::hss::findings
