// Fuzzes the command line: NUL-separated words become argv, parsed and resolved into a config
// with an empty environment. Anything bad must be a UsageError.
#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gate;
  std::vector<std::string> argv{"hss-gate"};
  std::string word;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      argv.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  argv.push_back(word);
  try {
    auto arguments = cli::parse_arguments(argv);
    if (arguments.command == cli::Command::check) {
      config::resolve_config(arguments, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
    }
    cli::help_text(arguments.help_for.value_or(arguments.command));
  } catch (const UsageError&) {
  }
  return 0;
}
