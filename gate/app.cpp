#include "gate/app.hpp"

#include "gate/cli/options.hpp"
#include "gate/clock.hpp"
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/doctor.hpp"
#include "gate/error.hpp"
#include "gate/evidence.hpp"
#include "gate/hss/signer.hpp"
#include "gate/interrupt.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/policy_bases.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/report/text.hpp"
#include "gate/units/units.hpp"
#include "gate/vex/vex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace gate {

namespace {

// What one run needs from outside: its environment and its clock.
struct World {
  config::Environment environment;
  Clock& clock;
};

// Every error message leaves the gate here: one line of stderr each, made printable (a line
// break, a control or an invisible code point from a flag, a variable or HSS shows as its escape),
// and in GitHub Actions also one annotation each, whose title says what kind of failure it is.
void print_errors(const std::vector<std::string>& messages, std::string_view kind, const World& world) {
  bool github = world.environment("GITHUB_ACTIONS") == "true";
  for (const auto& message : messages) {
    std::cerr << "hss-gate: error: " << report::printable(message) << '\n';
    if (github) std::cout << report::github_annotation("error", fmt::format("hss-gate {}", kind), {message});
  }
}

void print_error(const std::string& message, std::string_view kind, const World& world) {
  print_errors({message}, kind, world);
}

// Every warning said on stderr, one printable line each (the reports and annotations repeat
// the outcome's warnings in their own form).
void print_warning(std::string_view message) {
  std::cerr << "hss-gate: warning: " << report::printable(message) << '\n';
}

policy::TimePoint evaluation_time(const std::optional<std::chrono::sys_seconds>& pinned, const Clock& clock) {
  if (pinned) return *pinned;
  return std::chrono::floor<std::chrono::seconds>(clock.wall_now());
}

// `policy lint --strict` exits with this when a file has warnings but no problem.
constexpr int k_exit_lint_warnings = 1;

// "policy.toml:14:1: warning: exception for [a] expired on 2026-11-01 (26 days ago): it waives nothing"
std::string expiry_line(const policy::ExpiryNotice& notice, const policy::Policy& policy) {
  const policy::Exception& exception = *notice.exception;
  std::string rules = fmt::format("exception for [{}]", fmt::join(exception.rules, ", "));
  std::string date = units::format_date(exception.expires);
  if (notice.expired) {
    std::string ago = notice.days == 0 ? "today" : fmt::format("{} day{} ago", notice.days, notice.days == 1 ? "" : "s");
    return fmt::format("{}: warning: {} expired on {} ({}): it waives nothing; renew it with a new reason or fix "
                       "the findings",
                       exception.source.str(), rules, date, ago);
  }
  const auto& warn_days = *policy.exceptions_policy.warn_days;
  return fmt::format("{}: warning: {} expires on {} (in {} day{}), within exceptions_policy.warn_days = {} (set in {})",
                     exception.source.str(), rules, date, notice.days, notice.days == 1 ? "" : "s", warn_days.value,
                     warn_days.origin);
}

int lint(const cli::Arguments& arguments, const World& world) {
  int problems = 0;
  int warnings = 0;
  auto now = evaluation_time(config::pinned_now(world.environment), world.clock);
  remote::RemoteBases bases = command_policy_bases(world.environment, world.clock);
  for (const auto& file : arguments.files) {
    auto result = policy::load_policies({file}, now, &bases);
    for (const auto& problem : result.problems) std::cout << report::printable_line(problem.str()) << '\n';
    auto notices = policy::expiry_notices(result.policy, now);
    for (const auto& notice : notices) std::cout << report::printable_line(expiry_line(notice, result.policy)) << '\n';
    if (result.problems.empty()) {
      std::string ok = notices.empty() ? file + ": ok"
                                       : fmt::format("{}: ok, {} warning{}", file, notices.size(), notices.size() == 1 ? "" : "s");
      std::cout << report::printable_line(ok) << '\n';
    }
    problems += static_cast<int>(result.problems.size());
    warnings += static_cast<int>(notices.size());
  }
  std::cout << std::flush;
  if (problems > 0) {
    std::cerr << fmt::format("hss-gate: {} problem{} found\n", problems, problems == 1 ? "" : "s");
    return k_exit_usage;
  }
  if (warnings > 0 && arguments.flags.count("strict")) {
    std::cerr << fmt::format("hss-gate: {} warning{} found (--strict)\n", warnings, warnings == 1 ? "" : "s");
    return k_exit_lint_warnings;
  }
  return k_exit_pass;
}

int show(const std::vector<std::string>& files, const World& world) {
  auto now = evaluation_time(config::pinned_now(world.environment), world.clock);
  remote::RemoteBases bases = command_policy_bases(world.environment, world.clock);
  auto policy = policy::load_policies_or_throw(files, now, &bases);
  // One provenance comment per line: each line is cleaned, the line breaks between them are kept.
  std::istringstream origins(policy::describe_origins(policy));
  for (std::string line; std::getline(origins, line);) std::cerr << report::printable(line) << '\n';
  std::cout << policy::describe_policy(policy);
  return k_exit_pass;
}

// Writes every report with the exit code the process returns, then the CI conveniences.
// Returns the final outcome: a report that could not be written is in its `unwritten`.
policy::Outcome write_reports(policy::Outcome outcome, const config::Config& config, const policy::Policy& policy) {
  report::ReportOptions options;
  options.paths = report::ReportPaths(config.reports.begin(), config.reports.end());
  options.dotenv_prefix = config.dotenv_prefix;
  options.sarif_location = config.sarif_location;
  // The attestation names the policy by the text `policy show` prints, which a reviewer can rebuild.
  options.policy_sha256 = hss::sha256_hex(policy::describe_policy(policy));
  report::WrittenReports written = report::write_reports(std::move(outcome), options, report::disk_files());
  for (const auto& warning : written.warnings) print_warning(warning);
  const policy::Outcome& final_outcome = written.outcome;
  if (config.github_actions) {
    // Where people look in GitHub: the run's summary page, annotations, and the step's outputs.
    // These are conveniences: failing to append to them warns, and never changes the verdict.
    auto append = [&](const std::optional<std::string>& file, const std::string& content, const char* variable) {
      if (!file) return;
      try {
        report::append_to_file(*file, content);
      } catch (const Error& e) {
        print_warning(fmt::format("{}: {}", variable, e.what()));
      }
    };
    append(config.github_step_summary, report::render_markdown(final_outcome), "GITHUB_STEP_SUMMARY");
    std::string outputs;
    // A report that was not written has no path to hand to the next step.
    report::ReportPaths written_paths = options.paths;
    for (const auto& format : written.skipped) written_paths.erase(format);
    try {
      outputs = report::render_github_outputs(final_outcome, written_paths);
    } catch (const Error& e) {
      print_warning(e.what());
    }
    append(config.github_output, outputs, "GITHUB_OUTPUT");
    std::cout << report::render_github_annotations(final_outcome);
  }
  return std::move(written.outcome); // a member is copied unless moved, and it holds every finding
}

// Where the images are looked up, as the hints of a missing image show it: never a credential.
hss::LookupScope lookup_scope(const config::Config& config) {
  if (config.from_file || !config.transport) {
    return {fmt::format("the saved response {}", config.from_file.value_or("")), std::nullopt, std::nullopt, true};
  }
  return {config.transport->endpoint.str(), config.transport->project_id, config.region, false};
}

int check(const cli::Arguments& arguments, const World& world) {
  config::Config config = config::resolve_config(arguments, world.environment);
  policy::TimePoint start = evaluation_time(config.pinned_now, world.clock);
  // One retry budget for the run: fetching a policy base spends from it like any HSS request.
  auto retry_budget = std::make_shared<hss::RunRetryBudget>();
  remote::RemoteBases bases = run_policy_bases(config, world.clock, retry_budget);
  policy::Policy effective = config.policy_files.empty()
                                 ? policy::default_policy(start)
                                 : policy::load_policies_or_throw(config.policy_files, start, &bases);
  // Now that the `extends` chain is known, no report may overwrite any file of it, nor the cache
  // its bases by URL came through.
  config::check_distinct_paths(config, effective.local_files,
                               effective.url_bases.empty() ? std::nullopt : config.policy_cache);
  auto say = [&](const std::string& line) {
    if (!config.quiet) std::cout << "hss-gate: " << report::printable(line) << '\n' << std::flush;
  };
  // Said at once, before a lookup that may wait; the outcome's warnings repeat them for the reports.
  for (const auto& warning : config.warnings) print_warning(warning);
  if (config.reports.count("dotenv") && config.dotenv_prefix == report::k_default_dotenv_prefix &&
      !config.gitlab_template) {
    print_warning(fmt::format("the dotenv keys {} are deprecated aliases of {}*: read those; the aliases go in the "
                              "next minor version",
                              fmt::join(report::deprecated_dotenv_keys(), ", "), report::k_default_dotenv_prefix));
  }
  if (config.policy_files.empty()) {
    say("policy: built-in default policy (no --policy given and no ./.hss-gate.toml)");
  } else {
    say(fmt::format("policy: {} (from {})", fmt::join(config.policy_files, ", "), config.policy_origin));
  }

  // Read before anything is looked up: a document that cannot be read is exit 2, like a policy.
  std::vector<vex::Document> vex_documents = vex::read_documents(config.vex_files);
  for (const auto& document : vex_documents) {
    say(fmt::format("VEX: {} ({}, {} statement{} that may waive{})", document.path, document.format,
                    waiving(document), waiving(document) == 1 ? "" : "s",
                    effective.vex.allow.value ? "" : "; the policy does not allow VEX"));
  }

  // The facts of the run; the verdict is decided from them once, below.
  policy::RunFacts facts;
  for (const auto& spec : config.images) facts.images.push_back({spec.query, spec.dockerfile});
  facts.on_error_pass = config.on_error == config::OnError::pass;
  facts.warnings_exit = config.warnings_exit;
  facts.started = start;
  facts.clock_pinned = config.pinned_now;
  facts.warnings = config.warnings;
  policy::Context context{config.branch, config.environment, evaluation_time(config.pinned_now, world.clock)};
  context.scope = lookup_scope(config);
  context.vex = std::move(vex_documents);
  try {
    hss::FindingPlan plan = policy::plan_findings(effective, context);
    hss::FindingPlan fetch = with_report_needs(plan, config, context);
    hss::FindingPlan compared = policy::plan_compared_findings(effective, context);
    Evidence evidence = gather_evidence(config, effective, plan, fetch, compared, world.clock, say, retry_budget);
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
        save_bundle(evidence, *config.save_bundle, bases.saved_bases());
      } catch (const Error& e) {
        facts.unwritten.push_back(e.what());
      }
    }
    facts.lookups = std::move(evidence.lookups);
    facts.findings = std::move(evidence.findings);
    // A signal after the last request still cancels the run: a cancelled job is never judged.
    if (interrupted()) throw Interrupted("interrupted after the lookup");
  } catch (const Interrupted& e) {
    facts.cancelled = e.what();
  } catch (const ServiceError& e) {
    // A failure that raced the signal is still a cancelled run, which --on-error pass never lets through.
    if (interrupted()) {
      facts.cancelled = e.what();
    } else {
      facts.service_error = e.what();
    }
  }
  facts.finished = config.pinned_now ? start : evaluation_time(std::nullopt, world.clock);
  const policy::Outcome outcome = write_reports(policy::evaluate_run(effective, context, facts), config, effective);
  report::ConsoleStyle style;
  style.color = !config.no_color && ::isatty(STDOUT_FILENO);
  style.verbose = config.verbose;
  style.quiet = config.quiet;
  style.gitlab_sections = config.gitlab_ci;
  style.section_time = std::chrono::duration_cast<std::chrono::seconds>(world.clock.wall_now().time_since_epoch()).count();
  std::cout << report::render_console(outcome, style) << std::flush;

  for (const auto& failure : outcome.unwritten) print_error(failure, "report error", world);
  // The verdict stands when it blocks; a pass is not a pass when its evidence was not written.
  if (outcome.exit_code_if_written() != outcome.exit_code()) {
    std::cerr << fmt::format("hss-gate: a file could not be written, so the pass is withheld (exit {})\n",
                             outcome.exit_code());
  }
  return outcome.exit_code();
}

int run_command(const std::vector<std::string>& argv, const World& world) {
  cli::Arguments arguments = cli::parse_arguments(argv);
  switch (arguments.command) {
  case cli::Command::help:
    std::cout << cli::help_text(arguments.help_for.value_or(cli::Command::help));
    return argv.size() < 2 ? k_exit_usage : k_exit_pass;
  case cli::Command::version: std::cout << cli::version_text(); return k_exit_pass;
  case cli::Command::policy_lint: return lint(arguments, world);
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
    print_errors(e.messages(), "configuration error", world);
    return e.exit_code();
  } catch (const Error& e) {
    print_errors(e.messages(), "service error", world);
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
