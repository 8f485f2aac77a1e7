#include "gate/report/report.hpp"

#include <fmt/format.h>

namespace gate::report {

namespace {

using namespace gate::policy;

struct Painter {
  bool color;
  std::string operator()(const char* code, std::string_view text) const {
    if (!color) return std::string(text);
    return fmt::format("\033[{}m{}\033[0m", code, text);
  }
};

constexpr const char* k_red = "1;31";
constexpr const char* k_yellow = "1;33";
constexpr const char* k_green = "1;32";
constexpr const char* k_dim = "2";

std::string verdict_line(const Outcome& outcome, const Painter& paint) {
  int failed = 0, warned = 0, excepted = 0;
  for (const auto& image : outcome.images) {
    for (const auto& result : image.results) {
      failed += result.status == RuleStatus::fail;
      warned += result.status == RuleStatus::warn;
      excepted += result.status == RuleStatus::excepted;
    }
  }
  std::size_t images = outcome.images.size();
  auto counts = fmt::format("{} image{}, {} failed, {} warning{}, {} waived", images, images == 1 ? "" : "s", failed,
                            warned, warned == 1 ? "" : "s", excepted);
  switch (outcome.decision) {
  case Decision::pass:
    return fmt::format("hss-gate: {} ({}; exit {})", paint(k_green, "PASS"), counts, outcome.exit_code);
  case Decision::warn:
    return fmt::format("hss-gate: {} ({}; exit {})", paint(k_yellow, "PASS WITH WARNINGS"), counts, outcome.exit_code);
  case Decision::fail:
    return fmt::format("hss-gate: {} by policy ({}; exit {})", paint(k_red, "BLOCKED"), counts, outcome.exit_code);
  case Decision::no_verdict:
    return fmt::format("hss-gate: {}: the scan result is missing, unfinished or failed ({}; exit {})",
                       paint(k_red, "NO VERDICT"), counts, outcome.exit_code);
  case Decision::error:
    if (outcome.exit_code == 0) {
      return fmt::format("hss-gate: {}: HSS could not be read, and --on-error pass lets the pipeline continue "
                         "UNCHECKED (exit 0)",
                         paint(k_yellow, "ERROR IGNORED"));
    }
    return fmt::format("hss-gate: {}: HSS could not be read (exit {})", paint(k_red, "ERROR"), outcome.exit_code);
  }
  return {};
}

} // namespace

std::string waiver_hint(const ImageResult& image, const RuleResult& result) {
  std::string hint = fmt::format("add an [[exceptions]] entry to the policy: rules = [\"{}\"], cicd_name = \"{}\"",
                                 result.rule, image.record.cicd_name);
  if (!image.record.image_name.empty()) hint += fmt::format(", image_name = \"{}\"", image.record.image_name);
  hint += ", expires = YYYY-MM-DD, reason = \"TICKET: why the risk is accepted\"";
  return hint;
}

std::string render_console(const Outcome& outcome, const ConsoleStyle& style) {
  Painter paint{style.color};
  std::string out;
  if (!style.quiet) {
    for (const auto& image : outcome.images) {
      const hss::Record& r = image.record;
      if (image.found) {
        out += fmt::format("image {}: scan {}, digest {}, decision {}\n", describe_image(image), r.scan_status,
                           r.image_digest.empty() ? "(none)" : r.image_digest, name_of(image.decision));
      } else {
        out += fmt::format("image {}: not found in HSS, decision {}\n", describe_query(outcome.query),
                           name_of(image.decision));
      }
      for (const auto& result : image.results) {
        const char* label = nullptr;
        const char* color = k_dim;
        switch (result.status) {
        case RuleStatus::fail: label = "FAIL"; color = k_red; break;
        case RuleStatus::warn: label = "WARN"; color = k_yellow; break;
        case RuleStatus::excepted: label = "WAIVED"; color = k_yellow; break;
        case RuleStatus::pass: label = style.verbose ? "pass" : nullptr; color = k_green; break;
        case RuleStatus::not_applicable: label = style.verbose ? "n/a" : nullptr; break;
        }
        if (!label) continue;
        out += fmt::format("  {:<6} {}: {}\n", paint(color, label), result.rule, result.detail);
        if (result.status == RuleStatus::fail || result.status == RuleStatus::warn) {
          if (!result.message.empty()) out += fmt::format("         fix: {}\n", result.message);
          if (result.status == RuleStatus::fail) out += fmt::format("         waive: {}\n", waiver_hint(image, result));
        }
        if (result.status == RuleStatus::excepted) {
          out += fmt::format("         waived until {} ({}): {}\n", result.waiver->expires, result.waiver->source,
                             result.waiver->reason);
        }
      }
    }
    for (const auto& warning : outcome.warnings) out += fmt::format("{}: {}\n", paint(k_yellow, "warning"), warning);
    for (const auto& error : outcome.errors) out += fmt::format("{}: {}\n", paint(k_red, "error"), error);
    if (style.gitlab_sections && !out.empty()) {
      // GitLab folds a section between these markers; the verdict line stays visible below it.
      out = fmt::format("\033[0Ksection_start:{}:hss_gate_details[collapsed=true]\r\033[0Khss-gate: details per "
                        "image and rule\n{}\033[0Ksection_end:{}:hss_gate_details\r\033[0K\n",
                        style.section_time, out, style.section_time);
    }
  }
  out += verdict_line(outcome, paint) + "\n";
  return out;
}

} // namespace gate::report
