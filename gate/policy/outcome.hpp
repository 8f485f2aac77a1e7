#pragma once

#include "gate/hss/record.hpp"
#include "gate/policy/model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gate::policy {

// A value shown in reports as actual or limit: null, an integer, a boolean, or text.
using Value = std::variant<std::monostate, std::int64_t, bool, std::string>;
std::string to_text(const Value& value);

enum class RuleStatus { pass, fail, warn, excepted, not_applicable };
std::string_view name_of(RuleStatus status);

// Per image and for the whole run; ordered so that the worse decision compares greater.
enum class Decision { pass, warn, no_verdict, fail, error };
std::string_view name_of(Decision decision);
int exit_code_of(Decision decision);

// What waived a failure.
struct Waiver {
  std::string reason;
  std::string owner;
  std::string expires; // ISO date-time
  std::string source;  // file:line
};

struct RuleResult {
  std::string rule;
  std::string field;
  RuleStatus status = RuleStatus::pass;
  Value actual;
  Value limit;       // rendered operator and limit, e.g. "max 50" or 50
  std::string op;    // "max", "min", "in", ...; empty for built-in state checks
  Level level = Level::fail;
  std::string message;   // the policy's remediation text or the engine's explanation
  std::string detail;    // one line on why the status is what it is
  std::optional<Waiver> waiver;
  std::string source;    // file:line of the rule, empty for built-ins
};

struct ImageResult {
  hss::Record record;     // for a missing image only the query's names are set
  bool found = true;
  Decision decision = Decision::pass;
  std::vector<RuleResult> results;
};

// The verdict of a run: plain data that every report renders and the exit code comes from.
struct Outcome {
  Decision decision = Decision::pass;
  int exit_code = 0;
  std::vector<ImageResult> images;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;
  std::vector<std::string> policy_files;
  hss::Query query; // what was looked up, to name the run when no image was found
};

// "cicd_name my-app, image_version 1.2.3" plus image_name and namespace when given.
std::string describe_query(const hss::Query& query);

// "namespace/image_name:image_version (cicd_name)" for a found image.
std::string describe_image(const ImageResult& image);

} // namespace gate::policy
