#include "gate/hss/image_sources.hpp"

#include <fmt/format.h>

#include <array>
#include <stdexcept>

namespace gate::hss {

namespace {

// A record without the member matches only an empty query value (cicd_name may be empty).
bool equal(const std::optional<std::string>& field, const std::string& wanted) { return field.value_or("") == wanted; }

std::string quoted(std::string_view text) { return fmt::format("\"{}\"", text); }

std::string image_path(const std::optional<std::string>& namespace_name, const std::optional<std::string>& image_name,
                       const std::string& fallback) {
  std::string name = image_name && !image_name->empty() ? *image_name : fallback;
  if (namespace_name && !namespace_name->empty()) name = *namespace_name + "/" + name;
  return name;
}

// The CI/CD image list (ListCicdImages): images a pipeline had HSS scan, named by cicd_name.

Pairs cicd_filters(const Query& query) {
  Pairs filters{{"cicd_name", query.cicd_name}, {"image_version", query.image_version}};
  if (query.image_name) filters.emplace_back("image_name", *query.image_name);
  if (query.namespace_name) filters.emplace_back("namespace", *query.namespace_name);
  return filters;
}

bool cicd_matches(const Query& query, const Record& record) {
  return equal(record.cicd_name, query.cicd_name) && equal(record.image_version, query.image_version) &&
         (!query.image_name || equal(record.image_name, *query.image_name)) &&
         (!query.namespace_name || equal(record.namespace_name, *query.namespace_name));
}

std::string cicd_group_key(const Query& query) {
  return fmt::format("{}\n{}\n{}", query.cicd_name, query.image_version, query.enterprise_project_id.value_or(""));
}

void widen_names(Query& group, const Query& member) {
  if (group.image_name != member.image_name) group.image_name.reset();
  if (group.namespace_name != member.namespace_name) group.namespace_name.reset();
}

std::string cicd_describe_query(const Query& query) {
  std::string text = fmt::format("cicd_name \"{}\", image_version \"{}\"", query.cicd_name, query.image_version);
  if (query.image_name) text += fmt::format(", image_name \"{}\"", *query.image_name);
  if (query.namespace_name) text += fmt::format(", namespace \"{}\"", *query.namespace_name);
  return text;
}

std::string cicd_describe_record(const Record& record) {
  std::string cicd_name = record.cicd_name.value_or("");
  return fmt::format("{}:{} (cicd_name {})", image_path(record.namespace_name, record.image_name, cicd_name),
                     record.image_version.value_or(""), cicd_name);
}

// No version or digest: one failing rule is the same test in every pipeline.
std::string cicd_stable_label(const Query& query, const Record* record) {
  std::string cicd_name = record ? record->cicd_name.value_or("") : query.cicd_name;
  auto namespace_name = record ? record->namespace_name : query.namespace_name;
  auto image_name = record ? record->image_name : query.image_name;
  return fmt::format("{} (cicd_name {})", image_path(namespace_name, image_name, cicd_name), cicd_name);
}

std::string cicd_finding_image_type(const Record&) { return "cicd"; }

// The registry image list (ListRegistryImages, registry-images.md 1b): images HSS synced from
// SWR, Harbor or JFrog, named by namespace, image_name and image_version within an image_type.

constexpr std::array<std::string_view, 5> k_registry_image_types{"private_image", "shared_image", "instance_image",
                                                                 "harbor", "jfrog"};

std::string registry_type_name(const Query& query) {
  return query.image_type.value_or(std::string(k_registry_image_types.front()));
}

Pairs registry_filters(const Query& query) {
  Pairs filters{{"image_version", query.image_version}, {"image_type", registry_type_name(query)}};
  if (query.image_name) filters.emplace_back("image_name", *query.image_name);
  if (query.namespace_name) filters.emplace_back("namespace", *query.namespace_name);
  if (query.instance_id) filters.emplace_back("instance_id", *query.instance_id);
  return filters;
}

// A record that states another image_type or instance is another image; one that states none is
// taken as the type the list was asked for.
bool registry_matches(const Query& query, const Record& record) {
  return equal(record.image_version, query.image_version) &&
         (!query.image_name || equal(record.image_name, *query.image_name)) &&
         (!query.namespace_name || equal(record.namespace_name, *query.namespace_name)) &&
         (!record.image_type || *record.image_type == registry_type_name(query)) &&
         (!query.instance_id || equal(record.instance_id, *query.instance_id));
}

std::string registry_group_key(const Query& query) {
  return fmt::format("{}\n{}\n{}\n{}", registry_type_name(query), query.instance_id.value_or(""), query.image_version,
                     query.enterprise_project_id.value_or(""));
}

std::string registry_describe_query(const Query& query) {
  std::string text = fmt::format("namespace {}, image_name {}, image_version {}, image_type {}",
                                 quoted(query.namespace_name.value_or("")), quoted(query.image_name.value_or("")),
                                 quoted(query.image_version), quoted(registry_type_name(query)));
  if (query.instance_id) text += fmt::format(", instance_id {}", quoted(*query.instance_id));
  return text;
}

std::string registry_describe_record(const Record& record) {
  return fmt::format("{}:{} (registry {})", image_path(record.namespace_name, record.image_name, ""),
                     record.image_version.value_or(""), record.registry_name.value_or(record.image_type.value_or("")));
}

// Before HSS lists the image, its registry is not known: the image_type stands in for it.
std::string registry_of(const Query& query, const Record* record) {
  if (record && record->registry_name && !record->registry_name->empty()) return *record->registry_name;
  return record && record->image_type ? *record->image_type : registry_type_name(query);
}

std::string registry_stable_label(const Query& query, const Record* record) {
  auto namespace_name = record ? record->namespace_name : query.namespace_name;
  auto image_name = record ? record->image_name : query.image_name;
  return fmt::format("{} (registry {})", image_path(namespace_name, image_name, ""), registry_of(query, record));
}

// A registry's images are told apart by their tags, so the suite names the version too.
std::string registry_suite_label(const Query& query, const Record* record) {
  auto namespace_name = record ? record->namespace_name : query.namespace_name;
  auto image_name = record ? record->image_name : query.image_name;
  std::string version = record ? record->image_version.value_or("") : query.image_version;
  return fmt::format("{}:{} (registry {})", image_path(namespace_name, image_name, ""), version,
                     registry_of(query, record));
}

std::string registry_finding_image_type(const Record& record) {
  return record.image_type.value_or(std::string(k_registry_image_types.front()));
}

constexpr std::array k_sources{
    SourceSpec{Source::cicd, "cicd", "ListCicdImages", "/v5/{project_id}/image/cicd/images", "the CI/CD image list",
               "CI/CD images", 10,
               "cicd", {}, false, false, cicd_filters, cicd_matches, cicd_group_key, widen_names, cicd_describe_query,
               cicd_describe_record, cicd_stable_label, cicd_stable_label, cicd_finding_image_type, BareObject::one_record},
    SourceSpec{Source::registry, "registry", "ListRegistryImages", "/v5/{project_id}/image/registries/images",
               "the registry image list", "registry images", 1, "registry", k_registry_image_types, true, true, registry_filters,
               registry_matches, registry_group_key, widen_names, registry_describe_query, registry_describe_record,
               registry_stable_label, registry_suite_label, registry_finding_image_type},
};

struct RegistryType {
  std::string_view image_type;
  std::string_view registry_type;
};

// ListRegistry's registry_type of each registry image_type (registry-images.md 2a).
constexpr std::array k_registry_types{RegistryType{"private_image", "SwrPrivate"}, RegistryType{"shared_image", "SwrShared"},
                                      RegistryType{"instance_image", "SwrEnterprise"}, RegistryType{"harbor", "Harbor"},
                                      RegistryType{"jfrog", "Jfrog"}};

} // namespace

std::span<const SourceSpec> image_sources() { return k_sources; }

const SourceSpec& source_spec(Source source) {
  for (const auto& spec : k_sources) {
    if (spec.source == source) return spec;
  }
  throw std::logic_error("an image source without a row in the table");
}

std::optional<Source> source_named(std::string_view name) {
  for (const auto& spec : k_sources) {
    if (spec.name == name) return spec.source;
  }
  return std::nullopt;
}

std::string source_names() {
  std::string names;
  for (const auto& spec : k_sources) names += (names.empty() ? "" : ", ") + std::string(spec.name);
  return names;
}

std::optional<std::string_view> registry_type_of(std::string_view image_type) {
  for (const auto& row : k_registry_types) {
    if (row.image_type == image_type) return row.registry_type;
  }
  return std::nullopt;
}

} // namespace gate::hss
