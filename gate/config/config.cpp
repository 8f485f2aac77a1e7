#include "gate/config/config.hpp"

#include "gate/config/image_specs.hpp"
#include "gate/config/paths.hpp"
#include "gate/config/resolver.hpp"
#include "gate/error.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/report/report.hpp"
#include "gate/text/utf8.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <regex>
#include <set>

namespace gate::config {

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// Settings that only a lookup in HSS uses: with --from-file they would silently do nothing.
constexpr std::array<std::string_view, 10> k_online_only{"endpoint", "region",  "project-id",
                                                        "wait",     "poll-interval", "timeout",
                                                        "ca-file",  "insecure", "enterprise-project-id",
                                                        "trigger-scan"};


std::string checked_length(const Sourced& value, std::size_t min, std::size_t max) {
  auto length = text::count_code_points(value.value);
  if (!length || !text::is_printable_text(value.value)) {
    throw UsageError(fmt::format("{}: expected printable UTF-8 text, without controls, line breaks or invisible "
                                 "characters",
                                 value.origin));
  }
  if (*length < min || *length > max) {
    throw UsageError(fmt::format("{}: expected {} to {} characters, got {}", value.origin, min, max, *length));
  }
  return value.value;
}

std::optional<std::chrono::seconds> duration(const Resolver& in, std::string_view flag, std::int64_t min_seconds) {
  auto value = in.get(flag);
  if (!value) return std::nullopt;
  auto parsed = units::parse_duration(value->value);
  if (!parsed) {
    throw UsageError(fmt::format("{}: expected a duration such as 90s, 10m or 1h, got \"{}\"", value->origin,
                                 value->value));
  }
  if (parsed->count() < min_seconds) {
    throw UsageError(fmt::format("{}: expected at least {}s, got \"{}\"", value->origin, min_seconds, value->value));
  }
  return parsed;
}

std::optional<std::string> text(const Resolver& in, std::string_view flag) {
  auto value = in.get(flag);
  if (!value) return std::nullopt;
  return value->value;
}

void resolve_proxy(const Resolver& in, hss::ClientSettings& client) {
  if (auto proxy = in.env({"HTTPS_PROXY", "https_proxy"})) {
    client.proxy.https_proxy = proxy->value;
    client.proxy.https_proxy_origin = proxy->origin;
  }
  if (auto proxy = in.env({"NO_PROXY", "no_proxy"})) client.proxy.no_proxy = proxy->value;
}

hss::Credentials resolve_credentials(const Resolver& in) {
  hss::Credentials credentials;
  if (auto token = in.env({"HSS_GATE_AUTH_TOKEN"})) {
    if (token->value.size() > 32768) throw UsageError("HSS_GATE_AUTH_TOKEN: expected at most 32,768 characters");
    credentials.auth_token = token->value;
    return credentials;
  }
  auto ak = in.env({"HUAWEICLOUD_SDK_AK", "CLOUD_SDK_AK"});
  auto sk = in.env({"HUAWEICLOUD_SDK_SK", "CLOUD_SDK_SK"});
  if (ak && !sk) throw UsageError(fmt::format("{} is set but no secret key: set HUAWEICLOUD_SDK_SK", ak->origin));
  if (sk && !ak) throw UsageError(fmt::format("{} is set but no access key: set HUAWEICLOUD_SDK_AK", sk->origin));
  if (ak && sk) {
    credentials.access_key = ak->value;
    credentials.secret_key = sk->value;
    if (auto security = in.env({"HUAWEICLOUD_SDK_SECURITY_TOKEN", "CLOUD_SDK_SECURITY_TOKEN"})) {
      credentials.security_token = security->value;
    }
  }
  if (credentials.empty()) {
    throw UsageError("no HSS credentials: set HSS_GATE_AUTH_TOKEN, or HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK "
                     "(CI secrets), or use --from-file");
  }
  return credentials;
}

// What every request shares, to HSS or to a policy base's URL: --timeout, the CA, --insecure and
// the proxy.
hss::ClientSettings resolve_client(const Resolver& in) {
  hss::ClientSettings client;
  if (auto timeout = duration(in, "timeout", 1)) client.timeout = *timeout;
  if (auto ca_file = in.get("ca-file")) {
    client.ca_file = ca_file->value;
    check_input_file(ca_file->value, ca_file->origin);
  } else if (auto cert_file = in.env({"SSL_CERT_FILE"})) {
    client.ca_file = cert_file->value;
    check_input_file(cert_file->value, cert_file->origin);
  }
  client.insecure = in.flag("insecure");
  resolve_proxy(in, client);
  return client;
}

hss::TransportSettings resolve_transport(const Resolver& in, Config& config) {
  hss::TransportSettings transport;
  auto project = in.get("project-id");
  if (!project) project = in.env({"HUAWEICLOUD_SDK_PROJECT_ID"});
  if (!project) {
    throw UsageError(fmt::format("{}: required to query HSS (or HSS_GATE_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID); "
                                 "use --from-file to evaluate a saved response",
                                 in.named("project-id")));
  }
  transport.project_id = checked_length(*project, 1, 256);

  static const std::regex k_region(R"([a-z]{2}(-[a-z0-9]+)+)");
  auto region = in.get("region");
  if (region && !std::regex_match(region->value, k_region)) {
    throw UsageError(fmt::format("{}: expected a region id such as ap-southeast-1, got \"{}\"", region->origin,
                                 region->value));
  }
  if (region) config.region = region->value;
  if (auto endpoint = in.get("endpoint")) {
    transport.endpoint = hss::parse_endpoint_url(endpoint->value, endpoint->origin);
    // hss.{region}.myhuaweicloud.com names its region; --region, when also given, says it first.
    if (!config.region) config.region = hss::region_of_host(transport.endpoint.host);
  } else if (region) {
    transport.endpoint = hss::endpoint_for_region(region->value);
  } else {
    throw UsageError(fmt::format("{} or {}: required to query HSS (or HSS_GATE_REGION / HSS_GATE_ENDPOINT)",
                                 in.named("region"), in.named("endpoint")));
  }
  if (auto enterprise = in.get("enterprise-project-id")) {
    std::string id = checked_length(*enterprise, 1, 256);
    for (auto& image : config.images) image.query.enterprise_project_id = id;
    config.enterprise_project_id = id;
  }
  transport.credentials = resolve_credentials(in);
  static_cast<hss::ClientSettings&>(transport) = resolve_client(in);
  return transport;
}

// --from-file and online settings do not mix, unless the online ones are only project-wide
// variables that a flag overrides: those are ignored, with a warning that names them.
void check_offline_mode(const Resolver& in, const Sourced& from_file, Config& config) {
  std::vector<Sourced> online;
  for (auto flag : k_online_only) {
    if (auto value = in.get(flag)) online.push_back(*value);
  }
  // --project-id's project-wide fallback counts as that setting from the environment.
  if (!in.get("project-id")) {
    if (auto project = in.env({"HUAWEICLOUD_SDK_PROJECT_ID"})) online.push_back(*project);
  }
  std::vector<std::string> ignored;
  for (const auto& setting : online) {
    if (!from_file.from_flag || setting.from_flag) {
      throw UsageError(fmt::format("{} and {}: a saved response is read offline, so online settings cannot apply; "
                                   "drop one of them",
                                   from_file.origin, setting.origin));
    }
    ignored.push_back(setting.origin);
  }
  if (!ignored.empty()) {
    config.warnings.push_back(fmt::format("--from-file: reading offline, so {} {} ignored", fmt::join(ignored, ", "),
                                          ignored.size() == 1 ? "is" : "are"));
  }
}

// Result keys get a prefix the gate never reads as input, so that a later gate job that `needs:`
// this one is not configured by its results (HSS_GATE_JUNIT was such a key).
void resolve_dotenv_prefix(const Resolver& in, Config& config) {
  config.dotenv_prefix = std::string(report::k_default_dotenv_prefix);
  auto prefix = in.get("dotenv-prefix");
  if (!prefix) return;
  static const std::regex k_name(R"([A-Za-z_][A-Za-z0-9_]*)");
  if (!std::regex_match(prefix->value, k_name)) {
    throw UsageError(fmt::format("{}: expected letters, digits and '_' (not first a digit), such as API_, got \"{}\"",
                                 prefix->origin, prefix->value));
  }
  for (auto key : report::dotenv_keys()) {
    std::string name = prefix->value + key;
    bool read_by_gate = name.rfind("HSS_GATE_", 0) == 0 && name.rfind(report::k_default_dotenv_prefix, 0) != 0;
    if (read_by_gate || name.rfind("HUAWEICLOUD_", 0) == 0 || name.rfind("CLOUD_SDK_", 0) == 0) {
      throw UsageError(fmt::format("{}: the key {} would configure later hss-gate jobs that read this job's "
                                   "results; choose a prefix outside HSS_GATE_, HUAWEICLOUD_ and CLOUD_SDK_",
                                   prefix->origin, name));
    }
  }
  config.dotenv_prefix = prefix->value;
}

} // namespace

std::optional<std::chrono::sys_seconds> pinned_now(const Environment& environment) {
  auto pinned = environment("HSS_GATE_NOW");
  if (!pinned) return std::nullopt;
  auto time = units::parse_date_time(*pinned);
  if (!time) {
    throw UsageError(fmt::format("HSS_GATE_NOW: expected a date-time such as 2027-01-31T12:00:00Z, got \"{}\"", *pinned));
  }
  return time;
}

Config resolve_config(const cli::Arguments& arguments, const Environment& environment) {
  Resolver in(arguments, environment);
  Config config;
  in.record_into(config.sources);
  resolve_images(in, config);

  for (const auto& policy : in.all("policy")) {
    check_input_file(policy.value, policy.origin, "policy file");
    config.policy_files.push_back(policy.value);
    config.policy_origin = policy.origin;
  }
  if (config.policy_files.empty() && is_file(".hss-gate.toml")) {
    config.policy_files.push_back(".hss-gate.toml");
    config.policy_origin = "./.hss-gate.toml in the working directory";
  }

  for (const auto& document : in.all("vex")) {
    check_input_file(document.value, document.origin, "VEX document");
    config.vex_files.push_back(document.value);
  }

  auto from_file = in.get("from-file");
  if (from_file) {
    check_input_file(from_file->value, "--from-file");
    config.from_file = from_file->value;
    check_offline_mode(in, *from_file, config);
  }
  if (auto compared = in.get("compare-with-file")) {
    check_input_file(compared->value, compared->origin);
    config.compare_with_file = compared->value;
    for (const auto& image : config.images) {
      if (!image.compare_with) continue;
      throw UsageError(fmt::format("{} and {}: compare_with {} names a second image to compare with: give one",
                                   compared->origin, image.origin, *image.compare_with));
    }
  }
  if (auto bundle = in.get("save-bundle")) {
    check_report_path(bundle->value, bundle->origin);
    config.save_bundle = bundle->value;
  }
  for (const auto& format : report::report_formats()) {
    auto path = in.get(format.name);
    if (!path) continue;
    check_report_path(path->value, path->origin);
    config.reports.emplace(std::string(format.name), path->value);
  }

  if (auto sarif = in.get("sarif")) {
    // Checked before anything is sent: GitHub rejects a file with more runs, after the whole gate ran.
    std::set<std::string> categories;
    for (const auto& image : config.images) categories.insert(report::sarif_category(image.query));
    if (categories.size() > report::k_max_sarif_runs) {
      throw UsageError(fmt::format("{}: {} images make {} SARIF runs (one per namespace and image name), more than "
                                   "the {} runs GitHub code scanning accepts in one file; gate at most {} images per "
                                   "SARIF report",
                                   sarif->origin, config.images.size(), categories.size(), report::k_max_sarif_runs,
                                   report::k_max_sarif_runs));
    }
  }
  resolve_dotenv_prefix(in, config);
  config.sarif_location = std::string(report::k_default_sarif_location);
  if (auto location = in.get("sarif-location")) {
    check_repository_path(location->value, location->origin);
    config.sarif_location = location->value;
  }

  if (auto branch = in.get("branch")) {
    config.branch = branch->value;
  } else if (auto detected = in.env({"GITHUB_REF_NAME", "CI_COMMIT_REF_NAME"})) {
    config.branch = detected->value;
  }
  config.environment = text(in, "environment");
  if (auto on_error = in.get("on-error")) {
    if (on_error->value != "fail" && on_error->value != "pass") {
      throw UsageError(fmt::format("{}: expected fail or pass, got \"{}\"", on_error->origin, on_error->value));
    }
    config.on_error = on_error->value == "pass" ? OnError::pass : OnError::fail;
  }
  if (auto code = in.get("warnings-exit")) {
    // Digits only: 1e1, +7 or 0x7 are not what a reader of the pipeline file would take for a code.
    static const std::regex k_digits(R"([0-9]{1,3})");
    int value = std::regex_match(code->value, k_digits) ? std::stoi(code->value) : -1;
    if (value < k_min_warnings_exit || value > k_max_warnings_exit) {
      throw UsageError(fmt::format("{}: expected an integer from {} to {}, got \"{}\"", code->origin,
                                   k_min_warnings_exit, k_max_warnings_exit, code->value));
    }
    config.warnings_exit = value;
  }
  config.verbose = in.flag("verbose");
  config.quiet = in.flag("quiet");
  if (config.verbose && config.quiet) throw UsageError("--verbose and --quiet: choose one");
  config.no_color = in.flag("no-color") || environment("NO_COLOR").has_value();
  config.pinned_now = pinned_now(environment);

  config.github_actions = environment("GITHUB_ACTIONS") == "true";
  if (config.github_actions) {
    config.github_step_summary = environment("GITHUB_STEP_SUMMARY");
    config.github_output = environment("GITHUB_OUTPUT");
  }
  config.gitlab_ci = environment("GITLAB_CI") == "true";
  config.gitlab_template = environment("HSS_GATE_CALLER") == "gitlab-template";

  if (!config.from_file) {
    config.wait = duration(in, "wait", 0);
    config.default_wait = duration(in, "default-wait", 0);
    config.poll_interval = duration(in, "poll-interval", 1);
    config.transport = resolve_transport(in, config);
    config.client = *config.transport;
    config.trigger_scan = in.flag("trigger-scan");
    bool registry = std::any_of(config.images.begin(), config.images.end(),
                                [](const ImageSpec& image) { return hss::source_spec(image.query.source).scans_on_request; });
    if (config.trigger_scan && !registry) {
      config.warnings.push_back("--trigger-scan: no image of this run is one HSS scans on request (source=registry); "
                                "CI/CD images are scanned by the pipeline's own scan step");
    }
  } else {
    // Offline, the online settings are refused or ignored; a policy base that is neither in the
    // bundle nor cached is still fetched, trusting SSL_CERT_FILE (read only if it is needed).
    if (auto cert_file = in.env({"SSL_CERT_FILE"})) config.client.ca_file = cert_file->value;
    resolve_proxy(in, config.client);
  }
  config.policy_cache = policy_cache_folder(environment);
  check_distinct_paths(config);
  return config;
}

std::optional<std::string> policy_cache_folder(const Environment& environment) {
  if (auto folder = environment("HSS_GATE_CACHE_DIR")) return *folder;
  // The XDG base directory specification: a relative XDG_CACHE_HOME is invalid and ignored.
  if (auto xdg = environment("XDG_CACHE_HOME"); xdg && xdg->front() == '/') return *xdg + "/hss-gate";
  if (auto home = environment("HOME")) return *home + "/.cache/hss-gate";
  return std::nullopt;
}

hss::ClientSettings policy_client_settings(const Environment& environment) {
  cli::Arguments none;
  Resolver in(none, environment);
  return resolve_client(in);
}

} // namespace gate::config
