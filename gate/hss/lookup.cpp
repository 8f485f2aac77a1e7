#include "gate/hss/lookup.hpp"

#include "gate/error.hpp"
#include "gate/hss/response.hpp"
#include "gate/interrupt.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace gate::hss {

namespace {

bool is_final(const Lookup& lookup) {
  if (lookup.records.empty() || !lookup.stale_digest.empty()) return false;
  for (const auto& record : lookup.records) {
    if (scan_state_of(record.scan_status) == ScanState::pending) return false;
  }
  return true;
}

std::string state_of(const Lookup& lookup) {
  if (!lookup.stale_digest.empty()) {
    const Record& stale = lookup.stale_digest.front();
    return fmt::format("HSS holds the tag with digest {}, expected {}", stale.image_digest,
                       lookup.query.image_digest.value_or(""));
  }
  if (lookup.records.empty()) return "image not found yet";
  for (const auto& record : lookup.records) {
    if (scan_state_of(record.scan_status) == ScanState::pending) return "scan_status " + record.scan_status;
  }
  return "scan finished";
}

} // namespace

Timing real_timing() {
  auto start = std::chrono::steady_clock::now();
  Timing timing;
  timing.sleep = sleep_unless_interrupted;
  timing.elapsed = [start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  };
  return timing;
}

Lookup read_all(Client& client, const Query& query) {
  std::vector<Record> records;
  std::int64_t offset = 0;
  for (int page_number = 0; page_number < k_max_pages; ++page_number) {
    Page page = client.list_images(query, offset, k_page_size);
    std::size_t count = page.records.size();
    records.insert(records.end(), std::make_move_iterator(page.records.begin()),
                   std::make_move_iterator(page.records.end()));
    offset += static_cast<std::int64_t>(count);
    // A short or empty page is the last one, whatever total_num claims.
    if (count < static_cast<std::size_t>(k_page_size) || offset >= page.total_num) break;
  }
  Lookup lookup = select_matches(query, records);
  lookup.requests = client.requests_sent();
  return lookup;
}

Lookup find_image(Client& client, const Query& query, const WaitSettings& wait, const Timing& timing,
                  const Progress& progress) {
  using namespace std::chrono;
  for (int poll = 1;; ++poll) {
    Lookup lookup = read_all(client, query);
    auto elapsed = timing.elapsed();
    lookup.waited_seconds = static_cast<double>(elapsed.count()) / 1000.0;
    if (is_final(lookup) || wait.wait.count() == 0) return lookup;
    auto left = duration_cast<milliseconds>(wait.wait) - elapsed;
    if (left <= milliseconds(0)) {
      lookup.wait_ran_out = true;
      progress(fmt::format("waited {:.0f}s of {}s: {}; giving up", lookup.waited_seconds, wait.wait.count(),
                           state_of(lookup)));
      return lookup;
    }
    auto pause = std::min(duration_cast<milliseconds>(wait.poll_interval), left);
    progress(fmt::format("poll {}: {} after {:.0f}s; next poll in {:.0f}s (wait up to {}s)", poll, state_of(lookup),
                         lookup.waited_seconds, static_cast<double>(pause.count()) / 1000.0, wait.wait.count()));
    if (!timing.sleep(pause)) {
      throw Interrupted(fmt::format("interrupted while waiting for the scan ({})", state_of(lookup)));
    }
  }
}

Lookup lookup_from_file(const std::string& path, const Query& query) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("--from-file {}: cannot read the file", path));
  std::stringstream body;
  body << in.rdbuf();
  Page page;
  try {
    page = parse_page(body.str());
  } catch (const ServiceError& e) {
    throw ServiceError(fmt::format("{}: {}", path, e.what()));
  }
  return select_matches(query, page.records);
}

} // namespace gate::hss
