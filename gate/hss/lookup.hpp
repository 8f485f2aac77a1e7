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

// Lists fetched at once, at most.
inline constexpr std::size_t k_parallel_requests = 8;

// Looks several images up. Images that share cicd_name and image_version (and enterprise project)
// share one list query, matched exactly per image afterwards; distinct groups are listed in
// parallel. While any image is missing or its scan unfinished, polls the groups that are not
// final until the one wait budget runs out, sleeping through `clock`; one progress line per
// poll names the images still pending. A group whose list fails gives each of its images that
// error, with what was read before it in that poll and what earlier polls of the wait saw.
// Throws Interrupted when the run is cancelled.
std::vector<ImageLookup> find_images(const ListImages& list, const std::vector<Query>& queries,
                                     const WaitSettings& wait, Clock& clock, const Progress& progress);

} // namespace gate::hss
