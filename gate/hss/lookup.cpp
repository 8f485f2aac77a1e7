#include "gate/hss/lookup.hpp"

#include "gate/clock.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

namespace gate::hss {

namespace {

bool is_pending(const Record& record) { return scan_state_of(record.scan_status) == ScanState::pending; }

bool is_final(const ImageLookup& image) {
  const Lookup& lookup = image.lookup;
  if (image.error || lookup.no_verdict) return true;
  if (lookup.records.empty() || !lookup.stale_digest.empty()) return false;
  return std::none_of(lookup.records.begin(), lookup.records.end(),
                      [&](const Record& record) { return is_pending(record) || scan_predates(lookup, record); });
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
    if (scan_predates(lookup, record)) return "the requested scan has not finished";
  }
  return "scan finished";
}

bool same_image(const Record& a, const Record& b) {
  return a.image_id == b.image_id && a.cicd_name == b.cicd_name && a.namespace_name == b.namespace_name &&
         a.image_name == b.image_name && a.image_version == b.image_version;
}

// A poll that failed part-way keeps what earlier polls saw of the image: records that already
// block the policy then block it, as those read before a failure on the first poll do. A record
// read again in the failing poll is taken from that poll, the newer answer.
void keep_seen(Lookup& failed, const Lookup& seen) {
  for (const auto& record : seen.records) {
    bool again = std::any_of(failed.records.begin(), failed.records.end(),
                             [&](const Record& newer) { return same_image(newer, record); });
    if (!again) failed.records.push_back(record);
  }
}

// The newest finished scan each poll showed of each record, kept across polls: a later poll that
// shows the image scanning again (or not at all) carries no evidence, so when HSS then fails, the
// scan seen earlier is what was seen.
void remember_scans(std::vector<Record>& scans, const std::vector<Record>& polled) {
  for (const auto& record : polled) {
    if (scan_state_of(record.scan_status) != ScanState::success) continue;
    auto same = std::find_if(scans.begin(), scans.end(), [&](const Record& kept) { return same_image(kept, record); });
    if (same == scans.end()) {
      scans.push_back(record);
    } else {
      *same = record;
    }
  }
}

// Images listed by one query: those of one source whose group keys agree (for CI/CD images:
// cicd_name, image_version and enterprise project).
struct Group {
  Query query;                      // the list query: the members' common filters
  std::vector<std::size_t> members; // indices into the run's images
  bool done = false;
};

std::vector<Group> group_queries(const std::vector<Query>& queries) {
  std::vector<Group> groups;
  std::map<std::pair<Source, std::string>, std::size_t> index;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Query& query = queries[i];
    const SourceSpec& source = source_spec(query.source);
    auto [it, added] = index.emplace(std::make_pair(query.source, source.group_key(query)), groups.size());
    if (added) {
      groups.push_back(Group{query, {i}});
    } else {
      Group& group = groups[it->second];
      group.members.push_back(i);
      // Filters the members do not share are left to exact matching.
      source.widen(group.query, query);
    }
  }
  for (auto& group : groups) group.query.image_digest.reset();
  return groups;
}

} // namespace

std::vector<ImageLookup> find_images(const ListImages& list, const std::vector<Query>& queries,
                                     const WaitSettings& wait, Clock& clock, const Progress& progress,
                                     const TriggerScan& trigger) {
  using namespace std::chrono;
  std::vector<ImageLookup> images(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) images[i].lookup.query = queries[i];
  std::vector<Group> groups = group_queries(queries);
  std::vector<std::vector<Record>> scans(queries.size()); // remember_scans, per image

  for (int poll = 1;; ++poll) {
    std::vector<Group*> pending;
    for (auto& group : groups) {
      if (!group.done) pending.push_back(&group);
    }
    std::vector<std::vector<Record>> records(pending.size());
    std::vector<std::optional<std::string>> errors(pending.size());
    for_each_in_parallel(pending.size(), k_parallel_requests, [&](std::size_t g) {
      try {
        list(pending[g]->query, records[g]);
      } catch (const ServiceError& e) { // a group's failure; Interrupted is no ServiceError and ends the wait
        errors[g] = e.what();
      }
    });
    auto elapsed = clock.elapsed();
    double waited = static_cast<double>(elapsed.count()) / 1000.0;
    for (std::size_t g = 0; g < pending.size(); ++g) {
      Group& group = *pending[g];
      bool all_final = true;
      for (std::size_t member : group.members) {
        ImageLookup& image = images[member];
        Lookup found = select_matches(queries[member], records[g]);
        found.triggers = std::move(image.lookup.triggers);
        found.scanned_after = image.lookup.scanned_after;
        found.no_verdict = image.lookup.no_verdict;
        if (errors[g]) {
          Lookup scanned;
          scanned.records = scans[member];
          keep_seen(found, scanned);
          keep_seen(found, image.lookup);
        } else {
          remember_scans(scans[member], found.records);
        }
        image.lookup = std::move(found);
        image.lookup.waited_seconds = waited;
        image.error = errors[g];
        // A final image may still want a scan: one older than its tag's last update.
        if (trigger && !image.error) trigger(image.lookup);
        all_final = all_final && is_final(image);
      }
      group.done = all_final || wait.wait.count() == 0;
    }
    if (std::all_of(groups.begin(), groups.end(), [](const Group& group) { return group.done; })) return images;

    std::vector<std::string> states;
    for (const auto& image : images) {
      if (is_final(image)) continue;
      std::string state = state_of(image.lookup);
      states.push_back(queries.size() == 1 ? state : fmt::format("{}: {}", describe_query(image.lookup.query), state));
    }
    std::string pending_images = fmt::format("{}", fmt::join(states, "; "));
    auto left = duration_cast<milliseconds>(wait.wait) - elapsed;
    if (left <= milliseconds(0)) {
      progress(fmt::format("waited {:.0f}s of {}s: {}; giving up", waited, wait.wait.count(), pending_images));
      return images;
    }
    auto pause = std::min(duration_cast<milliseconds>(wait.poll_interval), left);
    progress(fmt::format("poll {}: {} after {:.0f}s; next poll in {:.0f}s (wait up to {}s)", poll, pending_images,
                         waited, static_cast<double>(pause.count()) / 1000.0, wait.wait.count()));
    if (!clock.sleep(pause)) throw Interrupted(fmt::format("interrupted while waiting for the scan ({})", pending_images));
  }
}

} // namespace gate::hss
