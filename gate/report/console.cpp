#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>

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

// The failing rules of every image, each once, in the order they appear: at most five by name.
std::string failing_rules(const Outcome& outcome) {
  std::vector<std::string> names;
  for (const auto& image : outcome.images) {
    for (const auto& result : image.results) {
      if (result.status == RuleStatus::fail && std::find(names.begin(), names.end(), result.rule) == names.end()) {
        names.push_back(result.rule);
      }
    }
  }
  constexpr std::size_t k_shown = 5;
  std::string text = fmt::format("{}", fmt::join(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(
                                                                             std::min(names.size(), k_shown)), ", "));
  if (names.size() > k_shown) text += fmt::format(" and {} more", names.size() - k_shown);
  return text;
}

// The last line of the console, the one CI logs show unfolded: the verdict, why, and the counts.
std::string verdict_line(const Outcome& outcome, const Painter& paint) {
  StatusCounts counts = count_statuses(outcome);
  std::size_t images = outcome.images.size();
  auto summary = fmt::format("{} image{}, {} failed, {} warning{}, {} waived", images, images == 1 ? "" : "s",
                             counts.failed, counts.warned, counts.warned == 1 ? "" : "s", counts.waived);
  int code = outcome.exit_code();
  auto errors = outcome.errors();
  std::string first_error = errors.empty() ? std::string() : ": " + printable(errors.front());
  switch (outcome.decision) {
  case Decision::pass: return fmt::format("hss-gate: {} ({}; exit {})", paint(k_green, "PASS"), summary, code);
  case Decision::warn:
    return fmt::format("hss-gate: {} ({}; exit {})", paint(k_yellow, "PASS WITH WARNINGS"), summary, code);
  case Decision::fail:
    return fmt::format("hss-gate: {} by policy: {} ({}; exit {})", paint(k_red, "BLOCKED"), printable(failing_rules(outcome)),
                       summary, code);
  case Decision::no_verdict:
    return fmt::format("hss-gate: {}: the scan result is missing, unfinished or failed ({}; exit {})",
                       paint(k_red, "NO VERDICT"), summary, code);
  case Decision::error:
    if (outcome.error_ignored) {
      return fmt::format("hss-gate: {}: HSS could not be read{}; --on-error pass lets the pipeline continue "
                         "UNCHECKED (exit {})",
                         paint(k_yellow, "ERROR IGNORED"), first_error, code);
    }
    return fmt::format("hss-gate: {}: HSS could not be read{} (exit {})", paint(k_red, "ERROR"), first_error, code);
  }
  return {};
}

std::string image_line(const ImageResult& image) {
  std::string decision{name_of(image.decision)};
  std::string line;
  if (!image.record) {
    const char* state = image.decision == Decision::error ? "not checked" : "not found in HSS";
    line = fmt::format("image {}: {}, decision {}\n", printable(image.label()), state, decision);
  } else {
    const hss::Record& r = *image.record;
    line = fmt::format("image {}: scan {}, digest {}, decision {}\n", printable(image.label()), printable(r.scan_status),
                       printable(r.image_digest.value_or("(none)")), decision);
  }
  for (const auto& trigger : image.triggers) {
    line += fmt::format("  asked HSS at {}: {} ({})\n", trigger.at, printable(trigger.asked), trigger.operation);
  }
  if (image.compared_with) line += fmt::format("  {}\n", printable(comparison_text(*image.compared_with)));
  return line;
}

std::string rule_lines(const ImageResult& image, const RuleResult& result, const ConsoleStyle& style,
                       const Painter& paint) {
  const char* label = nullptr;
  const char* color = k_dim;
  switch (result.status) {
  case RuleStatus::fail: label = "FAIL"; color = k_red; break;
  case RuleStatus::warn: label = "WARN"; color = k_yellow; break;
  case RuleStatus::excepted: label = "WAIVED"; color = k_yellow; break;
  case RuleStatus::pass: label = style.verbose ? "pass" : nullptr; color = k_green; break;
  case RuleStatus::not_applicable: label = style.verbose ? "n/a" : nullptr; break;
  }
  if (!label) return {};
  std::string out = fmt::format("  {:<6} {}: {}\n", paint(color, label), printable(result.rule), printable(result.detail));
  if (result.status == RuleStatus::fail || result.status == RuleStatus::warn) {
    if (!result.message.empty()) out += fmt::format("         fix: {}\n", printable(result.message));
    if (result.status == RuleStatus::fail && !result.exception_hint.empty()) {
      out += fmt::format("         waive: {}\n", printable(waiver_hint(image, result)));
    }
    for (std::size_t i = 0; i < result.hint.size(); ++i) {
      out += fmt::format("         {}{}\n", i == 0 ? "check: " : "  - ", printable(result.hint[i]));
    }
  }
  if (result.status == RuleStatus::fail || result.status == RuleStatus::warn) {
    auto counted = counted_findings(result);
    for (std::size_t i = 0; i < counted.size() && i < k_findings_shown; ++i) {
      out += fmt::format("         - {}\n", printable(finding_line(*counted[i])));
    }
    if (counted.size() > k_findings_shown) out += fmt::format("         … and {} more\n", counted.size() - k_findings_shown);
  }
  if (result.waiver && result.waived_by != WaivedBy::none) {
    // A rule-wide exception waives the rule; finding waivers only bring it within its max.
    const char* how = result.waived_by == WaivedBy::rule    ? "waived"
                      : result.waived_by == WaivedBy::vex ? "within max thanks to findings waived by VEX, the first"
                                                          : "within max thanks to finding waivers, the first";
    out += fmt::format("         {} {}\n", how, printable(waiver_text(*result.waiver)));
  }
  return out;
}

} // namespace

std::string waiver_hint(const ImageResult&, const RuleResult& result) {
  // The entry's members were written by the policy's TOML writer; only fixed text is added here.
  std::string hint = fmt::format("add an [[exceptions]] entry to the policy: {}, expires = YYYY-MM-DD, reason = "
                                 "\"TICKET: why the risk is accepted\"",
                                 fmt::join(result.exception_hint, ", "));
  if (result.finding_waiver_twins > 0) {
    std::size_t twins = result.finding_waiver_twins;
    hint += fmt::format(" (it also waives {} other finding{} of this image identical to it in every attribute a "
                        "waiver can name)",
                        twins, twins == 1 ? "" : "s");
  }
  return hint;
}

std::vector<const FindingResult*> counted_findings(const RuleResult& result) {
  std::vector<const FindingResult*> counted;
  for (const auto& finding : result.findings) {
    if (!finding.waived) counted.push_back(&finding);
  }
  return counted;
}

std::string waiver_text(const Waiver& waiver) {
  if (waiver.kind == WaiverKind::vex) {
    return fmt::format("by VEX: {} in {} ({}{}){}{}", waiver.status, waiver.source, waiver.format,
                       waiver.owner.empty() ? "" : ", author " + waiver.owner,
                       waiver.vulnerabilities.empty() ? "" : fmt::format(" for {}", fmt::join(waiver.vulnerabilities, ", ")),
                       waiver.reason.empty() ? "" : ": " + waiver.reason);
  }
  return fmt::format("until {} by the exception at {}: {}{}", waiver.expires, waiver.source, waiver.reason,
                     waiver.owner.empty() ? "" : " (owner " + waiver.owner + ")");
}

std::string finding_line(const FindingResult& finding) {
  std::string line = finding.id;
  if (!finding.severity.empty()) line += " " + finding.severity;
  // What tells this finding apart besides its id: the package and version, the path.
  for (const auto& name : finding.console_shown) {
    const FindingResult::Attribute* attribute = finding.attribute(name);
    if (!attribute || attribute->values.empty() || attribute->values.front() == finding.id) continue;
    line += " " + attribute->values.front();
  }
  if (finding.unknown) line += " (matched because a value is unknown)";
  return line;
}

std::string render_console(const Outcome& outcome, const ConsoleStyle& style) {
  Painter paint{style.color};
  std::string out;
  if (!style.quiet) {
    if (outcome.clock_pinned) {
      out += fmt::format("{}: the clock is pinned by HSS_GATE_NOW to {}: ages and expiries are measured then\n",
                         paint(k_yellow, "note"), units::format_date_time(*outcome.clock_pinned));
    }
    for (const auto& image : outcome.images) {
      out += image_line(image);
      for (const auto& result : image.results) out += rule_lines(image, result, style, paint);
    }
    for (const auto& warning : outcome.warnings) out += fmt::format("{}: {}\n", paint(k_yellow, "warning"), printable(warning));
    for (const auto& error : outcome.errors()) out += fmt::format("{}: {}\n", paint(k_red, "error"), printable(error));
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
