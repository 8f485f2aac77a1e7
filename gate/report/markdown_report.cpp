#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/units/units.hpp"

#include <fmt/format.h>

namespace gate::report {

namespace {

using namespace gate::policy;

// Table cells may not hold '|' or line breaks.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : clean_text(text)) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

std::string headline(const Outcome& outcome) {
  switch (outcome.decision) {
  case Decision::pass: return ":white_check_mark: **PASS**";
  case Decision::warn: return ":warning: **PASS WITH WARNINGS**";
  case Decision::fail: return ":no_entry: **BLOCKED by policy**";
  case Decision::no_verdict: return ":hourglass: **NO VERDICT**: the scan result is missing, unfinished or failed";
  case Decision::error:
    return outcome.exit_code == 0 ? ":warning: **ERROR IGNORED** (--on-error pass): the image was not checked"
                                  : ":x: **ERROR**: HSS could not be read";
  }
  return {};
}

} // namespace

std::string render_markdown(const Outcome& outcome) {
  std::string out = fmt::format("## hss-gate: {} (exit {})\n\n", headline(outcome), outcome.exit_code);
  if (!outcome.policy_files.empty()) {
    out += fmt::format("Policy: {}\n\n", cell(fmt::format("{}", fmt::join(outcome.policy_files, ", "))));
  }
  for (const auto& error : outcome.errors) out += fmt::format("> **Error:** {}\n\n", cell(error));
  for (const auto& image : outcome.images) {
    const hss::Record& r = image.record;
    if (image.found) {
      std::string scanned = r.latest_scan_time
                                ? units::format_date_time(std::chrono::sys_seconds{std::chrono::seconds(*r.latest_scan_time / 1000)})
                                : "unknown";
      out += fmt::format("### `{}`: {}\n\nScan `{}` at {}, digest `{}`\n\n", cell(describe_image(image)),
                         name_of(image.decision), cell(r.scan_status), scanned,
                         r.image_digest.empty() ? "(none)" : cell(r.image_digest));
    } else {
      out += fmt::format("### {}: not found in HSS\n\n", cell(describe_query(outcome.query)));
    }
    out += "| Rule | Status | Actual | Limit | Level | Details |\n|---|---|---|---|---|---|\n";
    for (const auto& result : image.results) {
      std::string details = result.detail;
      if (result.waiver) {
        details += fmt::format(" — waived until {} by {}: {}", result.waiver->expires, result.waiver->source,
                               result.waiver->reason);
      } else if (!result.message.empty() && (result.status == RuleStatus::fail || result.status == RuleStatus::warn)) {
        details += fmt::format(" — {}", result.message);
      }
      std::string limit = to_text(result.limit);
      if (!result.op.empty() && result.limit.index() != 0) limit = result.op + " " + limit;
      out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", cell(result.rule), name_of(result.status),
                         cell(to_text(result.actual)), cell(limit), name_of(result.level), cell(details));
    }
    out += "\n";
  }
  if (!outcome.warnings.empty()) {
    out += "**Warnings**\n\n";
    for (const auto& warning : outcome.warnings) out += fmt::format("- {}\n", cell(warning));
    out += "\n";
  }
  if (outcome.decision == Decision::fail) {
    out += "To waive a failing rule, add an `[[exceptions]]` entry with `rules`, the image globs, an `expires` "
           "date and a `reason` to the policy, and have it reviewed like any code change.\n";
  }
  return out;
}

} // namespace gate::report
