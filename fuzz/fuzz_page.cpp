// Fuzzes the finding page reader through list_findings and list_cves: every page of every list
// answers the fuzzed body. The invariant (docs/reliability.md, "a list is complete or it is not
// judged"): the reader throws ServiceError, or returns exactly the records of one short page, no
// more than the limit sent, and none missing when total_num promised some. Anything else aborts.
#include "gate/error.hpp"
#include "gate/hss/findings.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

class SameAnswer : public gate::hss::Transport {
public:
  explicit SameAnswer(std::string body) : m_body(std::move(body)) {}
  gate::hss::Response get(const gate::hss::Request&) override { return {m_body, {}, {}, std::nullopt}; }

private:
  std::string m_body;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate::hss;
  if (size == 0) return 0;
  auto kinds = finding_kinds();
  std::size_t choice = data[0] % (kinds.size() + 1); // one past the kinds: the CVE list
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const FindingEndpoint& endpoint = choice < kinds.size() ? endpoint_for(kinds[choice]) : cve_endpoint();
  Record image;
  image.image_id = "img-1";
  image.cicd_name = "shop";
  image.image_name = "web";
  image.image_version = "1.0.0";
  SameAnswer transport(body);
  std::vector<FindingRecord> records;
  bool read = false;
  try {
    if (choice < kinds.size()) {
      list_findings(transport, endpoint, image, {}, records);
    } else {
      records = list_cves(transport, "USN-1", {});
    }
    read = true;
  } catch (const gate::ServiceError&) {
  }
  if (!read) return 0;
  Page<FindingRecord> page;
  try {
    page = parse_finding_page(endpoint, body);
  } catch (const gate::ServiceError&) {
    std::abort(); // the reader accepted a body its own parser refuses
  }
  // Every page is this one: only a short page ends the list, and then the list is that page.
  if (page.items.size() >= static_cast<std::size_t>(k_page_size)) std::abort();
  if (records.size() != page.items.size()) std::abort();
  if (records.empty() && page.total_num.value_or(0) > 0) std::abort();
  return 0;
}
