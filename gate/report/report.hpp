#pragma once

#include "gate/policy/outcome.hpp"

#include <string>

// Renderers of a run's Outcome. They only format: the verdict is decided before they run.
namespace gate::report {

// JUnit XML valid against the Jenkins schema: one <testsuite> per image, one <testcase> per rule.
std::string render_junit(const policy::Outcome& outcome);

// The JSON report; its exit_code equals the process's exit status.
std::string render_json(const policy::Outcome& outcome);

// A Markdown summary for CI step summaries and merge requests.
std::string render_markdown(const policy::Outcome& outcome);

struct ConsoleStyle {
  bool color = false;
  bool verbose = false;         // also list passing and not-applicable rules
  bool quiet = false;           // only the closing verdict line
  bool gitlab_sections = false; // fold the details in a collapsed GitLab CI log section
  long long section_time = 0;   // Unix time stamped on the GitLab section markers
};

// The human summary printed at the end of `hss-gate check`.
std::string render_console(const policy::Outcome& outcome, const ConsoleStyle& style);

// Where the reports went, for CI outputs that point at them.
struct ReportPaths {
  std::string junit;
  std::string json;
};

// GitHub Actions workflow commands: one ::error per failure, one ::warning per warning.
std::string render_github_annotations(const policy::Outcome& outcome);

// Lines for $GITHUB_OUTPUT: decision, exit-code, junit, json.
std::string render_github_outputs(const policy::Outcome& outcome, const ReportPaths& paths);

// KEY=value lines for GitLab's artifacts:reports:dotenv: HSS_GATE_DECISION, HSS_GATE_EXIT_CODE...
std::string render_dotenv(const policy::Outcome& outcome, const ReportPaths& paths);

// Escapes a workflow command's message (`property` also escapes ':' and ',').
std::string github_escape(std::string_view text, bool property);

// How to waive a rule on an image: a ready-to-paste [[exceptions]] entry, on one line.
std::string waiver_hint(const policy::ImageResult& image, const policy::RuleResult& result);

// Appends to a file that a CI system created (GITHUB_STEP_SUMMARY); throws gate::Error (exit 2).
void append_to_file(const std::string& path, const std::string& content);

// Writes through a temporary file in the same folder and a rename, so that a reader never sees
// a half-written report. Throws gate::Error (exit 2) naming the path when it cannot.
void write_file_atomically(const std::string& path, const std::string& content);

} // namespace gate::report
