#pragma once

#include "gate/hss/json_reader.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/signer.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

// The image lists the gate reads (--source): the CI/CD image list and the registry image list.
// Each is one row of the table in image_sources.cpp: its endpoint, its filters, how a record
// matches a query, how images are grouped into list queries, how messages and reports name an
// image, and what the per-image finding APIs need to name one. Nothing else asks which source
// an image has: it looks the row up.
namespace gate::hss {

struct SourceSpec {
  Source source;
  std::string_view name;       // as --source, SPEC keys and reports write it: "cicd", "registry"
  std::string_view operation;  // the list API's name in HSS's reference (and IAM's)
  std::string_view path;       // with {project_id}
  std::string_view list_name;  // "the CI/CD image list", for messages
  std::string_view images_name; // "CI/CD images", for messages
  int min_limit;               // the smallest `limit` the list API takes
  // The image_type sent to the finding APIs that take only the generic types (baseline, build
  // risks): "cicd" or "registry".
  std::string_view generic_image_type;
  // The image types an image of this source may have (empty: the list has one type only), the
  // first being the default.
  std::span<const std::string_view> image_types;
  // A registry tag can point at yesterday's image, which HSS may still list: an image of this
  // source is named by its digest too, and a record with another digest is never judged.
  bool digest_required;
  // HSS syncs and scans images of this source on request (--trigger-scan); CI/CD images are
  // scanned by the pipeline only.
  bool scans_on_request;
  // Filters of the list query for the query's image, besides limit, offset and the enterprise project.
  Pairs (*list_filters)(const Query& query);
  // True when a record is exactly the image the query names (the server filters loosely).
  bool (*matches)(const Query& query, const Record& record);
  // Images with the same key share one list query.
  std::string (*group_key)(const Query& query);
  // Drops from a group's query the filters a new member does not share.
  void (*widen)(Query& group, const Query& member);
  std::string (*describe_query)(const Query& query);
  std::string (*describe_record)(const Record& record);
  // An image without its version or digest: the same from one build to the next, for test
  // identities and fingerprints. The record's names when found, else the query's.
  std::string (*stable_label)(const Query& query, const Record* record);
  // How the JUnit suite names an image.
  std::string (*suite_label)(const Query& query, const Record* record);
  // The image_type the per-image finding APIs take for the record (cicd, or its own type).
  std::string (*finding_image_type)(const Record& record);
  // The list's reference writes a list of one record as a bare object in its example response
  // (ListCicdImages' page): that shape is read as one record. Every other list must be an array.
  BareObject bare_object = BareObject::refused;
};

std::span<const SourceSpec> image_sources();
const SourceSpec& source_spec(Source source);
std::optional<Source> source_named(std::string_view name);
// "cicd, registry"
std::string source_names();

// The registry_type of ListRegistry (SwrPrivate, Harbor, ...) that holds images of a registry
// image_type; nullopt for an unknown type.
std::optional<std::string_view> registry_type_of(std::string_view image_type);

} // namespace gate::hss
