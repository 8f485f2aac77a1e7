#pragma once

#include <string>

// Writing report files. Failures are exceptions of gate::Error naming the path; app decides what
// they do to the exit code.
namespace gate::report {

// Appends to a file that a CI system created (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT).
void append_to_file(const std::string& path, const std::string& content);

// Writes through a temporary file in the same folder and a rename, so that a reader never sees
// a half-written report.
void write_file_atomically(const std::string& path, const std::string& content);

} // namespace gate::report
