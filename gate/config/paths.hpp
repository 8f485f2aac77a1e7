#pragma once

#include "gate/config/config.hpp"

#include <string>
#include <string_view>

// Checks on the files a run reads and writes, before anything is looked up.
namespace gate::config {

// True for an existing regular file; never throws, whatever the path.
bool is_file(const std::string& path);

// An input file must exist and be a regular file: a folder, FIFO, device or socket is refused
// saying what it is, and never opened (a FIFO would block the run). Throws UsageError.
void check_input_file(const std::string& path, const std::string& origin, std::string_view noun = "file");

// A report path must be in an existing folder where a file can be created, and must not be an
// existing non-regular file (device, FIFO, folder, symbolic link). Throws UsageError.
void check_report_path(const std::string& path, const std::string& origin);

// No two reports on one path, and no report on an input (policy files, every file of their
// `extends` chain once it is known, --from-file, --images, the CA file).
void check_distinct_paths(const Config& config, const std::vector<std::string>& policy_chain = {});

} // namespace gate::config
