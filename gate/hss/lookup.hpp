#pragma once

#include "gate/error.hpp"
#include "gate/hss/record.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace gate {
class Clock;
}

namespace gate::hss {

struct WaitSettings {
  std::chrono::seconds wait{0};
  std::chrono::seconds poll_interval{10};
};

// Appends every record the service holds for a query (all pages) to the vector, as they arrive;
// list_cicd_images over a transport, or a fake in tests. Called from several threads at once.
using ListImages = std::function<void(const Query&, std::vector<Record>&)>;

using Progress = std::function<void(const std::string&)>;

// Called after each poll for each image whose list was read (--trigger-scan): may ask HSS to sync
// or scan the image and note it in the lookup (triggers, scanned_after, no_verdict), which later
// polls keep. Called from one thread at a time.
using TriggerScan = std::function<void(Lookup&)>;

// Lists fetched at once, at most.
inline constexpr std::size_t k_parallel_requests = 8;

// Looks several images up. Images of one source that share its group key (for CI/CD images
// cicd_name, image_version and enterprise project) share one list query, matched exactly per image afterwards; distinct groups are listed in
// parallel. While any image is missing or its scan unfinished, polls the groups that are not
// final until the one wait budget runs out, sleeping through `clock`; one progress line per
// poll names the images still pending; a scan the gate asked for counts once it finished. A group whose list fails gives each of its images that
// error, with what was read before it in that poll and what earlier polls of the wait saw.
// Throws Interrupted when the run is cancelled.
std::vector<ImageLookup> find_images(const ListImages& list, const std::vector<Query>& queries,
                                     const WaitSettings& wait, Clock& clock, const Progress& progress,
                                     const TriggerScan& trigger = {});

} // namespace gate::hss
