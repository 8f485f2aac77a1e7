#pragma once

#include "gate/cli/options.hpp"
#include "gate/hss/client.hpp"
#include "gate/hss/record.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

// The run's settings, layered: built-in defaults < environment < flags. Every value is
// validated here, before anything is looked up, and errors name the flag or variable at fault.
namespace gate::config {

using Environment = std::function<std::optional<std::string>(const std::string&)>;

// Reads the process environment; an empty variable counts as unset (CI systems set empty inputs).
Environment process_environment();

enum class OnError { fail, pass };

struct Config {
  hss::Query query;
  std::vector<std::string> policy_files; // empty: the built-in default policy
  std::string policy_origin;             // where the policy choice came from, for the console
  std::optional<std::string> from_file;
  std::optional<std::string> junit;
  std::optional<std::string> json;
  std::optional<std::string> summary;
  std::optional<std::string> dotenv;
  std::optional<std::string> branch;
  std::string branch_origin;
  std::optional<std::string> environment;
  std::optional<std::chrono::seconds> wait;          // unset: the policy's [scan] wait, else 0
  std::optional<std::chrono::seconds> poll_interval; // unset: the policy's, else 10s
  OnError on_error = OnError::fail;
  bool verbose = false;
  bool quiet = false;
  bool no_color = false;
  bool github_actions = false;                    // GITHUB_ACTIONS=true
  std::optional<std::string> github_step_summary; // the summary is appended here
  std::optional<std::string> github_output;       // step outputs are appended here
  bool gitlab_ci = false;                         // GITLAB_CI=true
  hss::ClientSettings client; // used only without --from-file
};

// Throws UsageError naming the flag (or environment variable) and what was expected.
Config resolve_config(const cli::Arguments& arguments, const Environment& environment);

} // namespace gate::config
