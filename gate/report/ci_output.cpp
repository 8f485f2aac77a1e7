#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/error.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <random>

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
  // After escaping, so that \r and \n stay percent-encoded; every other control, bidirectional
  // or invisible code point becomes a visible escape, as on the console.
  return printable(out);
}

std::string github_annotation(std::string_view kind, std::string_view title, const std::vector<std::string>& lines) {
  std::string message;
  for (std::size_t i = 0; i < lines.size(); ++i) message += (i == 0 ? "" : "\n") + printable(lines[i]);
  return fmt::format("::{} title={}::{}\n", kind, github_escape(printable(title), true), github_escape(message, false));
}

std::string render_github_annotations(const Outcome& outcome) {
  std::string out;
  for (const auto& image : outcome.images) {
    for (const auto& result : image.results) {
      if (result.status != RuleStatus::fail && result.status != RuleStatus::warn) continue;
      std::vector<std::string> lines{result.detail};
      if (!result.message.empty()) lines.push_back("Fix: " + result.message);
      if (result.status == RuleStatus::fail && !result.exception_hint.empty()) {
        lines.push_back("Waive: " + waiver_hint(image, result));
      }
      for (std::size_t i = 0; i < result.hint.size(); ++i) {
        lines.push_back((i == 0 ? "Check: " : "- ") + result.hint[i]);
      }
      out += github_annotation(result.status == RuleStatus::fail ? "error" : "warning",
                               fmt::format("hss-gate {}: {}", result.rule, image.label()), lines);
    }
  }
  for (const auto& warning : outcome.warnings) out += github_annotation("warning", "hss-gate", {warning});
  for (const auto& error : outcome.errors()) {
    out += github_annotation(outcome.error_ignored ? "warning" : "error", "hss-gate: HSS could not be read", {error});
  }
  return out;
}

namespace {

// name<<delimiter, the value, and the delimiter again, with a fresh random delimiter for every
// value, as GitHub's toolkit writes them: no value can end its block early and set outputs of
// its own, whatever lines it holds.
std::string output_line(const std::string& name, const std::string& value) {
  static std::mt19937_64 random{std::random_device{}()};
  std::string delimiter = fmt::format("ghadelimiter_{:016x}{:016x}", random(), random());
  if (value.find(delimiter) != std::string::npos || name.find(delimiter) != std::string::npos) {
    throw ServiceError(fmt::format("$GITHUB_OUTPUT: the value of {} contains its delimiter", name));
  }
  return fmt::format("{}<<{}\n{}\n{}\n", name, delimiter, value, delimiter);
}

std::string path_of(const ReportPaths& paths, std::string_view format) {
  auto it = paths.find(format);
  return it == paths.end() ? std::string() : it->second;
}

// "images_pass=2": how many images reached each decision, under fixed names.
std::vector<std::pair<std::string, std::string>> image_counts(const Outcome& outcome) {
  std::vector<std::pair<std::string, std::string>> counts;
  auto numbers = count_decisions(outcome);
  for (std::size_t i = 0; i < k_decisions.size(); ++i) {
    counts.emplace_back(fmt::format("images_{}", name_of(k_decisions[i])), std::to_string(numbers[i]));
  }
  return counts;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

} // namespace

std::string render_github_outputs(const Outcome& outcome, const ReportPaths& paths) {
  std::string out = output_line("decision", std::string(name_of(outcome.decision))) +
                    output_line("exit-code", std::to_string(outcome.exit_code())) +
                    output_line("junit", path_of(paths, "junit")) + output_line("json", path_of(paths, "json")) +
                    output_line("sarif", path_of(paths, "sarif")) + output_line("sbom", path_of(paths, "sbom")) +
                    output_line("attestation", path_of(paths, "attestation"));
  for (const auto& [name, value] : image_counts(outcome)) out += output_line(name, value);
  out += output_line("expiry-warnings", std::to_string(outcome.expiry_warnings.size()));
  return out;
}

namespace {

// WARNINGS counts the rules that warned; EXPIRY_WARNINGS the exceptions expired or expiring soon.
constexpr std::array<std::string_view, 7> k_dotenv_keys{"DECISION", "EXIT_CODE",       "FAILED_RULES", "WARNINGS",
                                                       "EXPIRY_WARNINGS", "JUNIT", "JSON"};
constexpr std::array<std::string_view, 4> k_deprecated_dotenv_keys{"HSS_GATE_DECISION", "HSS_GATE_EXIT_CODE",
                                                                   "HSS_GATE_FAILED_RULES", "HSS_GATE_WARNINGS"};

} // namespace

std::vector<std::string> dotenv_keys() {
  std::vector<std::string> keys(k_dotenv_keys.begin(), k_dotenv_keys.end());
  for (auto decision : k_decisions) keys.push_back(upper(fmt::format("images_{}", name_of(decision))));
  return keys;
}
std::span<const std::string_view> deprecated_dotenv_keys() { return k_deprecated_dotenv_keys; }

std::string render_dotenv(const Outcome& outcome, const ReportOptions& options) {
  StatusCounts counts = count_statuses(outcome);
  // GitLab reads one variable per line: a line break inside a value would start another variable.
  auto single = [](std::string value) {
    for (char& c : value) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return value;
  };
  std::array<std::string, k_dotenv_keys.size()> values{
      std::string(name_of(outcome.decision)), std::to_string(outcome.exit_code()),
      std::to_string(counts.failed),          std::to_string(counts.warned),
      std::to_string(outcome.expiry_warnings.size()), single(path_of(options.paths, "junit")),
      single(path_of(options.paths, "json"))};
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += fmt::format("{}{}={}\n", options.dotenv_prefix, k_dotenv_keys[i], values[i]);
  for (const auto& [name, value] : image_counts(outcome)) out += fmt::format("{}{}={}\n", options.dotenv_prefix, upper(name), value);
  if (options.dotenv_prefix == k_default_dotenv_prefix) {
    for (std::size_t i = 0; i < k_deprecated_dotenv_keys.size(); ++i) {
      out += fmt::format("{}={}\n", k_deprecated_dotenv_keys[i], values[i]);
    }
  }
  return out;
}

} // namespace gate::report
