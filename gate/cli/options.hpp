#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

// argv -> the command and its raw flag values; help and version text. No environment here:
// config/ layers flags over HSS_GATE_* variables.
namespace gate::cli {

enum class Command { check, doctor, policy_lint, policy_show, help, version };

struct FlagSpec {
  std::string name;        // long name without dashes, e.g. "cicd-name"
  std::string value_name;  // empty for a switch
  bool repeatable = false;
  std::string help;
  char short_name = 0;
};

// Every flag of `check`, in help order; report flags come from report::report_formats().
const std::vector<FlagSpec>& check_flags();

// The flag of that name. A name that is not in the table is a programming error (a typo that
// would silently read nothing): std::logic_error.
const FlagSpec& flag_named(std::string_view name);

struct Arguments {
  Command command = Command::help;
  std::map<std::string, std::vector<std::string>> flags; // switches hold "true"
  std::vector<std::string> files;                         // operands of `policy lint|show`
  std::optional<Command> help_for;                        // `check --help`
};

// Throws UsageError for an unknown command or flag, or a flag without its value.
Arguments parse_arguments(const std::vector<std::string>& argv);

std::string help_text(Command command);
std::string version_text();

// The environment variable that stands for a flag: "cicd-name" -> "HSS_GATE_CICD_NAME".
std::string environment_name(const std::string& flag);

} // namespace gate::cli
