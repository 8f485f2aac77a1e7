#pragma once

#include "gate/hss/client.hpp"
#include "gate/hss/record.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace gate::hss {

struct WaitSettings {
  std::chrono::seconds wait{0};
  std::chrono::seconds poll_interval{10};
};

// How lookup waits: `sleep` returns false when the run was interrupted; `elapsed` is the time
// since the lookup began. Replaced by fakes in tests.
struct Timing {
  std::function<bool(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::milliseconds()> elapsed;
};
Timing real_timing();

using Progress = std::function<void(const std::string&)>;

// Most pages read for one lookup (200 records each), whatever total_num says.
inline constexpr int k_max_pages = 100;
inline constexpr int k_page_size = 200;

// Reads every page of matching records, then keeps the exact matches.
Lookup read_all(Client& client, const Query& query);

// Looks the image up, polling while it is missing or its scan unfinished, until the scan is
// final or the wait runs out. Prints one progress line per poll.
Lookup find_image(Client& client, const Query& query, const WaitSettings& wait, const Timing& timing,
                  const Progress& progress);

// Reads a saved response body from a file, as the API would have answered.
Lookup lookup_from_file(const std::string& path, const Query& query);

} // namespace gate::hss
