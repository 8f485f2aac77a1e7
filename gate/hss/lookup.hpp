#pragma once

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

// Every record the service holds for a query (all pages); list_cicd_images over a transport, or
// a fake in tests.
using ListImages = std::function<std::vector<Record>(const Query&)>;

using Progress = std::function<void(const std::string&)>;

// Looks the image up, polling while it is missing or its scan unfinished, until the scan is
// final or the wait runs out; sleeps through `clock`. Prints one progress line per poll.
Lookup find_image(const ListImages& list, const Query& query, const WaitSettings& wait, Clock& clock,
                  const Progress& progress);

// Reads a saved ListCicdImages response from a file, as the API would have answered.
Lookup lookup_from_file(const std::string& path, const Query& query);

} // namespace gate::hss
