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
// list_cicd_images over a transport, or a fake in tests.
using ListImages = std::function<void(const Query&, std::vector<Record>&)>;

// The service failed part-way through a lookup. `partial` holds the exact matches read before
// the failure: evidence that may already block, though it can never pass.
class LookupFailed : public ServiceError {
public:
  LookupFailed(const std::string& message, Lookup partial) : ServiceError(message), m_partial(std::move(partial)) {}
  const Lookup& partial() const { return m_partial; }

private:
  Lookup m_partial;
};

using Progress = std::function<void(const std::string&)>;

// Looks the image up, polling while it is missing or its scan unfinished, until the scan is
// final or the wait runs out; sleeps through `clock`. Prints one progress line per poll. Throws
// LookupFailed when the service fails (Interrupted when the run is cancelled).
Lookup find_image(const ListImages& list, const Query& query, const WaitSettings& wait, Clock& clock,
                  const Progress& progress);

// Reads a saved ListCicdImages response from a file, as the API would have answered.
Lookup lookup_from_file(const std::string& path, const Query& query);

} // namespace gate::hss
