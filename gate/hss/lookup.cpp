#include "gate/hss/lookup.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace gate::hss {

namespace {

bool is_pending(const Record& record) { return scan_state_of(record.scan_status) == ScanState::pending; }

bool is_final(const Lookup& lookup) {
  if (lookup.records.empty() || !lookup.stale_digest.empty()) return false;
  return std::none_of(lookup.records.begin(), lookup.records.end(), is_pending);
}

std::string state_of(const Lookup& lookup) {
  if (!lookup.stale_digest.empty()) {
    const Record& stale = lookup.stale_digest.front();
    return fmt::format("HSS holds the tag with digest {}, expected {}", stale.image_digest.value_or("(none)"),
                       lookup.query.image_digest.value_or(""));
  }
  if (lookup.records.empty()) return "image not found yet";
  for (const auto& record : lookup.records) {
    if (is_pending(record)) return "scan_status " + record.scan_status;
  }
  return "scan finished";
}

} // namespace

Lookup find_image(const ListImages& list, const Query& query, const WaitSettings& wait, Clock& clock,
                  const Progress& progress) {
  using namespace std::chrono;
  for (int poll = 1;; ++poll) {
    std::vector<Record> records;
    try {
      list(query, records);
    } catch (const Interrupted&) {
      throw;
    } catch (const ServiceError& e) {
      throw LookupFailed(e.what(), select_matches(query, records));
    }
    Lookup lookup = select_matches(query, records);
    auto elapsed = clock.elapsed();
    lookup.waited_seconds = static_cast<double>(elapsed.count()) / 1000.0;
    if (is_final(lookup) || wait.wait.count() == 0) return lookup;
    auto left = duration_cast<milliseconds>(wait.wait) - elapsed;
    if (left <= milliseconds(0)) {
      progress(fmt::format("waited {:.0f}s of {}s: {}; giving up", lookup.waited_seconds, wait.wait.count(),
                           state_of(lookup)));
      return lookup;
    }
    auto pause = std::min(duration_cast<milliseconds>(wait.poll_interval), left);
    progress(fmt::format("poll {}: {} after {:.0f}s; next poll in {:.0f}s (wait up to {}s)", poll, state_of(lookup),
                         lookup.waited_seconds, static_cast<double>(pause.count()) / 1000.0, wait.wait.count()));
    if (!clock.sleep(pause)) {
      throw Interrupted(fmt::format("interrupted while waiting for the scan ({})", state_of(lookup)));
    }
  }
}

Lookup lookup_from_file(const std::string& path, const Query& query) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("--from-file {}: cannot read the file", path));
  std::stringstream body;
  body << in.rdbuf();
  try {
    return select_matches(query, parse_cicd_images_page(body.str()).items);
  } catch (const ServiceError& e) {
    throw ServiceError(fmt::format("{}: {}", path, e.what()));
  }
}

} // namespace gate::hss
