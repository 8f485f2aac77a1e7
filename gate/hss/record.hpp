#pragma once

#include "gate/hss/finding_kind.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// HSS's vocabulary: the image record, the query that finds one, and the enums of the API
// page (scan states, risk levels). Each enum is defined here once; the parser, the policy and
// the reports look values up here.
namespace gate::hss {

// The image lists the gate reads; what each one is (its endpoint, filters, names) is a row of
// the table in image_sources.cpp, looked up with source_spec().
enum class Source { cicd, registry };

// One record of an image list: CICDImageResponseInfo of ListCicdImages, or RegistryImagesInfo of
// ListRegistryImages (the same members, less cicd_name and pipeline_type, plus the registry's).
// Optional members are the ones a record may omit or send as null.
struct Record {
  std::string image_id;
  std::optional<std::string> cicd_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> image_name;
  std::optional<std::string> image_digest;
  std::optional<std::string> image_version;
  std::optional<std::string> registry_name;
  std::optional<std::string> image_type;
  std::optional<std::string> registry_type;
  std::optional<std::string> pipeline_type;
  std::optional<bool> latest_version;
  std::string scan_status; // required: one of the documented states
  std::optional<std::string> scan_failed_desc;
  std::optional<std::string> scan_failed_code;
  std::optional<std::int64_t> image_size;
  std::optional<std::int64_t> latest_update_time; // ms since the epoch
  std::optional<std::int64_t> latest_scan_time;   // ms since the epoch
  std::optional<std::int64_t> vul_num;
  std::optional<std::int64_t> unsafe_setting_num;
  std::optional<std::int64_t> malicious_file_num;
  std::optional<std::string> severity_level;
  // Registry records only (registry-images.md 1b).
  std::optional<std::int64_t> id = {}; // HSS's record id, which a scan request names
  std::optional<std::string> registry_id = {};
  std::optional<std::string> instance_id = {};
  std::optional<std::string> instance_name = {};
  std::optional<std::string> instance_url = {};
  std::optional<std::int64_t> latest_sync_time = {}; // ms since the epoch
  std::optional<bool> scannable = {};
  std::optional<bool> is_multiple_arch = {};
  Source source = Source::cicd; // the list it was read from
};

// What identifies the image a pipeline built. A CI/CD image is named by cicd_name and
// image_version; a registry image by namespace, image_name, image_version and image_digest,
// with its image_type (and instance_id for an enterprise instance).
struct Query {
  std::string cicd_name;
  std::string image_version;
  std::optional<std::string> image_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> image_digest;
  std::optional<std::string> enterprise_project_id;
  std::optional<std::string> image_type = {};  // registry: private_image, shared_image, instance_image, harbor, jfrog
  std::optional<std::string> instance_id = {}; // registry: the SWR enterprise instance
  Source source = Source::cicd;
};

// Where a run looked its images up, as messages show it for comparison with the HSS console.
// Never a credential.
struct LookupScope {
  std::string source;                    // the endpoint URL, or "the saved response FILE"
  std::optional<std::string> project_id; // nullopt offline: a saved file does not record it
  std::optional<std::string> region;     // nullopt when neither --region nor the endpoint names it
  bool offline = false;
};

// The scan states of the API, grouped as the policy sees them.
enum class ScanState { success, pending, failed };

struct ScanStatus {
  std::string_view name;
  ScanState state;
};

// Every documented scan_status, in the API page's order.
std::span<const ScanStatus> scan_statuses();

// Maps a documented scan_status; nullopt for a value outside the API's enum.
std::optional<ScanState> scan_state_of(std::string_view scan_status);

// severity_level's values from least to most severe: Security, Low, Medium, High.
std::span<const std::string_view> severity_levels();

// The position of a severity_level on that ladder; nullopt for anything else.
std::optional<int> severity_rank(std::string_view level);

// The level at a rank of the ladder; the rank must be valid.
std::string_view severity_name(std::int64_t rank);

// True when the record is exactly the image the query names (the server filters loosely).
bool matches_exactly(const Query& query, const Record& record);

// What the gate asked HSS to do for an image (--trigger-scan), for the reports.
struct Trigger {
  std::string operation; // CreateManualImageScanTask or CreateImageSynchronizeTask
  std::string asked;     // what was asked, in words
  std::string at;        // ISO time of the request
};

// The outcome of a lookup: the exact matches, plus records that hold the tag with a digest other
// than the expected one (the tag was re-pushed and the new push is not scanned yet).
struct Lookup {
  Query query;
  std::vector<Record> records;
  std::vector<Record> stale_digest;
  double waited_seconds = 0;
  std::vector<Trigger> triggers = {};             // kept from poll to poll
  std::optional<std::int64_t> scanned_after = {}; // ms: only a scan finished then or later counts (one the gate asked for)
  std::optional<std::string> no_verdict = {};     // why the image cannot be judged: a trigger refused or failed
};

// What the lookup of one image gave: its matches, or the error that ended it, with the matches
// read before the error (evidence that may block, never pass).
// The image an image is compared with (--compare-with, --compare-with-file): which it is, whether
// it could be read, and the identities of its findings of the kinds that `new_only` rules count.
// Unavailable, or a kind not read, means every finding of the image counts as new (fail closed).
struct Comparison {
  Query query;             // its names: the image's, with the version compared with
  std::string from;        // where it was read: "HSS" or "the bundle FILE"
  std::optional<Record> record;
  std::vector<FindingKind> kinds;                     // the kinds compared: those `new_only` rules count
  std::optional<std::string> unavailable;             // why it cannot be compared with; nullopt when it can
  std::map<FindingKind, std::set<std::string>> identities; // per kind read to its end
  std::map<FindingKind, std::string> errors;          // kinds whose list could not be read, and why
  // Why a kind cannot be compared: the image unavailable, or its list not read; nullopt when it can.
  std::optional<std::string> unavailable_for(FindingKind kind) const;
  // How messages name it: its version, or "the image in the bundle FILE" when none is known.
  std::string name() const;
};

struct ImageLookup {
  Lookup lookup;
  std::optional<std::string> error;
  std::optional<Comparison> comparison = {}; // when the image is compared with another version
};

// Splits exact matches by the expected digest, as a lookup result for evaluation.
Lookup select_matches(const Query& query, const std::vector<Record>& records);

// "cicd_name \"shop\", image_version \"1.0\"" plus image_name and namespace when given; a
// registry image by its names and image_type.
std::string describe_query(const Query& query);

// "namespace/image_name:image_version (cicd_name shop)" for a record; "(registry NAME)" for a
// registry record.
std::string describe_record(const Record& record);

// True when a record's scan predates the scan the gate asked for (Lookup::scanned_after).
bool scan_predates(const Lookup& lookup, const Record& record);

} // namespace gate::hss
