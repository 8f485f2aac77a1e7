#pragma once

#include "gate/config/config.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A file of the repository as code scanning resolves it (--sarif-location, an image's
// `dockerfile`): relative, no ".." segment, no scheme (https:, file:, C:), no backslash, printable.
// Throws UsageError naming the origin.
void check_repository_path(const std::string& path, const std::string& origin);

// No two outputs on one file, and no output (every report, --save-bundle, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY) on an input (policy files, every file of their `extends` chain once it is
// known, --from-file, --images, the CA file, and when the policy read a base by URL every file in
// `policy_cache`, the cache folder), however spelled: an existing file is compared by device and
// inode, so a hard or symbolic link to an input counts as that input; nothing may be written
// inside the cache folder at all.
void check_distinct_paths(const Config& config, const std::vector<std::string>& policy_chain = {},
                          const std::optional<std::string>& policy_cache = std::nullopt);

} // namespace gate::config
