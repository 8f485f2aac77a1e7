#pragma once

#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Reading one setting: its flag, else its HSS_GATE_* variable, with where it came from. Private to
// the config module: resolve_config and the image list read settings through it.
namespace gate::config {

// A value together with where it came from: "--cicd-name" or "HSS_GATE_CICD_NAME".
struct Sourced {
  std::string value;
  std::string origin;
  bool from_flag = false;
};

class Resolver {
public:
  Resolver(const cli::Arguments& arguments, const Environment& environment)
    : m_arguments(arguments), m_environment(environment),
      m_action_inputs(environment("HSS_GATE_CALLER") == "github-action") {}

  // How messages name a setting: "--cicd-name", or "input cicd-name" where the GitHub Action
  // runs the gate and its users know the inputs, not the flags.
  std::string named(std::string_view flag) const {
    const cli::FlagSpec& spec = cli::flag_named(flag);
    return m_action_inputs ? "input " + spec.name : "--" + spec.name;
  }

  // Where a variable's value came from, for messages.
  std::string variable_origin(const std::string& flag, const std::string& variable) const {
    return m_action_inputs ? fmt::format("input {} ({})", flag, variable) : variable;
  }

  // The flag's value, else its variable's. The name must be in the flag table.
  std::optional<Sourced> get(std::string_view flag) const {
    const cli::FlagSpec& spec = cli::flag_named(flag);
    auto it = m_arguments.flags.find(spec.name);
    if (it != m_arguments.flags.end() && !it->second.empty()) {
      return remember(spec, Sourced{it->second.back(), "--" + spec.name, true});
    }
    std::string variable = cli::environment_name(spec.name);
    if (auto value = m_environment(variable)) {
      return remember(spec, Sourced{*value, variable_origin(spec.name, variable), false});
    }
    return std::nullopt;
  }

  // Where resolve_config lists the settings it read.
  void record_into(std::vector<SettingSource>& sources) { m_sources = &sources; }

  std::optional<Sourced> env(std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      if (auto value = m_environment(name)) return Sourced{*value, name, false};
    }
    return std::nullopt;
  }

  bool flag(std::string_view name) const {
    auto value = get(name);
    if (!value) return false;
    if (value->value == "true" || value->value == "1" || value->value == "yes") return true;
    if (value->value == "false" || value->value == "0" || value->value == "no") return false;
    throw UsageError(fmt::format("{}: expected true or false, got \"{}\"", value->origin, value->value));
  }

  // Every value of a repeatable flag, else its variable's items: one per line, and also separated
  // by commas where `commas` (a SPEC holds commas, so image lists split on lines only).
  std::vector<Sourced> all(std::string_view flag, bool commas = true) const {
    const cli::FlagSpec& spec = cli::flag_named(flag);
    std::vector<Sourced> values;
    auto it = m_arguments.flags.find(spec.name);
    if (it != m_arguments.flags.end() && !it->second.empty()) {
      for (const auto& value : it->second) values.push_back({value, "--" + spec.name, true});
      return values;
    }
    std::string variable = cli::environment_name(spec.name);
    if (auto value = m_environment(variable)) {
      std::string item;
      for (char c : *value + "\n") {
        if (c == '\n' || (commas && c == ',')) {
          auto first = item.find_first_not_of(" \t\r");
          if (first != std::string::npos) {
            values.push_back({item.substr(first, item.find_last_not_of(" \t\r") - first + 1),
                              variable_origin(spec.name, variable), false});
          }
          item.clear();
        } else {
          item += c;
        }
      }
    }
    return values;
  }

private:
  Sourced remember(const cli::FlagSpec& spec, Sourced value) const {
    if (m_sources && std::none_of(m_sources->begin(), m_sources->end(),
                                  [&](const SettingSource& seen) { return seen.setting == spec.name; })) {
      m_sources->push_back({spec.name, value.value, value.origin});
    }
    return value;
  }

  const cli::Arguments& m_arguments;
  const Environment& m_environment;
  bool m_action_inputs;
  std::vector<SettingSource>* m_sources = nullptr;
};

// The images of the run, from --image, --images and the single-image flags (image_specs.cpp).
void resolve_images(const Resolver& in, Config& config);

} // namespace gate::config
