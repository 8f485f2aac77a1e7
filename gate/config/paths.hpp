#pragma once

#include "gate/config/config.hpp"

#include <string>

// Checks on the files a run reads and writes, before anything is looked up.
namespace gate::config {

// True for an existing regular file; never throws, whatever the path.
bool is_file(const std::string& path);

// A report path must be in an existing folder where a file can be created, and must not be an
// existing non-regular file (device, FIFO, folder, symbolic link). Throws UsageError.
void check_report_path(const std::string& path, const std::string& origin);

// No two reports on one path, and no report on an input (policy, --from-file, CA file).
void check_distinct_paths(const Config& config);

} // namespace gate::config
