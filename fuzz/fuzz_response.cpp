// Fuzzes the HSS response parser, exact matching, evaluation with the built-in policy and every
// report renderer: no input may crash, hang or leak.
#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/report/report.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate;
  static const policy::TimePoint now{std::chrono::seconds(1795780800)};
  static const policy::Policy built_in = policy::default_policy(now);
  try {
    auto page = hss::parse_cicd_images_page(std::string_view(reinterpret_cast<const char*>(data), size));
    hss::Query query;
    query.cicd_name = page.items.empty() ? "shop" : page.items.front().cicd_name.value_or("");
    query.image_version = page.items.empty() ? "1.0.0" : page.items.front().image_version.value_or("");
    auto outcome = policy::evaluate(built_in, {std::nullopt, std::nullopt, now}, hss::select_matches(query, page.items));
    report::render_junit(outcome);
    report::render_json(outcome);
    report::render_markdown(outcome);
    report::render_console(outcome, {});
    report::render_github_annotations(outcome);
  } catch (const ServiceError&) {
  }
  return 0;
}
