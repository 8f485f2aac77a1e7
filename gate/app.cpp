#include "gate/app.hpp"

#include "gate/cli/options.hpp"
#include "gate/clock.hpp"
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/doctor.hpp"
#include "gate/error.hpp"
#include "gate/evidence.hpp"
#include "gate/interrupt.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace gate {

namespace {

// What one run needs from outside: its environment and its clock.
struct World {
  config::Environment environment;
  Clock& clock;
};

// One line per message line, each prefixed; in GitHub Actions also an annotation whose title
// says what kind of failure it is.
void print_error(const std::string& message, std::string_view kind, const World& world) {
  bool github = world.environment("GITHUB_ACTIONS") == "true";
  std::size_t start = 0;
  while (start <= message.size()) {
    auto end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    std::cerr << "hss-gate: error: " << report::printable(line) << '\n';
    if (github) {
      std::cout << fmt::format("::error title=hss-gate {}::{}\n", kind, report::github_escape(line, false));
    }
    start = end + 1;
  }
}

policy::TimePoint evaluation_time(const std::optional<std::chrono::sys_seconds>& pinned, const Clock& clock) {
  if (pinned) return *pinned;
  return std::chrono::floor<std::chrono::seconds>(clock.wall_now());
}

int lint(const std::vector<std::string>& files, const World& world) {
  int problems = 0;
  auto now = evaluation_time(config::pinned_now(world.environment), world.clock);
  for (const auto& file : files) {
    auto result = policy::load_policies({file}, now);
    for (const auto& problem : result.problems) std::cout << report::printable_line(problem.str()) << '\n';
    if (result.problems.empty()) std::cout << report::printable_line(file + ": ok") << '\n';
    problems += static_cast<int>(result.problems.size());
  }
  std::cout << std::flush;
  if (problems > 0) {
    std::cerr << fmt::format("hss-gate: {} problem{} found\n", problems, problems == 1 ? "" : "s");
    return k_exit_usage;
  }
  return k_exit_pass;
}

int show(const std::vector<std::string>& files, const World& world) {
  auto now = evaluation_time(config::pinned_now(world.environment), world.clock);
  auto policy = policy::load_policies_or_throw(files, now);
  std::cerr << report::printable(policy::describe_origins(policy)) << '\n';
  std::cout << policy::describe_policy(policy);
  return k_exit_pass;
}

// A run that could not look anything up (an unreadable saved response, a cancelled job): every
// image has the decision error.
policy::Outcome error_outcome(const std::string& message, const config::Config& config,
                              const policy::Policy& effective) {
  policy::Outcome outcome;
  for (const auto& spec : config.images) {
    policy::ImageResult image;
    image.query = spec.query;
    image.decision = policy::Decision::error;
    image.errors.push_back(message);
    outcome.images.push_back(std::move(image));
  }
  outcome.decision = policy::Decision::error;
  outcome.policy_files = effective.files;
  return outcome;
}

// Each image's dockerfile from its --image spec, for the dashboards' locations.
void name_dockerfiles(policy::Outcome& outcome, const config::Config& config) {
  auto same = [](const hss::Query& a, const hss::Query& b) {
    return a.cicd_name == b.cicd_name && a.image_version == b.image_version && a.image_name == b.image_name &&
           a.namespace_name == b.namespace_name && a.image_digest == b.image_digest;
  };
  for (auto& image : outcome.images) {
    for (const auto& spec : config.images) {
      if (same(spec.query, image.query) && spec.dockerfile) image.dockerfile = spec.dockerfile;
    }
  }
}

// Writes every report; a report that cannot be written is reported and the rest still written.
// Returns the failures that may change the exit code (report files, not CI conveniences).
std::vector<std::string> write_reports(const policy::Outcome& outcome, const config::Config& config) {
  std::vector<std::string> failures;
  report::ReportOptions options{report::ReportPaths(config.reports.begin(), config.reports.end()), config.dotenv_prefix,
                                config.sarif_location, {}};
  const report::ReportPaths& paths = options.paths;
  for (const auto& format : report::report_formats()) {
    auto path = config.reports.find(format.name);
    if (path == config.reports.end()) continue;
    try {
      options.warnings.clear();
      report::write_file_atomically(path->second, format.render(outcome, options));
      for (const auto& warning : options.warnings) {
        std::cerr << fmt::format("hss-gate: warning: --{} {}: {}\n", format.name, path->second, report::printable(warning));
      }
    } catch (const report::ReportSkipped& e) {
      // A report a failed list could not feed: none is better than a stale or partial one.
      std::error_code ignored;
      std::filesystem::remove(path->second, ignored);
      std::cerr << fmt::format("hss-gate: warning: --{} {}: not written: {}\n", format.name, path->second,
                               report::printable(e.what()));
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
  }
  if (config.github_actions) {
    // Where people look in GitHub: the run's summary page, annotations, and the step's outputs.
    // These are conveniences: failing to append to them warns, and never changes the verdict.
    auto append = [&](const std::optional<std::string>& file, const std::string& content, const char* variable) {
      if (!file) return;
      try {
        report::append_to_file(*file, content);
      } catch (const Error& e) {
        std::cerr << fmt::format("hss-gate: warning: {}: {}\n", variable, report::printable(e.what()));
      }
    };
    append(config.github_step_summary, report::render_markdown(outcome), "GITHUB_STEP_SUMMARY");
    std::string outputs;
    try {
      outputs = report::render_github_outputs(outcome, paths);
    } catch (const Error& e) {
      std::cerr << fmt::format("hss-gate: warning: {}\n", report::printable(e.what()));
    }
    append(config.github_output, outputs, "GITHUB_OUTPUT");
    std::cout << report::render_github_annotations(outcome);
  }
  return failures;
}

int check(const cli::Arguments& arguments, const World& world) {
  config::Config config = config::resolve_config(arguments, world.environment);
  policy::TimePoint start = evaluation_time(config.pinned_now, world.clock);
  policy::Policy effective = config.policy_files.empty() ? policy::default_policy(start)
                                                         : policy::load_policies_or_throw(config.policy_files, start);
  // Now that the `extends` chain is known, no report may overwrite any file of it.
  config::check_distinct_paths(config, effective.files);
  auto say = [&](const std::string& line) {
    if (!config.quiet) std::cout << "hss-gate: " << report::printable(line) << '\n' << std::flush;
  };
  for (const auto& warning : config.warnings) std::cerr << "hss-gate: warning: " << report::printable(warning) << '\n';
  if (config.reports.count("dotenv") && config.dotenv_prefix == report::k_default_dotenv_prefix) {
    std::cerr << fmt::format("hss-gate: warning: the dotenv keys {} are deprecated aliases of {}*: read those; "
                             "the aliases go in the next minor version\n",
                             fmt::join(report::deprecated_dotenv_keys(), ", "), report::k_default_dotenv_prefix);
  }
  if (config.policy_files.empty()) {
    say("policy: built-in default policy (no --policy given and no ./.hss-gate.toml)");
  } else {
    say(fmt::format("policy: {} (from {})", fmt::join(config.policy_files, ", "), config.policy_origin));
  }

  policy::Outcome outcome;
  std::vector<std::string> failures;
  try {
    policy::Context context{config.branch, config.environment, evaluation_time(config.pinned_now, world.clock)};
    hss::FindingPlan plan = policy::plan_findings(effective, context);
    hss::FindingPlan fetch = with_report_needs(plan, config, context);
    Evidence evidence = gather_evidence(config, effective, plan, fetch, world.clock, say);
    // Ages and expiries are measured when HSS answered, so that a replay of the bundle judges alike.
    if (!config.pinned_now) {
      if (auto fetched = units::parse_date_time(evidence.findings.fetched_at)) context.now = *fetched;
      if (evidence.replayed_bundle && !evidence.findings.fetched_at.empty()) {
        say(fmt::format("evaluating at {}, when the bundle was fetched (set HSS_GATE_NOW to choose another time)",
                        evidence.findings.fetched_at));
      }
    }
    if (config.save_bundle) {
      try {
        save_bundle(evidence, *config.save_bundle);
      } catch (const Error& e) {
        failures.push_back(e.what());
      }
    }
    outcome = policy::evaluate(effective, context, evidence.lookups, evidence.findings);
    // A signal after the last request still cancels the run: a cancelled job is never judged.
    if (interrupted()) throw Interrupted("interrupted after the lookup");
    // --on-error pass lets an HSS error through, never a block or a missing verdict.
    outcome.error_ignored = outcome.decision == policy::Decision::error && config.on_error == config::OnError::pass;
  } catch (const Interrupted& e) {
    outcome = error_outcome(e.what(), config, effective); // a cancelled job is never a pass
  } catch (const ServiceError& e) {
    outcome = error_outcome(e.what(), config, effective);
    // A failure that raced the signal is still a cancelled run, which --on-error pass never lets through.
    outcome.error_ignored = config.on_error == config::OnError::pass && !interrupted();
  }
  if (outcome.error_ignored) {
    outcome.warnings.push_back("--on-error pass: the HSS error is ignored and the image was NOT checked");
  }
  outcome.clock_pinned = config.pinned_now;
  if (!outcome.started) outcome.started = start;
  outcome.finished = config.pinned_now ? outcome.started : evaluation_time(std::nullopt, world.clock);
  name_dockerfiles(outcome, config);

  for (auto& failure : write_reports(outcome, config)) failures.push_back(std::move(failure));
  report::ConsoleStyle style;
  style.color = !config.no_color && ::isatty(STDOUT_FILENO);
  style.verbose = config.verbose;
  style.quiet = config.quiet;
  style.gitlab_sections = config.gitlab_ci;
  style.section_time = std::chrono::duration_cast<std::chrono::seconds>(world.clock.wall_now().time_since_epoch()).count();
  std::cout << report::render_console(outcome, style) << std::flush;

  int code = outcome.exit_code();
  for (const auto& failure : failures) print_error(failure, "report error", world);
  // The verdict stands when it blocks; a pass is not a pass when its evidence was not written.
  if (!failures.empty() && code == k_exit_pass) {
    std::cerr << "hss-gate: a report could not be written, so the pass is withheld (exit 3)\n";
    return k_exit_service;
  }
  return code;
}

int run_command(const std::vector<std::string>& argv, const World& world) {
  cli::Arguments arguments = cli::parse_arguments(argv);
  switch (arguments.command) {
  case cli::Command::help:
    std::cout << cli::help_text(arguments.help_for.value_or(cli::Command::help));
    return argv.size() < 2 ? k_exit_usage : k_exit_pass;
  case cli::Command::version: std::cout << cli::version_text(); return k_exit_pass;
  case cli::Command::policy_lint: return lint(arguments.files, world);
  case cli::Command::policy_show: return show(arguments.files, world);
  case cli::Command::check: return check(arguments, world);
  case cli::Command::doctor: return doctor(arguments, world.environment, world.clock);
  }
  return k_exit_service;
}

} // namespace

int run(const std::vector<std::string>& argv, const config::Environment& environment, Clock& clock) {
  World world{environment, clock};
  try {
    auto scaled = make_scaled_clock_for_tests(clock, environment("HSS_GATE_TEST_TIME_SCALE"));
    return run_command(argv, World{environment, scaled ? *scaled : clock});
  } catch (const Interrupted& e) {
    print_error(e.what(), "interrupted", world);
    return Interrupted::exit_code();
  } catch (const UsageError& e) {
    print_error(e.what(), "configuration error", world);
    return e.exit_code();
  } catch (const Error& e) {
    print_error(e.what(), "service error", world);
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()), "internal error", world);
    return k_exit_service;
  }
}

int main(int argc, char** argv) {
  install_interrupt_handlers();
  auto clock = make_system_clock();
  return run(std::vector<std::string>(argv, argv + argc), config::process_environment(), *clock);
}

} // namespace gate
