#pragma once

#include "gate/policy/outcome.hpp"
#include "gate/report/report.hpp"

#include <string>
#include <vector>

// Writing report files. Failures are exceptions of gate::Error naming the path; write_reports
// turns them into the outcome's unwritten files.
namespace gate::report {

// Appends to a file that a CI system created (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT).
void append_to_file(const std::string& path, const std::string& content);

// Writes through a temporary file in the same folder and a rename, so that a reader never sees
// a half-written report.
void write_file_atomically(const std::string& path, const std::string& content);

// The file operations of report writing; the real one writes to disk, tests fake failures.
class ReportFiles {
public:
  virtual ~ReportFiles() = default;
  // Writes `content` to a temporary file beside `path` and returns its name; throws Error.
  virtual std::string stage(const std::string& path, const std::string& content) = 0;
  // Moves a staged file onto its path; throws Error.
  virtual void commit(const std::string& staged, const std::string& path) = 0;
  // Removes a staged file, or a stale report at a path; never throws.
  virtual void remove(const std::string& path) = 0;
};
ReportFiles& disk_files();

// What writing the reports of a run came to.
struct WrittenReports {
  policy::Outcome outcome;           // the final outcome: unwritten names every file not written
  std::vector<std::string> warnings; // "--sbom x.json: not written: ...", what a renderer left out
  std::vector<std::string> skipped;  // the formats whose renderer made no file ("sbom")
};

// Renders every report of `paths` (by format name) to a temporary file first. When one cannot
// be written, the outcome records it (a pass or warn becomes exit 3) and every report is
// rendered again, so that each one states the exit code the process returns; then all are
// renamed into place. A report its renderer skipped is not written, and a stale file at its path
// is removed. The outcome is taken by value: a run moves its own in, since with every finding of
// a large list a copy costs as much memory as the findings themselves.
WrittenReports write_reports(policy::Outcome outcome, ReportOptions options, ReportFiles& files);

} // namespace gate::report
