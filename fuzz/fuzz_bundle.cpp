// Fuzzes --from-file: the bytes as a bundle (v2, v1 or a plain list response) through the real
// reading, the replaying transport, the image lookup and every finding and CVE reader. The
// invariants: a defect is a gate::Error (UsageError or ServiceError) and nothing else escapes; a
// list that is read is complete (complete_list.hpp: every page recorded, none over the limit,
// ending on a short page at or past what total_num promised), so no longer than the page bound
// allows. Anything else aborts.
#include "complete_list.hpp"

#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/replaying_transport.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate::hss;
  static const std::string path = "/tmp/hss-gate-fuzz-bundle-" + std::to_string(::getpid()) + ".json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  constexpr std::size_t k_bound = static_cast<std::size_t>(k_page_size) * k_max_pages;
  try {
    Bundle bundle = read_bundle_file(path);
    ReplayingTransport replay_only(bundle);
    fuzz::PageLog replay(replay_only);
    auto finding_counts = [](const FindingEndpoint& endpoint) {
      return [&endpoint](const std::string& body) {
        Page<FindingRecord> page = parse_finding_page(endpoint, body);
        return std::pair<std::size_t, std::int64_t>{page.items.size(), page.total_num.value_or(0)};
      };
    };
    Query query;
    query.cicd_name = "shop";
    query.image_version = "1.0.0";
    std::vector<Record> images;
    list_cicd_images(replay, query, images);
    if (images.size() > k_bound) std::abort();
    replay.check_complete(images.size(), [](const std::string& body) {
      Page<Record> page = parse_cicd_images_page(body);
      return std::pair<std::size_t, std::int64_t>{page.items.size(), page.total_num.value_or(0)};
    });
    for (const auto& image : images) {
      if (image.image_id.empty()) continue;
      for (auto kind : finding_kinds()) {
        std::vector<FindingRecord> records;
        replay.forget();
        try {
          list_findings(replay, endpoint_for(kind), image, {}, records);
        } catch (const gate::ServiceError&) {
          continue; // a list the bundle lacks or holds broken: never judged
        }
        if (records.size() > k_bound) std::abort();
        replay.check_complete(records.size(), finding_counts(endpoint_for(kind)));
        if (!kind.spec().cves) continue;
        for (const auto& record : records) {
          auto vul_id = record.text(kind.spec().cves->key_member);
          if (!vul_id) continue;
          replay.forget();
          std::size_t cves = 0;
          try {
            cves = list_cves(replay, *vul_id, {}).size();
          } catch (const gate::ServiceError&) {
            continue;
          }
          if (cves > k_bound) std::abort();
          replay.check_complete(cves, finding_counts(cve_endpoint()));
        }
      }
    }
  } catch (const gate::Error&) {
  } catch (...) {
    std::abort(); // a crash by another name: a defect must be a one-line gate error
  }
  return 0;
}
