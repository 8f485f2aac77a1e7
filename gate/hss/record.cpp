#include "gate/hss/record.hpp"

#include "gate/hss/image_sources.hpp"

#include <fmt/format.h>

#include <array>

namespace gate::hss {

namespace {

constexpr std::array k_scan_statuses{
    ScanStatus{"unscan", ScanState::pending},          ScanStatus{"success", ScanState::success},
    ScanStatus{"scanning", ScanState::pending},        ScanStatus{"failed", ScanState::failed},
    ScanStatus{"download_failed", ScanState::failed},  ScanStatus{"image_oversized", ScanState::failed},
    ScanStatus{"waiting_for_scan", ScanState::pending},
};

constexpr std::array<std::string_view, 4> k_severity_levels{"Security", "Low", "Medium", "High"};

bool equal(const std::optional<std::string>& field, const std::string& wanted) { return field.value_or("") == wanted; }

} // namespace

std::span<const ScanStatus> scan_statuses() { return k_scan_statuses; }

std::optional<ScanState> scan_state_of(std::string_view scan_status) {
  for (const auto& status : k_scan_statuses) {
    if (status.name == scan_status) return status.state;
  }
  return std::nullopt;
}

std::span<const std::string_view> severity_levels() { return k_severity_levels; }

std::optional<int> severity_rank(std::string_view level) {
  for (std::size_t i = 0; i < k_severity_levels.size(); ++i) {
    if (k_severity_levels[i] == level) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string_view severity_name(std::int64_t rank) { return k_severity_levels.at(static_cast<std::size_t>(rank)); }

bool matches_exactly(const Query& query, const Record& record) {
  return record.source == query.source && source_spec(query.source).matches(query, record);
}

Lookup select_matches(const Query& query, const std::vector<Record>& records) {
  Lookup lookup;
  lookup.query = query;
  for (const auto& record : records) {
    if (!matches_exactly(query, record)) continue;
    if (query.image_digest && !equal(record.image_digest, *query.image_digest)) {
      lookup.stale_digest.push_back(record);
    } else {
      lookup.records.push_back(record);
    }
  }
  return lookup;
}

std::string describe_query(const Query& query) { return source_spec(query.source).describe_query(query); }

std::string Comparison::name() const {
  return query.image_version.empty() ? fmt::format("the image in {}", from) : query.image_version;
}

std::optional<std::string> Comparison::unavailable_for(FindingKind kind) const {
  if (unavailable) return unavailable;
  auto error = errors.find(kind);
  if (error != errors.end()) return error->second;
  if (!identities.count(kind)) return fmt::format("its {} were not read", name_of(kind));
  return std::nullopt;
}

std::string describe_record(const Record& record) { return source_spec(record.source).describe_record(record); }

// A scan with no time cannot be shown to follow the request.
bool scan_predates(const Lookup& lookup, const Record& record) {
  return lookup.scanned_after && record.latest_scan_time.value_or(0) < *lookup.scanned_after;
}

} // namespace gate::hss
