#include "gate/doctor.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/evidence.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/registry_scan.hpp"
#include "gate/hss/proxy.hpp"
#include "gate/hss/reachability.hpp"
#include "gate/hss/retry.hpp"
#include "gate/policy/evaluate.hpp"
#include "gate/policy/loader.hpp"
#include "gate/policy_bases.hpp"
#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

namespace gate {

namespace {

enum class Mark { ok, warn, fail };

// The checklist, printed as it grows so that a hanging step shows where it hangs.
class Checklist {
public:
  void add(Mark mark, std::string_view check, const std::string& detail, const std::string& fix = {}) {
    static constexpr std::string_view k_marks[] = {"ok  ", "warn", "FAIL"};
    std::cout << fmt::format("  {}  {}: {}\n", k_marks[static_cast<int>(mark)], check, report::printable(detail));
    if (!fix.empty() && mark != Mark::ok) std::cout << fmt::format("        fix: {}\n", report::printable(fix));
    std::cout << std::flush;
    if (mark == Mark::warn) ++m_warnings;
    if (mark == Mark::fail) ++m_failures;
  }
  void ok(std::string_view check, const std::string& detail) { add(Mark::ok, check, detail); }
  int failures() const { return m_failures; }
  int warnings() const { return m_warnings; }

private:
  int m_failures = 0;
  int m_warnings = 0;
};

// The VEX documents as check reads them: a document check would refuse is a FAIL here too.
bool check_vex(const config::Config& config, const std::optional<policy::Policy>& effective, Checklist& list) {
  if (config.vex_files.empty()) return true;
  std::vector<vex::Document> documents;
  try {
    documents = vex::read_documents(config.vex_files);
  } catch (const UsageError& e) {
    list.add(Mark::fail, "vex", e.what(), "give an OpenVEX 0.2.0, CycloneDX VEX 1.4-1.6 or CSAF 2.0 VEX document (JSON)");
    return false;
  }
  for (const auto& document : documents) {
    list.ok("vex", fmt::format("{}: {}, {} statement{} that may waive", document.path, document.format,
                               waiving(document), waiving(document) == 1 ? "" : "s"));
  }
  if (effective && !effective->vex.allow.value) {
    list.add(Mark::warn, "vex", "the policy does not allow VEX, so these documents waive nothing",
             "add [vex] allow = true to the policy to let them waive");
  }
  return true;
}

void check_settings(const config::Config& config, Checklist& list, const config::Environment& environment) {
  for (const auto& source : config.sources) {
    list.ok("setting", fmt::format("{} = \"{}\" (from {})", source.setting, source.value, source.origin));
  }
  for (const auto& image : config.images) list.ok("image", hss::describe_query(image.query));
  // Credentials: which kind was found, never their values.
  std::vector<std::string> found;
  for (const char* name : {"HSS_GATE_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "CLOUD_SDK_AK",
                           "CLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN"}) {
    found.push_back(fmt::format("{} {}", name, environment(name) ? "set" : "unset"));
  }
  list.ok("credentials", fmt::format("{}", fmt::join(found, ", ")));
}

// Each base the policy names by URL: where it was read from, and for a cached one whether its URL
// still serves it, since a runner without this cache must fetch it.
void check_url_bases(remote::RemoteBases& bases, Checklist& list) {
  for (const auto& read : bases.bases_read()) {
    std::string name = read.base.name();
    switch (read.source) {
    case remote::BaseSource::bundle:
      list.ok("policy base", fmt::format("{}: the copy in the bundle (no network)", name));
      break;
    case remote::BaseSource::network:
      list.ok("policy base", fmt::format("{}: reachable, fetched and verified{}", name,
                                         bases.cache() ? fmt::format("; now cached in {}", bases.cache()->folder())
                                                       : std::string("; not cached: no cache folder is known")));
      break;
    case remote::BaseSource::cache:
      if (auto problem = bases.recheck(read.base)) {
        list.add(Mark::warn, "policy base",
                 fmt::format("{}: cached in {}, but the URL does not serve it now: {}", name,
                             bases.cache()->entry(read.base.sha256), *problem),
                 "a runner without this cache cannot read the base: make the URL reachable from it, or keep the "
                 "cache folder (HSS_GATE_CACHE_DIR) between jobs");
      } else {
        list.ok("policy base", fmt::format("{}: cached in {}; the URL is reachable and serves it", name,
                                           bases.cache()->entry(read.base.sha256)));
      }
      break;
    }
  }
}

std::optional<policy::Policy> check_policy(const config::Config& config, Checklist& list, policy::TimePoint now,
                                           Clock& clock) {
  if (config.policy_files.empty()) {
    auto policy = policy::default_policy(now);
    list.ok("policy", fmt::format("built-in default policy, {} rules", policy.rules.size()));
    return policy;
  }
  // One attempt per base, as for HSS's request below: doctor reports rather than insists.
  config::Config once = config;
  once.client.retry = false;
  remote::RemoteBases bases = run_policy_bases(once, clock, nullptr);
  auto result = policy::load_policies(config.policy_files, now, &bases);
  check_url_bases(bases, list);
  for (const auto& problem : result.problems) {
    list.add(Mark::fail, "policy", problem.str(), "fix the file at that line (hss-gate policy lint FILE)");
  }
  if (!result.problems.empty()) return std::nullopt;
  list.ok("policy", fmt::format("{} (from {}): {} rules, {} exceptions", fmt::join(config.policy_files, ", "),
                                config.policy_origin, result.policy.rules.size(), result.policy.exceptions.size()));
  return std::move(result.policy);
}

// The finding APIs a check run would call: those the applicable rules and the configured reports
// need, and the CVE API when a rule, an exception or GitLab's report uses CVEs.
struct FindingApis {
  std::vector<hss::FindingKind> kinds;
  bool cves = false;
};

FindingApis finding_apis(const config::Config& config, const policy::Policy& effective, policy::TimePoint now) {
  policy::Context context{config.branch, config.environment, now};
  hss::FindingPlan plan = policy::plan_findings(effective, context);
  report::ReportNeeds needs = report::report_needs(report::ReportPaths(config.reports.begin(), config.reports.end()));
  FindingApis apis{plan.kinds, static_cast<bool>(plan.wants_cves) || needs.cves};
  for (auto kind : needs.kinds) {
    if (std::find(apis.kinds.begin(), apis.kinds.end(), kind) == apis.kinds.end()) apis.kinds.push_back(kind);
  }
  std::sort(apis.kinds.begin(), apis.kinds.end());
  return apis;
}

// One small request to each finding API a run would call: IAM grants each API on its own, so
// the list of images answering says nothing about them.
bool probe_finding_apis(const FindingApis& apis, const std::optional<hss::Record>& image, const config::Config& config,
                        const policy::Policy& effective, hss::Transport& transport, Checklist& list) {
  if (apis.kinds.empty()) {
    list.ok("findings", "no finding API is needed by the policy or the reports");
    return true;
  }
  if (!image) {
    list.add(Mark::warn, "findings", "HSS lists no image for the first image's names, so the finding APIs cannot be tried",
             "run doctor again once a scanned image is in HSS's list");
    return true;
  }
  hss::FindingOptions options{effective.findings.include_handled.value, config.region, config.enterprise_project_id};
  bool ok = true;
  std::optional<std::string> vul_id;
  auto probe = [&](std::string_view operation, const hss::Request& request, const hss::FindingEndpoint& endpoint) {
    try {
      hss::Response response = transport.get(request);
      auto page = hss::parse_finding_page(endpoint, response.body);
      list.ok("findings", fmt::format("{} answered with {} record{}{}", operation, page.items.size(),
                                      page.items.size() == 1 ? "" : "s", hss::request_id_suffix(response.request_id)));
      return page.items;
    } catch (const ServiceError& e) {
      ok = false;
      // A 403 message names the operation itself; any other failure is told with it here.
      list.add(Mark::fail, "findings",
               e.cause() == ServiceCause::forbidden ? std::string(e.what()) : fmt::format("{}: {}", operation, e.what()),
               diagnose(e).fix);
    }
    return std::vector<hss::FindingRecord>{};
  };
  for (auto kind : apis.kinds) {
    const hss::FindingEndpoint& endpoint = hss::endpoint_for(kind);
    auto items = probe(endpoint.operation, hss::finding_request(endpoint, *image, options, 0, 10), endpoint);
    if (kind.spec().cves && !items.empty()) vul_id = items.front().text(kind.spec().cves->key_member);
  }
  if (apis.cves) {
    const hss::FindingEndpoint& endpoint = hss::cve_endpoint();
    if (vul_id && !vul_id->empty()) {
      probe(endpoint.operation, hss::cve_request(*vul_id, options, 0, 10), endpoint);
    } else {
      list.ok("findings", fmt::format("{} not tried: no vulnerability to ask about", endpoint.operation));
    }
  }
  return ok;
}

void check_outputs(const config::Config& config, Checklist& list) {
  for (const auto& [format, path] : config.reports) list.ok("report", fmt::format("--{} {}: writable", format, path));
  if (config.github_actions) {
    list.ok("CI", fmt::format("GitHub Actions: annotations; step summary {}; step outputs {}",
                              config.github_step_summary ? "to $GITHUB_STEP_SUMMARY" : "not written (unset)",
                              config.github_output ? "to $GITHUB_OUTPUT" : "not written (unset)"));
  } else if (config.gitlab_ci) {
    list.ok("CI", fmt::format("GitLab CI: details folded in a collapsed section; dotenv {}",
                              config.reports.count("dotenv") ? "written" : "not asked for (--dotenv)"));
  } else {
    list.ok("CI", "none detected: console and report files only");
  }
}

std::string ca_source(const hss::TransportSettings& settings, const config::Environment& environment) {
  if (settings.insecure) return "none: --insecure, certificates are NOT verified";
  if (!settings.ca_file) return "the system's CA store";
  return environment("SSL_CERT_FILE") == settings.ca_file ? fmt::format("SSL_CERT_FILE {}", *settings.ca_file)
                                                          : fmt::format("--ca-file {}", *settings.ca_file);
}

// The time HSS's Date header gives against this machine's: AK/SK signatures fail beyond 15 minutes.
void check_clock(const std::string& date, const Clock& clock, bool signing, Checklist& list) {
  auto server = hss::parse_http_date(date);
  if (!server) {
    list.add(Mark::warn, "clock", "the server sent no readable Date header, so the skew is unknown");
    return;
  }
  auto local = std::chrono::floor<std::chrono::seconds>(clock.wall_now());
  auto skew = std::chrono::abs(local - *server);
  std::string detail = fmt::format("this machine is {}s {} the server", skew.count(), local >= *server ? "ahead of" : "behind");
  if (skew > std::chrono::minutes(15)) {
    list.add(signing ? Mark::fail : Mark::warn, "clock", detail + "; AK/SK signatures fail beyond 15 minutes",
             "synchronise this machine's clock (NTP)");
  } else if (skew > std::chrono::minutes(1)) {
    list.add(Mark::warn, "clock", detail, "synchronise this machine's clock (NTP)");
  } else {
    list.ok("clock", detail);
  }
}

// The list of every other source the run's images use: IAM grants each list API on its own.
void probe_other_lists(const config::Config& config, hss::Transport& transport, Checklist& list) {
  std::vector<hss::Source> probed{config.images.front().query.source};
  for (const auto& image : config.images) {
    hss::Query query = image.query;
    if (std::find(probed.begin(), probed.end(), query.source) != probed.end()) continue;
    probed.push_back(query.source);
    const hss::SourceSpec& source = hss::source_spec(query.source);
    query.image_name.reset();
    query.namespace_name.reset();
    try {
      hss::Response response = transport.get(hss::cicd_images_request(query, 0, 10));
      auto page = hss::parse_cicd_images_page(response.body, query.source);
      list.ok("image list", fmt::format("{} ({}) answered with {} record{} for {}{}", source.list_name, source.operation,
                                        page.items.size(), page.items.size() == 1 ? "" : "s", hss::describe_query(query),
                                        hss::request_id_suffix(response.request_id)));
    } catch (const ServiceError& e) {
      list.add(Mark::fail, "image list",
               e.cause() == ServiceCause::forbidden ? std::string(e.what()) : fmt::format("{}: {}", source.operation, e.what()),
               diagnose(e).fix);
    }
  }
}

// --trigger-scan reads the registries and the scan tasks; it creates tasks too, which no request
// can check without creating one.
void probe_trigger_apis(const config::Config& config, hss::Transport& transport, Checklist& list) {
  hss::TaskOptions options{config.region, config.enterprise_project_id};
  auto probe = [&](std::string_view operation, const hss::Request& request, auto&& describe) {
    try {
      hss::Response response = transport.get(request);
      list.ok("trigger", fmt::format("{} answered: {}{}", operation, describe(response.body),
                                     hss::request_id_suffix(response.request_id)));
    } catch (const ServiceError& e) {
      list.add(Mark::fail, "trigger",
               e.cause() == ServiceCause::forbidden ? std::string(e.what()) : fmt::format("{}: {}", operation, e.what()),
               diagnose(e).fix);
    }
  };
  probe(hss::k_registries_operation, hss::registries_request(std::nullopt, options, 0, 10), [](const std::string& body) {
    auto page = hss::parse_registries_page(body);
    std::vector<std::string> names;
    for (const auto& registry : page.items) names.push_back(fmt::format("{} ({})", registry.name, registry.type));
    return names.empty() ? std::string("no registry is connected to HSS")
                         : fmt::format("registries {}", fmt::join(names, ", "));
  });
  probe(hss::k_scan_tasks_operation, hss::scan_tasks_request(options, 0, 10), [](const std::string& body) {
    auto page = hss::parse_scan_tasks_page(body);
    return fmt::format("{} manual scan task{} listed", page.items.size(), page.items.size() == 1 ? "" : "s");
  });
  list.add(Mark::warn, "trigger",
           fmt::format("--trigger-scan also creates tasks ({}, {}), a permission no request can check without "
                       "creating one",
                       hss::k_sync_task_operation, hss::k_scan_task_operation),
           "allow both APIs to these credentials in IAM (docs/ci.md, \"Images in a registry\")");
}

// Name resolution and TCP first, so that a failure says which layer failed; then one
// authenticated request without retries, which proves TLS and the credentials.
bool check_service(const config::Config& config, const config::Environment& environment, Clock& clock,
                   const policy::Policy& effective, policy::TimePoint now, Checklist& list) {
  hss::TransportSettings settings = *config.transport;
  settings.retry = false;
  list.ok("endpoint", settings.endpoint.str());
  hss::ProxyChoice proxy = hss::choose_proxy(settings.endpoint, settings.proxy);
  list.ok("proxy", proxy.proxy ? fmt::format("through {}", proxy.reason) : fmt::format("direct: {}", proxy.reason));
  std::string host = proxy.proxy ? proxy.proxy->host : settings.endpoint.host;
  std::uint16_t port = proxy.proxy ? proxy.proxy->port : settings.endpoint.port;
  auto resolved = hss::resolve_host(host);
  if (!resolved.ok) {
    list.add(Mark::fail, "DNS", resolved.detail, "check --endpoint / --region, or the proxy settings");
    return false;
  }
  list.ok("DNS", resolved.detail);
  auto connected = hss::connect_tcp(host, port, settings.timeout);
  if (!connected.ok) {
    list.add(Mark::fail, "TCP", connected.detail, "check the port, a firewall, or HTTPS_PROXY / NO_PROXY");
    return false;
  }
  list.ok("TCP", connected.detail);

  bool signing = settings.credentials.auth_token.empty();
  hss::Query query = config.images.front().query;
  query.image_name.reset();
  query.namespace_name.reset();
  try {
    auto transport = hss::make_http_transport(settings, clock);
    hss::Response response = transport->get(hss::cicd_images_request(query, 0, 10));
    if (settings.endpoint.scheme == "https") {
      std::string certificate = response.certificate
                                    ? fmt::format("{}, issued by {}, expires {}", response.certificate->subject,
                                                  response.certificate->issuer, response.certificate->expires)
                                    : std::string("no certificate details");
      list.add(settings.insecure ? Mark::warn : Mark::ok, "TLS",
               fmt::format("{}; CA source: {}", certificate, ca_source(settings, environment)),
               "drop --insecure and give the CA with --ca-file");
    }
    auto page = hss::parse_cicd_images_page(response.body, query.source);
    list.ok("credentials", fmt::format("{} accepted: the list of {} answered with {} record{} for {} ({}){}",
                                       signing ? "AK/SK signature" : "IAM token", hss::source_spec(query.source).images_name,
                                       page.items.size(),
                                       page.items.size() == 1 ? "" : "s", hss::describe_query(query),
                                       hss::source_spec(query.source).operation,
                                       hss::request_id_suffix(response.request_id)));
    check_clock(response.date, clock, signing, list);
    probe_other_lists(config, *transport, list);
    if (config.trigger_scan) probe_trigger_apis(config, *transport, list);
    std::optional<hss::Record> image;
    for (const auto& record : page.items) {
      if (!record.image_id.empty()) {
        image = record;
        break;
      }
    }
    bool findings_ok = probe_finding_apis(finding_apis(config, effective, now), image, config, effective, *transport, list);
    return findings_ok && list.failures() == 0;
  } catch (const UsageError& e) {
    list.add(Mark::fail, "TLS", e.what(), "give a readable CA bundle with --ca-file");
    return false;
  } catch (const ServiceError& e) {
    Diagnosis diagnosis = diagnose(e);
    std::string detail = e.what();
    if (e.cause() == ServiceCause::tls) detail += fmt::format("; CA source: {}", ca_source(settings, environment));
    list.add(Mark::fail, diagnosis.layer, detail, diagnosis.fix);
    return false;
  }
}

} // namespace

Diagnosis diagnose(const ServiceError& error) {
  switch (error.cause()) {
  case ServiceCause::tls:
    return {"TLS", "give the CA that signed the endpoint's certificate with --ca-file (or SSL_CERT_FILE)"};
  case ServiceCause::authentication:
    return {"credentials", "HSS did not accept the credentials (401): check HSS_GATE_AUTH_TOKEN (an unexpired IAM "
                           "token of this project) or HUAWEICLOUD_SDK_AK / _SK"};
  case ServiceCause::forbidden:
    // The credentials were accepted; this one API was not allowed to them (or the project id is not theirs).
    return {"permission",
            fmt::format("allow these credentials HSS's {} API in IAM (they were accepted, but IAM grants each API on "
                        "its own: docs/ci.md, \"Least privilege\"), and check that the project id is theirs",
                        error.operation().empty() ? std::string("refused") : error.operation())};
  case ServiceCause::network:
    return {"network", "check the endpoint, a firewall, HTTPS_PROXY / NO_PROXY, and --timeout"};
  case ServiceCause::malformed_response:
    return {"HSS", "the endpoint answered something other than HSS's API: check --endpoint / --region and any proxy"};
  case ServiceCause::http_status:
  case ServiceCause::other: break;
  }
  return {"HSS", "check the endpoint and the service's status"};
}

int doctor(const cli::Arguments& arguments, const config::Environment& environment, Clock& clock) {
  Checklist list;
  std::cout << "hss-gate doctor: checking the configuration, the endpoint and the credentials\n";
  config::Config config;
  try {
    config = config::resolve_config(arguments, environment);
  } catch (const UsageError& e) {
    list.add(Mark::fail, "configuration", e.what(), "correct the flag or variable named above (hss-gate check --help)");
    std::cout << "hss-gate doctor: 1 FAIL (exit 2)\n";
    return k_exit_usage;
  }
  for (const auto& warning : config.warnings) list.add(Mark::warn, "configuration", warning);
  check_settings(config, list, environment);
  auto now = config.pinned_now.value_or(std::chrono::floor<std::chrono::seconds>(clock.wall_now()));
  std::optional<policy::Policy> effective = check_policy(config, list, now, clock);
  bool policy_ok = effective.has_value();
  bool vex_ok = check_vex(config, effective, list);
  check_outputs(config, list);
  bool settings_ok = policy_ok && vex_ok;
  if (policy_ok) {
    // The same refusal as check's, before any request: a list its API cannot be asked for.
    auto kinds = finding_apis(config, *effective, now).kinds;
    if (auto problem = missing_region(kinds, config)) {
      list.add(Mark::fail, "configuration", *problem, "pass --region (or set HSS_GATE_REGION)");
      settings_ok = false;
    }
    if (auto problem = refused_image_type(kinds, config)) {
      list.add(Mark::fail, "configuration", *problem, "gate the image with rules and reports that need only its vulnerabilities");
      settings_ok = false;
    }
  }
  bool service_ok = true;
  if (config.from_file) {
    list.ok("network", fmt::format("not used: --from-file {} is read offline", *config.from_file));
  } else if (settings_ok) {
    service_ok = check_service(config, environment, clock, *effective, now, list);
  }
  int code = !settings_ok ? k_exit_usage : !service_ok ? k_exit_service : k_exit_pass;
  std::cout << fmt::format("hss-gate doctor: {} FAIL, {} warn (exit {})\n", list.failures(), list.warnings(), code);
  return code;
}

} // namespace gate
