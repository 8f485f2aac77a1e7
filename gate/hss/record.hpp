#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gate::hss {

// One CICDImageResponseInfo record of GET /v5/{project_id}/image/cicd/images. Optional members
// are the ones a record may omit; strings absent from the body are empty.
struct Record {
  std::string image_id;
  std::string cicd_name;
  std::string namespace_name;
  std::string image_name;
  std::string image_digest;
  std::string image_version;
  std::string registry_name;
  std::string image_type;
  std::string registry_type;
  std::string pipeline_type;
  std::optional<bool> latest_version;
  std::string scan_status;
  std::string scan_failed_desc;
  std::string scan_failed_code;
  std::optional<std::int64_t> image_size;
  std::optional<std::int64_t> latest_update_time; // ms since the epoch
  std::optional<std::int64_t> latest_scan_time;   // ms since the epoch
  std::optional<std::int64_t> vul_num;
  std::optional<std::int64_t> unsafe_setting_num;
  std::optional<std::int64_t> malicious_file_num;
  std::string severity_level;
};

// One page of the list response.
struct Page {
  std::int64_t total_num = 0;
  std::vector<Record> records;
};

// What identifies the image a pipeline built; the first two are required.
struct Query {
  std::string cicd_name;
  std::string image_version;
  std::optional<std::string> image_name;
  std::optional<std::string> namespace_name;
  std::optional<std::string> image_digest;
  std::optional<std::string> enterprise_project_id;
};

// The scan states of the API, grouped as the policy sees them.
enum class ScanState { success, pending, failed };

// Maps a documented scan_status; nullopt for a value outside the API's enum.
std::optional<ScanState> scan_state_of(const std::string& scan_status);

// True when the record is exactly the image the query names (the server filters loosely).
bool matches_exactly(const Query& query, const Record& record);

// The outcome of a lookup: the exact matches, plus records that hold the tag with a digest other
// than the expected one (the tag was re-pushed and the new push is not scanned yet).
struct Lookup {
  Query query;
  std::vector<Record> records;
  std::vector<Record> stale_digest;
  int requests = 0;
  double waited_seconds = 0;
  bool wait_ran_out = false;
};

// Splits exact matches by the expected digest, as a lookup result for evaluation.
Lookup select_matches(const Query& query, const std::vector<Record>& records);

} // namespace gate::hss
