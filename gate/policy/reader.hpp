#pragma once

#include "gate/policy/document.hpp"
#include "gate/policy/loader.hpp"

#include <string>
#include <utility>
#include <vector>

// Interprets one policy file's document: its tables become a Policy fragment, every problem a
// Diagnostic with file:line:column. Merging the fragments (extends) is merge.cpp's job.
namespace gate::policy {

// One entry of `extends`: a file path resolved beside the file that names it, or a pinned URL.
struct Extended {
  std::string path;
  std::optional<PinnedBase> pinned;
  SourceRef source;
};

struct Fragment {
  std::vector<Extended> extends; // in the order written
  Policy policy;
  // Which [scan] / [exceptions_policy] keys this file set, with their positions.
  std::vector<std::pair<std::string, SourceRef>> scan_keys;
  std::vector<std::pair<std::string, SourceRef>> exception_policy_keys;
  std::vector<std::pair<std::string, SourceRef>> findings_keys;
  std::vector<std::pair<std::string, SourceRef>> vex_keys;
};

// Where a policy file came from: a file on disk, or a base fetched by URL, which may extend only
// pinned URLs (a path in it would name a file of whichever machine runs the gate).
enum class FileOrigin { disk, url };

Fragment read_fragment(const Node& root, const std::string& file, std::vector<Diagnostic>& problems,
                       FileOrigin origin = FileOrigin::disk);

// findings_reader.cpp: a findings rule's `findings`, `where` and `max`; an exception's `finding`;
// the [findings] table. Each returns nullopt (or sets nothing) after adding its problems.
inline constexpr std::string_view k_selector_keys[] = {"findings", "where", "max", "new_only"};
std::optional<FindingSelector> read_finding_selector(const Node& table, const std::string& id, const std::string& file,
                                                     std::vector<Diagnostic>& problems);
std::optional<std::vector<FindingPattern>> read_finding_pattern(const Node& node, const std::string& file,
                                                                std::vector<Diagnostic>& problems);
void read_findings_settings(const Node& node, const std::string& file, Fragment& fragment,
                            std::vector<Diagnostic>& problems);
// The [vex] table.
void read_vex_settings(const Node& node, const std::string& file, Fragment& fragment, std::vector<Diagnostic>& problems);

// The longest an exception may be allowed to run, or be warned about, in days (a century).
inline constexpr std::int64_t k_max_exception_days = 36500;

} // namespace gate::policy
