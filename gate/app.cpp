#include "gate/app.hpp"

#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/error.hpp"
#include "gate/interrupt.hpp"
#include "gate/hss/lookup.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/report/report.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace gate {

namespace {

void print_error(const std::string& message) {
  // Multi-line messages (several policy problems) get the prefix on every line.
  std::size_t start = 0;
  bool github = config::process_environment()("GITHUB_ACTIONS") == "true";
  while (start <= message.size()) {
    auto end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    std::cerr << "hss-gate: error: " << line << '\n';
    if (github) std::cout << "::error title=hss-gate configuration error::" << report::github_escape(line, false) << '\n';
    start = end + 1;
  }
}

// HSS_GATE_NOW pins the clock, for reproducible reports and tests of time-dependent policies.
policy::TimePoint now() {
  if (const char* pinned = std::getenv("HSS_GATE_NOW"); pinned && *pinned) {
    auto time = units::parse_date_time(pinned);
    if (!time) throw UsageError(fmt::format("HSS_GATE_NOW: expected a date-time such as 2027-01-31T12:00:00Z, got \"{}\"", pinned));
    return *time;
  }
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

int lint(const std::vector<std::string>& files) {
  int problems = 0;
  for (const auto& file : files) {
    auto result = policy::load_policies({file}, now());
    for (const auto& problem : result.problems) std::cout << problem.str() << '\n';
    if (result.problems.empty()) std::cout << file << ": ok\n";
    problems += static_cast<int>(result.problems.size());
  }
  std::cout << std::flush;
  if (problems > 0) {
    std::cerr << fmt::format("hss-gate: {} problem{} found\n", problems, problems == 1 ? "" : "s");
    return k_exit_usage;
  }
  return k_exit_pass;
}

int show(const std::vector<std::string>& files) {
  std::cout << policy::describe_policy(policy::load_policies_or_throw(files, now()));
  return k_exit_pass;
}

policy::Outcome error_outcome(const std::string& message, const config::Config& config,
                              const policy::Policy& effective) {
  policy::Outcome outcome;
  outcome.decision = policy::Decision::error;
  outcome.exit_code = config.on_error == config::OnError::pass ? k_exit_pass : k_exit_service;
  outcome.errors.push_back(message);
  outcome.query = config.query;
  outcome.policy_files = effective.files;
  if (config.on_error == config::OnError::pass) {
    outcome.warnings.push_back("--on-error pass: the HSS error is ignored and the image was NOT checked");
  }
  return outcome;
}

void write_reports(const policy::Outcome& outcome, const config::Config& config) {
  report::ReportPaths paths{config.junit.value_or(""), config.json.value_or("")};
  if (config.junit) report::write_file_atomically(*config.junit, report::render_junit(outcome));
  if (config.json) report::write_file_atomically(*config.json, report::render_json(outcome));
  if (config.summary) report::write_file_atomically(*config.summary, report::render_markdown(outcome));
  if (config.dotenv) report::write_file_atomically(*config.dotenv, report::render_dotenv(outcome, paths));
  if (config.github_actions) {
    // Where people look in GitHub: the run's summary page, annotations, and the step's outputs.
    if (config.github_step_summary) report::append_to_file(*config.github_step_summary, report::render_markdown(outcome));
    if (config.github_output) report::append_to_file(*config.github_output, report::render_github_outputs(outcome, paths));
    std::cout << report::render_github_annotations(outcome);
  }
}

int check(const cli::Arguments& arguments) {
  config::Config config = config::resolve_config(arguments, config::process_environment());
  policy::TimePoint start = now();
  policy::Policy effective = config.policy_files.empty() ? policy::default_policy(start)
                                                         : policy::load_policies_or_throw(config.policy_files, start);
  auto say = [&](const std::string& line) {
    if (!config.quiet) std::cout << "hss-gate: " << line << '\n' << std::flush;
  };
  if (config.policy_files.empty()) {
    say("policy: built-in default policy (no --policy given and no ./.hss-gate.toml)");
  } else {
    say(fmt::format("policy: {} (from {})", fmt::join(config.policy_files, ", "), config.policy_origin));
  }

  policy::Outcome outcome;
  try {
    hss::Lookup lookup;
    if (config.from_file) {
      say(fmt::format("reading the saved HSS response {}", *config.from_file));
      lookup = hss::lookup_from_file(*config.from_file, config.query);
    } else {
      hss::WaitSettings wait;
      if (effective.scan.wait) wait.wait = effective.scan.wait->value;
      if (effective.scan.poll_interval) wait.poll_interval = effective.scan.poll_interval->value;
      if (config.wait) wait.wait = *config.wait;
      if (config.poll_interval) wait.poll_interval = *config.poll_interval;
      if (config.client.insecure) {
        std::cerr << "hss-gate: warning: --insecure: TLS certificates are NOT verified\n";
      }
      auto client = hss::make_http_client(config.client);
      say(fmt::format("looking up {} in HSS at {}", policy::describe_query(config.query), config.client.endpoint));
      lookup = hss::find_image(*client, config.query, wait, hss::real_timing(), say);
    }
    policy::Context context{config.branch, config.environment, now()};
    outcome = policy::evaluate(effective, context, lookup);
  } catch (const Interrupted& e) {
    outcome = error_outcome(e.what(), config, effective);
    outcome.exit_code = k_exit_service; // a cancelled job is never a pass
    outcome.warnings.clear();
  } catch (const ServiceError& e) {
    outcome = error_outcome(e.what(), config, effective);
  }

  write_reports(outcome, config);
  report::ConsoleStyle style;
  style.color = !config.no_color && ::isatty(STDOUT_FILENO);
  style.verbose = config.verbose;
  style.quiet = config.quiet;
  style.gitlab_sections = config.gitlab_ci;
  style.section_time = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  std::cout << report::render_console(outcome, style) << std::flush;
  return outcome.exit_code;
}

} // namespace

int run(const std::vector<std::string>& argv) {
  install_interrupt_handlers();
  try {
    cli::Arguments arguments = cli::parse_arguments(argv);
    switch (arguments.command) {
    case cli::Command::help:
      std::cout << cli::help_text(arguments.help_for.value_or(cli::Command::help));
      return argv.size() < 2 ? k_exit_usage : k_exit_pass;
    case cli::Command::version: std::cout << cli::version_text(); return k_exit_pass;
    case cli::Command::policy_lint: return lint(arguments.files);
    case cli::Command::policy_show: return show(arguments.files);
    case cli::Command::check: return check(arguments);
    }
  } catch (const Error& e) {
    print_error(e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()));
    return k_exit_service;
  }
  return k_exit_service;
}

int main(int argc, char** argv) { return run(std::vector<std::string>(argv, argv + argc)); }

} // namespace gate
