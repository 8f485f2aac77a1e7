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
  bool verbose = false; // also list passing and not-applicable rules
  bool quiet = false;   // only the closing verdict line
};

// The human summary printed at the end of `hss-gate check`.
std::string render_console(const policy::Outcome& outcome, const ConsoleStyle& style);

// How to waive a rule on an image: a ready-to-paste [[exceptions]] entry, on one line.
std::string waiver_hint(const policy::ImageResult& image, const policy::RuleResult& result);

// Writes through a temporary file in the same folder and a rename, so that a reader never sees
// a half-written report. Throws gate::Error (exit 2) naming the path when it cannot.
void write_file_atomically(const std::string& path, const std::string& content);

} // namespace gate::report
