#include "gate/hss/record.hpp"

namespace gate::hss {

std::optional<ScanState> scan_state_of(const std::string& scan_status) {
  if (scan_status == "success") return ScanState::success;
  if (scan_status == "unscan" || scan_status == "scanning" || scan_status == "waiting_for_scan") {
    return ScanState::pending;
  }
  if (scan_status == "failed" || scan_status == "download_failed" || scan_status == "image_oversized") {
    return ScanState::failed;
  }
  return std::nullopt;
}

bool matches_exactly(const Query& query, const Record& record) {
  return record.cicd_name == query.cicd_name && record.image_version == query.image_version &&
         (!query.image_name || record.image_name == *query.image_name) &&
         (!query.namespace_name || record.namespace_name == *query.namespace_name);
}

Lookup select_matches(const Query& query, const std::vector<Record>& records) {
  Lookup lookup;
  lookup.query = query;
  for (const auto& record : records) {
    if (!matches_exactly(query, record)) continue;
    if (query.image_digest && record.image_digest != *query.image_digest) {
      lookup.stale_digest.push_back(record);
    } else {
      lookup.records.push_back(record);
    }
  }
  return lookup;
}

} // namespace gate::hss
