#include "gate/comparison.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/lookup.hpp"
#include "gate/hss/replaying_transport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace gate {

namespace {

// The image's names with another version, and no digest: a comparison is found by its names.
hss::Query compared_query(const hss::Query& image, const std::string& version) {
  hss::Query query = image;
  query.image_version = version;
  query.image_digest.reset();
  return query;
}

// Decides from one lookup whether the comparison can be read, and which record it is.
void settle_record(hss::Comparison& comparison, const hss::ImageLookup& found) {
  const auto& records = found.lookup.records;
  if (found.error) {
    comparison.unavailable = *found.error;
  } else if (records.empty()) {
    comparison.unavailable = fmt::format("{} holds no image with {}", comparison.from, hss::describe_query(comparison.query));
  } else if (records.size() > 1) {
    comparison.unavailable = fmt::format("{} images match {}; give image_name and namespace to tell them apart",
                                         records.size(), hss::describe_query(comparison.query));
  } else if (hss::scan_state_of(records.front().scan_status) != hss::ScanState::success) {
    comparison.unavailable = fmt::format("its scan has not succeeded (scan_status {})", records.front().scan_status);
  } else {
    comparison.record = records.front();
  }
}

// Reads the lists `plan` names for every comparison with a record, and keeps their identities.
void read_identities(hss::Transport& transport, Comparisons& comparisons, const hss::FindingPlan& plan,
                     const hss::FindingOptions& options) {
  std::vector<hss::Record> readable;
  for (const auto& comparison : comparisons) {
    if (comparison && comparison->record) readable.push_back(*comparison->record);
  }
  if (plan.empty() || readable.empty()) return;
  hss::FindingPlan lists{plan.kinds, {}}; // identity needs no CVEs
  hss::RunFindings findings = hss::fetch_findings(transport, readable, lists, options);
  for (auto& comparison : comparisons) {
    if (!comparison || !comparison->record) continue;
    auto found = findings.images.find(comparison->record->image_id);
    for (auto kind : plan.kinds) {
      const std::string* error = found == findings.images.end() ? nullptr : found->second.error(kind);
      const auto* list = found == findings.images.end() ? nullptr : found->second.list(kind);
      if (error || !list) {
        comparison->errors[kind] = error ? *error : fmt::format("its {} were not read", hss::name_of(kind));
        continue;
      }
      std::set<std::string>& identities = comparison->identities[kind];
      for (const auto& finding : *list) {
        if (auto identity = hss::identity_of(kind, finding)) identities.insert(std::move(*identity));
      }
    }
  }
}

hss::Comparison empty_comparison(const hss::Query& query, const std::string& from, const hss::FindingPlan& plan) {
  hss::Comparison comparison;
  comparison.query = query;
  comparison.from = from;
  comparison.kinds = plan.kinds;
  return comparison;
}

void quiet(const std::string&) {}

// The image's names without its version, for messages about another version of it.
std::string names_of(const hss::Query& query) {
  hss::Query names = query;
  names.image_version = "(any)";
  names.image_digest.reset();
  return hss::describe_query(names);
}

// A digest as registries compare them: case and surrounding blanks carry no meaning.
std::string normalized_digest(const std::optional<std::string>& digest) {
  std::string text = digest.value_or("");
  auto first = text.find_first_not_of(" \t");
  auto last = text.find_last_not_of(" \t");
  text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The names a record shows of itself besides its version: a comparison must be of the same image.
bool same_names(const hss::Record& a, const hss::Record& b) {
  return a.cicd_name == b.cicd_name && a.namespace_name == b.namespace_name && a.image_name == b.image_name;
}

} // namespace

Comparisons read_comparisons(hss::Transport& transport, const config::Config& config, const hss::FindingPlan& plan,
                             const hss::FindingOptions& options, Clock& clock, const std::string& from) {
  Comparisons comparisons(config.images.size());
  std::vector<hss::Query> queries;
  std::vector<std::size_t> owners;
  for (std::size_t i = 0; i < config.images.size(); ++i) {
    const auto& image = config.images[i];
    if (!image.compare_with) continue;
    queries.push_back(compared_query(image.query, *image.compare_with));
    owners.push_back(i);
  }
  if (queries.empty()) return comparisons;
  auto list = [&](const hss::Query& query, std::vector<hss::Record>& into) { hss::list_cicd_images(transport, query, into); };
  // Once, without waiting: the version compared with was scanned long ago, or it is unavailable.
  auto lookups = hss::find_images(list, queries, hss::WaitSettings{}, clock, quiet);
  for (std::size_t k = 0; k < queries.size(); ++k) {
    hss::Comparison comparison = empty_comparison(queries[k], from, plan);
    settle_record(comparison, lookups[k]);
    comparisons[owners[k]] = std::move(comparison);
  }
  read_identities(transport, comparisons, plan, options);
  return comparisons;
}

Comparisons read_compared_bundle(const config::Config& config, const hss::FindingPlan& plan,
                                 const hss::FindingOptions& options, Clock& clock) {
  const std::string& path = *config.compare_with_file;
  hss::Bundle bundle;
  try {
    bundle = hss::read_bundle_file(path);
  } catch (const Error& e) { // an unreadable file (UsageError) or an unreadable answer in it (ServiceError)
    throw UsageError(fmt::format("--compare-with-file {}: {}", path, e.what()));
  }
  if (bundle.source != hss::Bundle::Source::bundle_v2) {
    throw UsageError(fmt::format("--compare-with-file {}: expected a bundle written by --save-bundle of this version "
                                 "(hss_gate_bundle 2 or 3), which names its images; got {}",
                                 path, bundle.source == hss::Bundle::Source::list_response ? "a plain list response"
                                                                                          : "a version 1 bundle"));
  }
  hss::ReplayingTransport replay(bundle);
  std::string from = fmt::format("the bundle {}", path);
  auto list = [&](const hss::Query& query, std::vector<hss::Record>& into) { hss::list_cicd_images(replay, query, into); };
  Comparisons comparisons(config.images.size());
  for (std::size_t i = 0; i < config.images.size(); ++i) {
    const hss::Query& image = config.images[i].query;
    hss::Record names;
    if (image.source == hss::Source::cicd) names.cicd_name = image.cicd_name;
    names.namespace_name = image.namespace_name;
    names.image_name = image.image_name;
    std::vector<std::string> ids = hss::image_ids_named(bundle, names);
    // The versions the bundle's run asked its list for; the index says which records were its images.
    std::set<std::string> versions;
    std::string_view list_path = hss::source_spec(image.source).path;
    for (const auto& exchange : bundle.exchanges) {
      if (exchange.path != list_path) continue;
      for (const auto& [key, value] : exchange.query) {
        if (key == "image_version") versions.insert(value);
      }
    }
    std::vector<hss::Query> queries;
    for (const auto& version : versions) queries.push_back(compared_query(image, version));
    std::vector<hss::Record> named;
    if (!queries.empty()) {
      for (const auto& found : hss::find_images(list, queries, hss::WaitSettings{}, clock, quiet)) {
        for (const auto& record : found.lookup.records) {
          if (std::find(ids.begin(), ids.end(), record.image_id) != ids.end()) named.push_back(record);
        }
      }
    }
    hss::Query query = compared_query(image, named.size() == 1 ? named.front().image_version.value_or("") : "");
    hss::Comparison comparison = empty_comparison(query, from, plan);
    if (named.size() > 1) {
      // As online: several candidates are no comparison (fail closed), not a failed run.
      std::vector<std::string> found;
      for (const auto& record : named) found.push_back(record.image_version.value_or(""));
      comparison.unavailable = fmt::format("{} holds {} images of {} (versions {}): save a bundle of the one to compare "
                                           "with",
                                           from, named.size(), names_of(image), fmt::join(found, ", "));
    } else if (named.empty()) {
      comparison.unavailable = fmt::format("{} holds no image of {}", from, names_of(image));
    } else if (named.front().image_version.value_or("") == image.image_version) {
      throw UsageError(fmt::format("--compare-with-file {}: its image is {} itself, version {}: compare with another "
                                   "version, such as the one in production",
                                   path, hss::describe_query(image), image.image_version));
    } else {
      hss::ImageLookup found;
      found.lookup.records = named;
      settle_record(comparison, found);
    }
    comparisons[i] = std::move(comparison);
  }
  read_identities(replay, comparisons, plan, options);
  return comparisons;
}

void check_comparisons(std::vector<hss::ImageLookup>& lookups, const config::Config& config) {
  for (std::size_t i = 0; i < lookups.size() && i < config.images.size(); ++i) {
    auto& comparison = lookups[i].comparison;
    if (!comparison || !comparison->record) continue;
    const hss::Record& compared = *comparison->record;
    std::string digest = normalized_digest(compared.image_digest);
    for (const auto& record : lookups[i].lookup.records) {
      if (!digest.empty() && normalized_digest(record.image_digest) == digest) {
        throw UsageError(fmt::format("{}: the image compared with ({}, {}) has the image's own digest {}: compare "
                                     "with another image, such as the one in production",
                                     config.images[i].origin, hss::describe_query(comparison->query), comparison->from,
                                     compared.image_digest.value_or("")));
      }
      // Found by the query's names only (no image_name given): another image of the same cicd_name
      // is no evidence about this one.
      if (!same_names(record, compared) && !comparison->unavailable) {
        comparison->unavailable = fmt::format("{} is {}, another image than {}: give image_name and namespace to name "
                                              "the image",
                                              comparison->name(), hss::describe_record(compared),
                                              hss::describe_record(record));
      }
    }
  }
}

} // namespace gate
