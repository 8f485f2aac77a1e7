#pragma once

#include "gate/hss/record.hpp"

#include <optional>
#include <string>
#include <vector>

// The images one run gates: each `--image SPEC`, each line of an `--images FILE`, or, without
// either, the single-image flags. A SPEC is comma-separated key=value pairs; a key left out
// takes the single-image flag's value.
namespace gate::config {

struct ImageSpec {
  hss::Query query;
  std::optional<std::string> dockerfile; // where the image is built from, for reports
  std::optional<std::string> compare_with; // the version to compare with (--compare-with)
  std::string origin;                    // "--image #2", "images.txt:4", for messages
  bool has_cicd_name = false;            // cicd_name may be empty, but must be given
  // Keys given for this image on the command line or in its SPEC, with where: a key that does
  // not apply to the image's source is an error there, and ignored when only the environment
  // (set for a whole group) gives it.
  std::vector<std::pair<std::string, std::string>> given;
};

// The most images one run gates.
inline constexpr std::size_t k_max_images = 100;

// Parses one SPEC over the defaults. Throws UsageError naming `origin` for an unknown key, an
// empty or out-of-range value, a missing cicd_name or image_version, or for a registry image
// a missing namespace, image_name or image_digest, or a cicd_name given for it.
ImageSpec parse_image_spec(const std::string& text, const std::string& origin, const ImageSpec& defaults);

// Checks a whole list: at least one, at most k_max_images, no two alike after defaults.
void check_image_specs(const std::vector<ImageSpec>& specs);

// Validates one setting of an image as its flag would: "--cicd-name", 0 to 128 characters, ...
// Shared by the flags and the SPEC keys so that both accept the same values.
void check_image_value(const std::string& key, const std::string& value, const std::string& origin);

} // namespace gate::config
