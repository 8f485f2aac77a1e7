#include "gate/config/image_specs.hpp"

#include "gate/config/paths.hpp"
#include "gate/config/resolver.hpp"

#include "gate/error.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/text/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <regex>
#include <sstream>

namespace gate::config {

namespace {

struct KeyRange {
  std::string_view key;
  std::size_t min;
  std::size_t max;
};

// The documented ranges of the list API's parameters.
constexpr std::array k_ranges{KeyRange{"cicd_name", 0, 128}, KeyRange{"image_version", 1, 64},
                              KeyRange{"image_name", 1, 128}, KeyRange{"namespace", 1, 128},
                              KeyRange{"dockerfile", 1, 4096}, KeyRange{"instance_id", 1, 128},
                              KeyRange{"compare_with", 1, 64}};

constexpr std::array<std::string_view, 10> k_keys{"cicd_name", "image_version", "image_name", "namespace",
                                                  "image_digest", "dockerfile", "source", "image_type",
                                                  "instance_id", "compare_with"};

// The keys that name an image in one source only, that source, and how an image of another
// source drops the value it inherited.
struct SourceKey {
  std::string_view key;
  hss::Source source;
  void (*drop)(ImageSpec& spec);
};
constexpr std::array k_source_keys{
    SourceKey{"cicd_name", hss::Source::cicd,
              [](ImageSpec& spec) {
                spec.query.cicd_name.clear();
                spec.has_cicd_name = false;
              }},
    SourceKey{"image_type", hss::Source::registry, [](ImageSpec& spec) { spec.query.image_type.reset(); }},
    SourceKey{"instance_id", hss::Source::registry, [](ImageSpec& spec) { spec.query.instance_id.reset(); }}};

// What names an image of each source, for messages.
struct SourceNames {
  hss::Source source;
  std::string_view names;
};
constexpr std::array k_source_names{SourceNames{hss::Source::cicd, "cicd_name and image_version"},
                                    SourceNames{hss::Source::registry,
                                                "namespace, image_name, image_version and image_digest"}};

std::string_view names_of(hss::Source source) {
  for (const auto& row : k_source_names) {
    if (row.source == source) return row.names;
  }
  return {};
}

// Comparing an image with itself would make every finding old and every increase 0.
void check_compare_with(const ImageSpec& spec, const std::string& origin) {
  if (spec.compare_with && *spec.compare_with == spec.query.image_version) {
    throw UsageError(fmt::format("{}: compare_with is the image's own version {}: name the version to compare with, "
                                 "such as the one in production",
                                 origin, spec.query.image_version));
  }
}

bool same(const ImageSpec& a, const ImageSpec& b) {
  const hss::Query& x = a.query;
  const hss::Query& y = b.query;
  return x.source == y.source && x.cicd_name == y.cicd_name && x.image_version == y.image_version &&
         x.image_name == y.image_name && x.namespace_name == y.namespace_name && x.image_digest == y.image_digest &&
         x.image_type == y.image_type && x.instance_id == y.instance_id;
}

const std::string* given_origin(const ImageSpec& spec, std::string_view key) {
  for (const auto& [name, origin] : spec.given) {
    if (name == key) return &origin;
  }
  return nullptr;
}

void give(ImageSpec& spec, std::string_view key, std::string origin) {
  std::erase_if(spec.given, [&](const auto& pair) { return pair.first == key; });
  spec.given.emplace_back(std::string(key), std::move(origin));
}

// Drops what the environment gave that does not apply to the image's source (so that one
// group-wide variable does not stop images of the other source), and refuses what was given
// for this image itself.
void keep_source_keys(ImageSpec& spec) {
  const hss::SourceSpec& source = hss::source_spec(spec.query.source);
  for (const auto& row : k_source_keys) {
    if (row.source == spec.query.source) continue;
    if (const std::string* origin = given_origin(spec, row.key)) {
      throw UsageError(fmt::format("{}: {} does not apply to source={} images: drop it (images with source={} are "
                                   "named by {})",
                                   *origin, row.key, source.name, source.name, names_of(spec.query.source)));
    }
    row.drop(spec);
  }
}

// An image of a source that names it by its digest (a registry image) needs all of its names and
// its digest.
void check_registry_image(ImageSpec& spec, const std::string& origin) {
  if (!hss::source_spec(spec.query.source).digest_required) return;
  auto require = [&](bool present, std::string_view key, std::string_view flag, std::string_view why) {
    if (!present) {
      throw UsageError(fmt::format("{}: no {} for a source=registry image: give {}= or --{} ({})", origin, key, key,
                                   flag, why));
    }
  };
  require(spec.query.namespace_name.has_value(), "namespace", "namespace", "a registry image is named by namespace, "
                                                                           "image_name and image_version");
  require(spec.query.image_name.has_value(), "image_name", "image-name", "a registry image is named by namespace, "
                                                                         "image_name and image_version");
  require(spec.query.image_digest.has_value(), "image_digest", "image-digest",
          "a tag in a registry can point at yesterday's image, which HSS may still list");
  auto types = hss::source_spec(spec.query.source).image_types;
  if (!spec.query.image_type && !types.empty()) spec.query.image_type = std::string(types.front());
  if (spec.query.instance_id && spec.query.image_type != "instance_image") {
    throw UsageError(fmt::format("{}: instance_id names an SWR enterprise instance, so it needs image_type="
                                 "instance_image, got image_type={}",
                                 origin, *spec.query.image_type));
  }
}

} // namespace

void check_image_value(const std::string& key, const std::string& value, const std::string& origin) {
  if (key == "source") {
    if (!hss::source_named(value)) {
      throw UsageError(fmt::format("{}: expected one of {}, got \"{}\"", origin, hss::source_names(), value));
    }
    return;
  }
  if (key == "image_type") {
    auto types = hss::source_spec(hss::Source::registry).image_types;
    if (std::find(types.begin(), types.end(), value) == types.end()) {
      throw UsageError(fmt::format("{}: expected one of {}, got \"{}\"", origin, fmt::join(types, ", "), value));
    }
    return;
  }
  if (key == "image_digest") {
    // The digests registries and HSS give: OCI's registered algorithms, lower-case hex (OCI image
    // spec, "Digests"). HSS's digest is compared as written, so a case or length slip is refused
    // here rather than waited for as another image.
    static const std::regex k_digest(R"(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})");
    if (!std::regex_match(value, k_digest)) {
      throw UsageError(fmt::format("{}: expected sha256: and 64 lower-case hex digits (or sha512: and 128), got \"{}\"",
                                   origin, value));
    }
    return;
  }
  auto range = std::find_if(k_ranges.begin(), k_ranges.end(), [&](const KeyRange& r) { return r.key == key; });
  auto length = text::count_code_points(value);
  if (!length || !text::is_printable_text(value)) {
    throw UsageError(fmt::format("{}: expected printable UTF-8 text, without controls, line breaks or invisible "
                                 "characters",
                                 origin));
  }
  if (range != k_ranges.end() && (*length < range->min || *length > range->max)) {
    throw UsageError(fmt::format("{}: expected {} to {} characters, got {}", origin, range->min, range->max, *length));
  }
}

ImageSpec parse_image_spec(const std::string& text, const std::string& origin, const ImageSpec& defaults) {
  ImageSpec spec = defaults;
  spec.origin = origin;
  std::vector<std::string> seen; // a key given twice says two things about one image
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    start = end + 1;
    auto first = pair.find_first_not_of(" \t");
    if (first == std::string::npos) {
      throw UsageError(fmt::format("{}: expected key=value pairs separated by commas, got an empty pair", origin));
    }
    pair = pair.substr(first, pair.find_last_not_of(" \t") - first + 1);
    auto equals = pair.find('=');
    std::string key = pair.substr(0, equals);
    if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
      throw UsageError(fmt::format("{}: unknown key '{}': expected {}", origin, key, fmt::join(k_keys, ", ")));
    }
    if (equals == std::string::npos || equals + 1 == pair.size()) {
      throw UsageError(fmt::format("{}: {} has no value: expected {}=VALUE", origin, key, key));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      throw UsageError(fmt::format("{}: {} is given twice: expected each key once", origin, key));
    }
    seen.push_back(key);
    std::string value = pair.substr(equals + 1);
    check_image_value(key, value, fmt::format("{}: {}", origin, key));
    give(spec, key, fmt::format("{}: {}", origin, key));
    if (key == "cicd_name") {
      spec.query.cicd_name = value;
      spec.has_cicd_name = true;
    }
    if (key == "source") spec.query.source = *hss::source_named(value);
    if (key == "image_type") spec.query.image_type = value;
    if (key == "instance_id") spec.query.instance_id = value;
    if (key == "image_version") spec.query.image_version = value;
    if (key == "image_name") spec.query.image_name = value;
    if (key == "namespace") spec.query.namespace_name = value;
    if (key == "image_digest") spec.query.image_digest = value;
    if (key == "dockerfile") {
      check_repository_path(value, fmt::format("{}: dockerfile", origin));
      spec.dockerfile = value;
    }
    if (key == "compare_with") spec.compare_with = value;
  }
  keep_source_keys(spec);
  check_registry_image(spec, origin);
  if (!spec.has_cicd_name && spec.query.source == hss::Source::cicd) {
    throw UsageError(fmt::format("{}: no cicd_name: give cicd_name= or --cicd-name", origin));
  }
  if (spec.query.image_version.empty()) {
    throw UsageError(fmt::format("{}: no image_version: give image_version= or --image-version", origin));
  }
  check_compare_with(spec, origin);
  return spec;
}

void check_image_specs(const std::vector<ImageSpec>& specs) {
  if (specs.size() > k_max_images) {
    throw UsageError(fmt::format("{} images: at most {} in one run", specs.size(), k_max_images));
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (same(specs[i], specs[j])) {
        throw UsageError(fmt::format("{} and {}: the same image twice ({})", specs[j].origin, specs[i].origin,
                                     hss::describe_query(specs[i].query)));
      }
    }
  }
}

namespace {

// The single-image flags: the one image of a run without --image/--images, else the defaults
// of every SPEC.
ImageSpec image_defaults(const Resolver& in) {
  ImageSpec defaults;
  defaults.origin = "the single-image flags";
  auto read = [&](std::string_view flag, const char* key) -> std::optional<std::string> {
    auto value = in.get(flag);
    if (!value) return std::nullopt;
    check_image_value(key, value->value, value->origin);
    if (value->from_flag) give(defaults, key, value->origin);
    return value->value;
  };
  if (auto source = read("source", "source")) defaults.query.source = *hss::source_named(*source);
  defaults.query.image_type = read("image-type", "image_type");
  defaults.query.instance_id = read("instance-id", "instance_id");
  if (auto cicd_name = read("cicd-name", "cicd_name")) {
    defaults.query.cicd_name = *cicd_name;
    defaults.has_cicd_name = true;
  }
  defaults.query.image_version = read("image-version", "image_version").value_or("");
  defaults.query.image_name = read("image-name", "image_name");
  defaults.query.namespace_name = read("namespace", "namespace");
  defaults.query.image_digest = read("image-digest", "image_digest");
  defaults.compare_with = read("compare-with", "compare_with");
  return defaults;
}

std::string read_images_file(const Sourced& file) {
  check_input_file(file.value, file.origin);
  // Read at most a byte past the limit: a file that claims a size of 0 (as /proc files do) may
  // still be endless.
  constexpr std::size_t k_limit = 1u << 20;
  std::ifstream in(file.value, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{} {}: cannot read the file", file.origin, file.value));
  std::string text(k_limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > k_limit) throw UsageError(fmt::format("{} {}: larger than 1 MiB", file.origin, file.value));
  return text;
}

} // namespace

void resolve_images(const Resolver& in, Config& config) {
  ImageSpec defaults = image_defaults(in);
  std::vector<ImageSpec> specs;
  std::size_t number = 0;
  for (const auto& value : in.all("image", false)) {
    ++number;
    std::string origin = value.from_flag ? fmt::format("--image #{}", number) : fmt::format("{} line {}", value.origin, number);
    specs.push_back(parse_image_spec(value.value, origin, defaults));
  }
  if (auto file = in.get("images")) {
    std::istringstream lines(read_images_file(*file));
    int line_number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      specs.push_back(parse_image_spec(line.substr(first), fmt::format("{}:{}", file->value, line_number), defaults));
    }
    config.images_file = file->value;
    if (specs.empty()) throw UsageError(fmt::format("{} {}: lists no image", file->origin, file->value));
  }
  if (specs.empty()) {
    keep_source_keys(defaults);
    check_registry_image(defaults, "the image");
    if (!defaults.has_cicd_name && defaults.query.source == hss::Source::cicd) {
      throw UsageError(fmt::format("{}: required (or HSS_GATE_CICD_NAME): the CI/CD name the image was scanned under",
                                   in.named("cicd-name")));
    }
    if (defaults.query.image_version.empty()) {
      throw UsageError(fmt::format("{}: required (or HSS_GATE_IMAGE_VERSION): the image tag", in.named("image-version")));
    }
    defaults.origin = "the image";
    check_compare_with(defaults, in.named("compare-with"));
    specs.push_back(defaults);
  }
  check_image_specs(specs);
  config.images = std::move(specs);
}

} // namespace gate::config
