#include "gate/report/report.hpp"
#include "gate/report/text.hpp"
#include "gate/text/utf8.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

namespace gate::report {

namespace {

using namespace gate::policy;

// Data rendered as literal text: every character Markdown (or the HTML it allows) could act on
// is escaped, so HSS data or a policy can add no link, image, emphasis, HTML or table cell; a
// code point that prints nothing (bidirectional, zero-width, C1) shows as its escape, \u202e.
std::string cell(std::string_view text) {
  std::string out;
  text::for_each_code_point(clean_text(text), [&](std::optional<char32_t> value, std::string_view bytes) {
    char c = bytes.front();
    if (value && *value != '\n' && *value != '\t' && text::is_non_printing(*value)) {
      out += '\\' + printable(bytes); // the backslash of the escape, itself escaped
      return;
    }
    switch (bytes.size() == 1 ? c : '\0') {
    case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>': case '!': case '|': case '#':
    case '&': case '~':
      out += '\\';
      out += c;
      break;
    case '\n': out += "<br>"; break;
    case '\t': out += ' '; break;
    default: out.append(bytes);
    }
  });
  return out;
}

// An error or a warning: one line, as on the console, a line break in it shown as \n.
std::string message_cell(std::string_view message) { return cell(printable(message)); }

std::string headline(const Outcome& outcome) {
  switch (outcome.decision) {
  case Decision::pass: return ":white_check_mark: **PASS**";
  case Decision::warn: return ":warning: **PASS WITH WARNINGS**";
  case Decision::fail: return ":no_entry: **BLOCKED by policy**";
  case Decision::no_verdict: return ":hourglass: **NO VERDICT**: the scan result is missing, unfinished or failed";
  case Decision::error:
    return outcome.error_ignored ? ":warning: **ERROR IGNORED** (--on-error pass): the image was not checked"
                                 : ":x: **ERROR**: HSS could not be read";
  }
  return {};
}

std::string image_heading(const ImageResult& image) {
  std::string compared = image.compared_with ? cell(comparison_text(*image.compared_with)) + "\n\n" : std::string();
  if (!image.record) {
    const char* state = image.decision == Decision::error ? "not checked" : "not found in HSS";
    return fmt::format("### {}: {}\n\n{}", cell(image.label()), state, compared);
  }
  const hss::Record& r = *image.record;
  auto scanned = r.latest_scan_time ? units::time_from_epoch_ms(*r.latest_scan_time) : std::nullopt;
  return fmt::format("### {}: {}\n\nScan {} at {}, digest {}\n\n{}", cell(image.label()), name_of(image.decision),
                     cell(r.scan_status), scanned ? units::format_date_time(*scanned) : "unknown",
                     cell(r.image_digest.value_or("(none)")), compared);
}

std::string result_row(const RuleResult& result) {
  std::string details = result.detail;
  if (result.waiver) {
    const Waiver& waiver = *result.waiver;
    details += waiver.kind == WaiverKind::vex
                   ? fmt::format(" — waived {}", waiver_text(waiver))
                   : fmt::format(" — waived until {} by {}: {}", waiver.expires, waiver.source, waiver.reason);
  } else if (!result.message.empty() && (result.status == RuleStatus::fail || result.status == RuleStatus::warn)) {
    details += fmt::format(" — {}", result.message);
  }
  std::string limit = to_text(result.limit);
  if (!result.op.empty() && result.limit.index() != 0) limit = result.op + " " + limit;
  // Rule ids are letters, digits, '-' and '_' only (the loader checks), so a code span is safe.
  return fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", result.rule, name_of(result.status),
                     cell(to_text(result.actual)), cell(limit), name_of(result.level), cell(details));
}

// A table of the findings a failing findings rule counted, folded when it is long.
std::string findings_table(const ImageResult& image, const RuleResult& result) {
  auto counted = counted_findings(result);
  if (counted.empty() || (result.status != RuleStatus::fail && result.status != RuleStatus::warn)) return {};
  std::string rows = "| Finding | Severity | Details |\n|---|---|---|\n";
  for (const auto* finding : counted) {
    rows += fmt::format("| {} | {} | {} |\n", cell(finding->id), cell(finding->severity.empty() ? "unknown" : finding->severity),
                        cell(finding_line(*finding)));
  }
  if (result.status == RuleStatus::fail) rows += fmt::format("\nTo waive one finding: {}\n", cell(waiver_hint(image, result)));
  std::string title = fmt::format("`{}`: {} {} counted", result.rule, counted.size(), result.findings_kind.value_or(""));
  if (counted.size() <= k_findings_shown) return fmt::format("**{}**\n\n{}\n", title, rows);
  return fmt::format("<details><summary>{}</summary>\n\n{}\n</details>\n\n", title, rows);
}

// What to check for a scan-status result without a verdict: its lead line, then a list.
std::string hint_list(const RuleResult& result) {
  if (result.hint.empty() || (result.status != RuleStatus::fail && result.status != RuleStatus::warn)) return {};
  std::string out = fmt::format("**`{}`: {}**\n\n", result.rule, cell(result.hint.front()));
  for (std::size_t i = 1; i < result.hint.size(); ++i) out += fmt::format("- {}\n", cell(result.hint[i]));
  return out + "\n";
}

} // namespace

std::string render_markdown(const Outcome& outcome) {
  std::string out = fmt::format("## hss-gate: {} (exit {})\n\n", headline(outcome), outcome.exit_code());
  if (outcome.clock_pinned) {
    out += fmt::format("> **Note:** the clock is pinned by `HSS_GATE_NOW` to {}: ages and expiries are measured "
                       "then.\n\n",
                       units::format_date_time(*outcome.clock_pinned));
  }
  if (!outcome.policy_files.empty()) {
    out += fmt::format("Policy: {}\n\n", cell(fmt::format("{}", fmt::join(outcome.policy_files, ", "))));
  }
  for (const auto& error : outcome.errors()) out += fmt::format("> **Error:** {}\n\n", message_cell(error));
  // Several images: one row each first; then the details of those that did not pass.
  bool several = outcome.images.size() > 1;
  if (several) {
    out += "| Image | Decision | Failed | Warnings | Waived |\n|---|---|---|---|---|\n";
    for (const auto& image : outcome.images) {
      StatusCounts counts = count_statuses(image);
      out += fmt::format("| {} | {} | {} | {} | {} |\n", cell(image.label()), name_of(image.decision), counts.failed,
                         counts.warned, counts.waived);
    }
    out += "\n";
  }
  for (const auto& image : outcome.images) {
    if (several && image.decision == Decision::pass) continue;
    out += image_heading(image);
    if (image.results.empty()) continue;
    out += "| Rule | Status | Actual | Limit | Level | Details |\n|---|---|---|---|---|---|\n";
    for (const auto& result : image.results) out += result_row(result);
    out += "\n";
    for (const auto& result : image.results) out += findings_table(image, result);
    for (const auto& result : image.results) out += hint_list(result);
  }
  if (!outcome.warnings.empty()) {
    out += "**Warnings**\n\n";
    for (const auto& warning : outcome.warnings) out += fmt::format("- {}\n", message_cell(warning));
    out += "\n";
  }
  if (outcome.decision == Decision::fail) {
    out += "To waive a failing rule, add an `[[exceptions]]` entry with `rules`, the image globs, an `expires` "
           "date and a `reason` to the policy, and have it reviewed like any code change.\n";
  }
  return out;
}

} // namespace gate::report
