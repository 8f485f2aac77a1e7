// Fuzzes the finding and CVE readers through list_findings and list_cves over pages that differ
// from one offset to the next: each page is either made from three bytes (how many records, up to
// one over the limit, and what total_num says, or none) or is fuzzed text. The invariant
// (complete_list.hpp): a reader throws a gate::Error or returns a complete list. Anything else aborts.
//
// Input: byte 0 picks the list (a finding kind, or one past them: the CVE list); then page specs
// of three bytes each, up to the first 0xFE, after which the rest is a fuzzed body. Page k answers
// the offset k * 200; an offset past the specs is answered by an empty page without total_num (so a
// short input stays cheap: repeating the last spec would make most inputs read 100 full pages, about
// 20 executions a second). A spec whose first byte is 0xFF answers with the fuzzed body.
#include "complete_list.hpp"

#include "gate/error.hpp"
#include "gate/hss/findings.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct PageSpec {
  int count = 0;                    // records on the page, 0 to 201; -1: the fuzzed body
  std::optional<std::int64_t> total; // total_num, or no member at all
};

class SpecifiedPages : public gate::hss::Transport {
public:
  SpecifiedPages(std::vector<PageSpec> specs, std::string fuzzed, std::string record)
    : m_specs(std::move(specs)), m_fuzzed(std::move(fuzzed)), m_record(std::move(record)) {}

  gate::hss::Response get(const gate::hss::Request& request) override {
    std::int64_t offset = 0;
    for (const auto& [key, value] : request.query) {
      if (key == "offset") offset = std::stoll(value);
    }
    std::size_t index = static_cast<std::size_t>(offset / gate::hss::k_page_size);
    static const PageSpec k_past_the_specs{0, std::nullopt};
    const PageSpec& spec = index < m_specs.size() ? m_specs[index] : k_past_the_specs;
    if (spec.count < 0) return {m_fuzzed, {}, {}, std::nullopt};
    std::string items;
    for (int i = 0; i < spec.count; ++i) items += (i ? "," : "") + m_record;
    std::string total = spec.total ? fmt::format("\"total_num\": {}, ", *spec.total) : "";
    return {fmt::format("{{{}\"data_list\": [{}]}}", total, items), {}, {}, std::nullopt};
  }

private:
  std::vector<PageSpec> m_specs;
  std::string m_fuzzed;
  std::string m_record;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate::hss;
  if (size == 0) return 0;
  auto kinds = finding_kinds();
  std::size_t choice = data[0] % (kinds.size() + 1); // one past the kinds: the CVE list
  std::vector<PageSpec> specs;
  std::size_t at = 1;
  for (; at + 3 <= size && data[at] != 0xFE && specs.size() < 120; at += 3) {
    PageSpec spec;
    spec.count = data[at] == 0xFF ? -1 : data[at] % (k_page_size + 2);
    if (data[at + 1] != 0xFF) spec.total = (std::int64_t{data[at + 1]} << 8 | data[at + 2]) * (data[at + 1] >= 0x80 ? 97 : 1);
    specs.push_back(spec);
  }
  if (at < size && data[at] == 0xFE) ++at;
  std::string fuzzed(reinterpret_cast<const char*>(data) + std::min(at, size), size - std::min(at, size));
  if (specs.empty()) specs.push_back({-1, std::nullopt});
  const FindingEndpoint& endpoint = choice < kinds.size() ? endpoint_for(kinds[choice]) : cve_endpoint();

  SpecifiedPages pages(specs, fuzzed, R"({"vul_id": "USN-1", "cve_id": "CVE-1", "file_path": "/x", "app_name": "a"})");
  fuzz::PageLog log(pages);
  Record image;
  image.image_id = "img-1";
  image.cicd_name = "shop";
  image.image_name = "web";
  image.image_version = "1.0.0";
  std::vector<FindingRecord> records;
  try {
    if (choice < kinds.size()) {
      list_findings(log, endpoint, image, {}, records);
    } else {
      records = list_cves(log, "USN-1", {});
    }
  } catch (const gate::Error&) {
    return 0; // nothing judged
  } catch (...) {
    std::abort(); // a defect must be a gate error
  }
  log.check_complete(records.size(), [&](const std::string& body) {
    Page<FindingRecord> page = parse_finding_page(endpoint, body);
    return std::pair<std::size_t, std::int64_t>{page.items.size(), page.total_num.value_or(0)};
  });
  return 0;
}
