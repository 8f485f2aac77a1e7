#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include <fmt/format.h>

namespace gate::report {

using namespace gate::policy;

std::string github_escape(std::string_view text, bool property) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '%': out += "%25"; break;
    case '\r': out += "%0D"; break;
    case '\n': out += "%0A"; break;
    case ':': out += property ? "%3A" : ":"; break;
    case ',': out += property ? "%2C" : ","; break;
    default: out += c;
    }
  }
  return clean_text(out); // after escaping, so that \r is escaped rather than replaced
}

std::string render_github_annotations(const Outcome& outcome) {
  std::string out;
  auto command = [&](const char* kind, const std::string& title, const std::string& message) {
    out += fmt::format("::{} title={}::{}\n", kind, github_escape(title, true), github_escape(message, false));
  };
  for (const auto& image : outcome.images) {
    std::string subject = image.found ? describe_image(image) : describe_query(outcome.query);
    for (const auto& result : image.results) {
      if (result.status != RuleStatus::fail && result.status != RuleStatus::warn) continue;
      std::string message = result.detail;
      if (!result.message.empty()) message += "\nFix: " + result.message;
      if (result.status == RuleStatus::fail) message += "\nWaive: " + waiver_hint(image, result);
      command(result.status == RuleStatus::fail ? "error" : "warning",
              fmt::format("hss-gate {}: {}", result.rule, subject), message);
    }
  }
  for (const auto& warning : outcome.warnings) command("warning", "hss-gate", warning);
  for (const auto& error : outcome.errors) {
    command(outcome.exit_code == 0 ? "warning" : "error", "hss-gate: HSS could not be read", error);
  }
  return out;
}

namespace {

// name=value, or the delimited form when the value spans lines.
std::string output_line(const std::string& name, const std::string& value) {
  if (value.find('\n') == std::string::npos && value.find('\r') == std::string::npos) {
    return fmt::format("{}={}\n", name, value);
  }
  return fmt::format("{}<<HSS_GATE_EOF_7c1f\n{}\nHSS_GATE_EOF_7c1f\n", name, value);
}

} // namespace

std::string render_github_outputs(const Outcome& outcome, const ReportPaths& paths) {
  return output_line("decision", std::string(name_of(outcome.decision))) +
         output_line("exit-code", std::to_string(outcome.exit_code)) + output_line("junit", paths.junit) +
         output_line("json", paths.json);
}

std::string render_dotenv(const Outcome& outcome, const ReportPaths& paths) {
  int failed = 0, warned = 0;
  for (const auto& image : outcome.images) {
    for (const auto& result : image.results) {
      failed += result.status == RuleStatus::fail;
      warned += result.status == RuleStatus::warn;
    }
  }
  // dotenv values are single-line; paths with line breaks are not worth supporting here.
  auto single = [](std::string value) {
    for (char& c : value) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return value;
  };
  return fmt::format("HSS_GATE_DECISION={}\nHSS_GATE_EXIT_CODE={}\nHSS_GATE_FAILED_RULES={}\nHSS_GATE_WARNINGS={}\n"
                     "HSS_GATE_JUNIT={}\nHSS_GATE_JSON={}\n",
                     name_of(outcome.decision), outcome.exit_code, failed, warned, single(paths.junit),
                     single(paths.json));
}

} // namespace gate::report
