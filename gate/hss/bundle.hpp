#pragma once

#include "gate/hss/json_reader.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/recording_transport.hpp"

#include <map>
#include <string>
#include <vector>

// A run's HSS answers saved in one file, to replay offline (--save-bundle, --from-file): the
// exchanges the recording transport kept, when they were fetched, and an index of the image
// records by names. --from-file also takes a plain ListCicdImages response and a version 1 bundle,
// both converted on read into answers the replaying transport serves.
namespace gate::hss {

// Version 3 is version 2 plus `policy_bases`; a run whose policy read no base by URL still writes
// version 2, which gates that know only version 2 read.
inline constexpr int k_bundle_version = 3;
inline constexpr int k_bundle_version_without_bases = 2;

// A policy base the run read by URL, kept so that a replay needs no network: its URL as shown
// (masked: never user information or a query), its digest and its bytes.
struct SavedPolicyBase {
  std::string url;
  std::string sha256;
  std::string content;
};

// A whole list kept as one (a version 1 bundle's lists, a plain list response): it answers every
// page of any query at its path, path parameters and selectors, sliced as the request's offset and
// limit say (version 1 recorded no queries: the filters a replay sends are not compared).
struct WholeList {
  std::string path;
  Pairs path_parameters;
  Pairs query_selectors;          // query parameters that name the image (image_id), compared
  std::vector<JsonObject> items;  // each record as read from the file, kept parsed: a page is cut
                                  // from them without writing every record out and parsing it again
};

// A saved run as the replaying transport serves it.
struct Bundle {
  enum class Source { list_response, bundle_v1, bundle_v2 };
  Source source = Source::list_response;
  std::vector<Exchange> exchanges; // answered only to the same request
  std::vector<WholeList> lists;
  std::string fetched_at; // ISO time; empty for a plain list response
  // image_ids by cicd_name and by "namespace/image_name", for finding an image in another bundle.
  std::map<std::string, std::vector<std::string>> by_cicd_name;
  std::map<std::string, std::vector<std::string>> by_image_name;
  std::vector<SavedPolicyBase> policy_bases; // version 3

  bool holds_findings() const { return source != Source::list_response; }
};

// The image_ids of the records named like `names`: by cicd_name when it has one, else by
// namespace and image_name.
std::vector<std::string> image_ids_named(const Bundle& bundle, const Record& names);

// Reads --from-file. Throws UsageError (exit 2, naming the file) for a file it cannot read and
// for a bundle that is not one: a missing, null or ill-typed member, list, image entry or CVE map
// (naming the image and the list), a fetched_at that does not parse or lies more than 5 minutes
// before the newest latest_scan_time the bundle holds, and a plain list response whose data_list
// is no complete list of records. A file that is not JSON, or a defect in a plain list response's
// records, is left to the readers: ServiceError as HSS's answer would be.
Bundle read_bundle_file(const std::string& path);

// {"hss_gate_bundle": 2, "fetched_at": "...", "index": {"cicd_name": {"<name>": ["<image_id>"]},
//  "namespace/image_name": {"<ns>/<name>": [...]}}, "exchanges": [{"path": "<template>",
//  "path_parameters": {...}, "query": {...}, "response": {...}}]}; with policy bases, version 3 and
//  "policy_bases": [{"url": "<masked>", "sha256": "<hex>", "text": "<the file>"}].
std::string bundle_json(const std::vector<Exchange>& exchanges, const std::vector<Record>& records,
                        const std::string& fetched_at, const std::vector<SavedPolicyBase>& policy_bases = {});

} // namespace gate::hss
