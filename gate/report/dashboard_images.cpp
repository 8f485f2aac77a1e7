#include "gate/report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace gate::report {

namespace {

using policy::ImageResult;

// Two results of one HSS record: two SPECs (or two records of a query) that named the same image.
bool same_record(const ImageResult& a, const ImageResult& b) {
  const hss::Record& x = *a.record;
  const hss::Record& y = *b.record;
  return x.image_id == y.image_id && x.image_digest == y.image_digest && a.label() == b.label();
}

} // namespace

std::vector<DashboardImage> dashboard_images(const policy::Outcome& outcome) {
  std::vector<DashboardImage> listed;
  std::set<std::string, std::less<>> taken;
  for (const auto& image : outcome.images) {
    if (!image.evaluated()) {
      listed.push_back({&image, {}});
      continue;
    }
    bool again = std::any_of(listed.begin(), listed.end(), [&](const DashboardImage& earlier) {
      return earlier.image->evaluated() && same_record(*earlier.image, image);
    });
    if (again) continue;
    // The image without its version, so that an alert keeps its identity from one build to the
    // next; an image the run already named so (another version, digest or record of the same
    // image) is told apart by its version, digest and HSS id, and as a last resort by a number.
    std::string identity = image.stable_label();
    if (taken.count(identity) > 0) {
      const hss::Record& record = *image.record;
      identity = fmt::format("{}@{}@{}", image.label(), record.image_digest.value_or(""), record.image_id);
    }
    std::string unique = identity;
    for (int n = 2; taken.count(unique) > 0; ++n) unique = fmt::format("{}#{}", identity, n);
    taken.insert(unique);
    listed.push_back({&image, std::move(unique)});
  }
  return listed;
}

} // namespace gate::report
