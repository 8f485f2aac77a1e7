// Fuzzes the policy loader, then evaluates whatever loaded against a fixed record: bad policies
// must become diagnostics, never crashes.
#include "gate/hss/record.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate;
  const policy::TimePoint now{std::chrono::seconds(1795780800)};
  auto result = policy::load_policy_text(std::string(reinterpret_cast<const char*>(data), size), "/tmp/fuzz.toml", now);
  for (const auto& problem : result.problems) (void)problem.str();
  policy::describe_policy(result.policy);
  if (!result.problems.empty()) return 0;
  hss::Record record;
  record.cicd_name = "shop";
  record.image_version = "1.0.0";
  record.scan_status = "success";
  record.vul_num = 7;
  record.severity_level = "Medium";
  record.image_size = 1 << 30;
  record.latest_scan_time = 1795700000000;
  record.latest_update_time = 1795600000000;
  hss::Query query{"shop", "1.0.0", {}, {}, {}, {}};
  policy::evaluate(result.policy, {std::string("main"), std::string("prod"), now}, hss::select_matches(query, {record}));
  return 0;
}
