#pragma once

#include "gate/policy/document.hpp"
#include "gate/policy/loader.hpp"

#include <string>
#include <utility>
#include <vector>

// Interprets one policy file's document: its tables become a Policy fragment, every problem a
// Diagnostic with file:line:column. Merging the fragments (extends) is merge.cpp's job.
namespace gate::policy {

struct Fragment {
  std::vector<std::string> extends; // resolved paths
  std::vector<SourceRef> extends_sources;
  Policy policy;
  // Which [scan] / [exceptions_policy] keys this file set, with their positions.
  std::vector<std::pair<std::string, SourceRef>> scan_keys;
  std::vector<std::pair<std::string, SourceRef>> exception_policy_keys;
};

Fragment read_fragment(const Node& root, const std::string& file, std::vector<Diagnostic>& problems);

// The longest an exception may be allowed to run, or be warned about, in days (a century).
inline constexpr std::int64_t k_max_exception_days = 36500;

} // namespace gate::policy
