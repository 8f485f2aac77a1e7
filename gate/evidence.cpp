#include "gate/evidence.hpp"

#include "gate/clock.hpp"
#include "gate/comparison.hpp"
#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/recording_transport.hpp"
#include "gate/hss/registry_scan.hpp"
#include "gate/hss/replaying_transport.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <iostream>
#include <optional>

namespace gate {

namespace {

std::vector<hss::Query> queries_of(const config::Config& config) {
  std::vector<hss::Query> queries;
  for (const auto& image : config.images) queries.push_back(image.query);
  return queries;
}

std::string images_text(const config::Config& config) {
  if (config.images.size() == 1) return hss::describe_query(config.images.front().query);
  return fmt::format("{} images", config.images.size());
}

// The records whose scan succeeded (and is not older than a scan the gate asked for): the only
// ones whose findings are asked for.
std::vector<hss::Record> scanned_records(const std::vector<hss::ImageLookup>& lookups) {
  std::vector<hss::Record> records;
  for (const auto& image : lookups) {
    if (image.lookup.no_verdict) continue;
    for (const auto& record : image.lookup.records) {
      if (hss::scan_state_of(record.scan_status) == hss::ScanState::success && !hss::scan_predates(image.lookup, record)) {
        records.push_back(record);
      }
    }
  }
  return records;
}

std::string kind_names(const std::vector<hss::FindingKind>& kinds) {
  std::vector<std::string_view> names;
  for (auto kind : kinds) names.push_back(hss::name_of(kind));
  return fmt::format("{}", fmt::join(names, ", "));
}

// A replay runs the lookup once, at no cost in time: nothing waits on a bundle.
class StoppedClock : public Clock {
public:
  explicit StoppedClock(const Clock& clock) : m_clock(clock) {}
  std::chrono::system_clock::time_point wall_now() const override { return m_clock.wall_now(); }
  std::chrono::milliseconds elapsed() const override { return std::chrono::milliseconds(0); }
  bool sleep(std::chrono::milliseconds) override { return true; }

private:
  const Clock& m_clock;
};

hss::FindingOptions finding_options(const config::Config& config, const policy::Policy& effective) {
  return {effective.findings.include_handled.value, config.region, config.enterprise_project_id};
}

// The image whose vulnerability list holds `vul_id`, for messages about its CVEs.
std::string image_with_vulnerability(const hss::RunFindings& findings, const std::vector<hss::Record>& scanned,
                                     const std::string& vul_id) {
  for (const auto& record : scanned) {
    auto found = findings.images.find(record.image_id);
    if (found == findings.images.end()) continue;
    for (const auto& [kind, list] : found->second.lists) {
      if (!kind.spec().cves) continue; // only a kind with a CVE sub-list names the vulnerability
      for (const auto& finding : list) {
        if (finding.text(kind.spec().cves->key_member) == vul_id) return hss::describe_record(record);
      }
    }
  }
  return "an image";
}

// A saved file must answer everything the policy asks: a list it lacks is not an empty list.
void check_answers_plan(const hss::Bundle& bundle, const hss::ReplayingTransport& replay,
                        const std::vector<hss::Record>& scanned, const hss::FindingPlan& plan,
                        const hss::FindingOptions& options, const std::string& path) {
  if (plan.empty()) return;
  if (!bundle.holds_findings()) {
    throw UsageError(fmt::format("--from-file {}: a plain list response holds no findings, but the policy's rules "
                                 "need {}: save a bundle with --save-bundle and replay that",
                                 path, kind_names(plan.kinds)));
  }
  for (const auto& record : scanned) {
    for (auto kind : plan.kinds) {
      if (replay.answers(hss::finding_request(hss::endpoint_for(kind), record, options, 0, hss::k_page_size))) continue;
      throw UsageError(fmt::format("--from-file {}: the bundle has no {} list for {}, which the policy needs: it "
                                   "cannot answer this policy",
                                   path, hss::name_of(kind), hss::describe_record(record)));
    }
  }
}

// What a replay reads: the rules' lists, and the reports' lists and CVEs the bundle holds.
hss::FindingPlan replay_plan(const hss::ReplayingTransport& replay, const std::vector<hss::Record>& scanned,
                             const hss::FindingPlan& plan, const hss::FindingPlan& fetch,
                             const hss::FindingOptions& options) {
  hss::FindingPlan read;
  for (auto kind : fetch.kinds) {
    bool needed = std::find(plan.kinds.begin(), plan.kinds.end(), kind) != plan.kinds.end();
    bool held = std::all_of(scanned.begin(), scanned.end(), [&](const hss::Record& record) {
      return replay.answers(hss::finding_request(hss::endpoint_for(kind), record, options, 0, hss::k_page_size));
    });
    if (needed || held) read.kinds.push_back(kind);
  }
  if (!fetch.wants_cves) return read;
  read.wants_cves = [&replay, &plan, &fetch, options](const hss::FindingRecord& finding) {
    if (plan.wants_cves && plan.wants_cves(finding)) return true;
    auto vul_id = finding.text("vul_id").value_or("");
    return fetch.wants_cves(finding) && replay.answers(hss::cve_request(vul_id, options, 0, hss::k_page_size));
  };
  return read;
}

// Every list a replay could not read to its end is a defect of the file: exit 2, naming the
// image and the list, never a verdict on part of it.
void check_read_completely(const hss::RunFindings& findings, const hss::ReplayingTransport& replay,
                           const std::vector<hss::Record>& scanned, const hss::FindingOptions& options,
                           const std::string& path) {
  for (const auto& [image_id, found] : findings.images) {
    for (const auto& [kind, message] : found.errors) throw UsageError(fmt::format("--from-file {}: {}", path, message));
  }
  for (const auto& [vul_id, message] : findings.cve_errors) {
    std::string image = image_with_vulnerability(findings, scanned, vul_id);
    if (!replay.answers(hss::cve_request(vul_id, options, 0, hss::k_page_size))) {
      throw UsageError(fmt::format("--from-file {}: the bundle has no CVEs of vulnerability {} of {}, which the policy "
                                   "needs: it cannot answer this policy",
                                   path, vul_id, image));
    }
    throw UsageError(fmt::format("--from-file {}: {} (of {})", path, message, image));
  }
}

bool compares(const config::Config& config) {
  return std::any_of(config.images.begin(), config.images.end(),
                     [](const config::ImageSpec& image) { return image.compare_with.has_value(); });
}

// Sets each image's comparison on its lookup; an image found that is its own comparison is exit 2.
void attach(Evidence& evidence, Comparisons comparisons, const config::Config& config) {
  for (std::size_t i = 0; i < evidence.lookups.size() && i < comparisons.size(); ++i) {
    evidence.lookups[i].comparison = std::move(comparisons[i]);
  }
  check_comparisons(evidence.lookups, config);
}

Evidence replay_saved_run(const config::Config& config, const policy::Policy& effective, const hss::FindingPlan& plan,
                          const hss::FindingPlan& fetch, const hss::FindingPlan& compared, Clock& clock,
                          const hss::Progress& say) {
  const std::string& path = *config.from_file;
  say(fmt::format("reading the saved HSS response {}", path));
  hss::Bundle bundle = hss::read_bundle_file(path);
  hss::ReplayingTransport replay(bundle);
  std::optional<hss::RecordingTransport> recorder;
  if (config.save_bundle) recorder.emplace(replay);
  hss::Transport& transport = recorder ? static_cast<hss::Transport&>(*recorder) : replay;

  // A plain list response is the answer to the CI/CD list only: an image of another source has
  // nothing in it to be judged by, which is the file's fault, not HSS's.
  if (!bundle.holds_findings()) {
    for (const auto& query : queries_of(config)) {
      const hss::SourceSpec& source = hss::source_spec(query.source);
      if (source.source == hss::Source::cicd) continue;
      throw UsageError(fmt::format("--from-file {}: a plain CI/CD list response cannot answer {}, which is read from "
                                   "{}: save a bundle with --save-bundle instead",
                                   path, hss::describe_query(query), source.list_name));
    }
  }
  Evidence evidence;
  StoppedClock stopped(clock);
  auto list = [&](const hss::Query& query, std::vector<hss::Record>& into) { hss::list_cicd_images(transport, query, into); };
  evidence.lookups = hss::find_images(list, queries_of(config), hss::WaitSettings{}, stopped, say);
  for (const auto& image : evidence.lookups) {
    if (!image.error) continue;
    // A plain list response is HSS's answer, read as online; a bundle's defect is the file's.
    if (!bundle.holds_findings()) throw ServiceError(fmt::format("{}: {}", path, *image.error));
    throw UsageError(fmt::format("--from-file {}: {} for {} cannot be replayed: {}", path,
                                 hss::source_spec(image.lookup.query.source).list_name,
                                 hss::describe_query(image.lookup.query), *image.error));
  }
  std::vector<hss::Record> scanned = scanned_records(evidence.lookups);
  hss::FindingOptions options = finding_options(config, effective);
  check_answers_plan(bundle, replay, scanned, plan, options, path);
  hss::FindingPlan read = replay_plan(replay, scanned, plan, fetch, options);
  if (bundle.holds_findings() && !read.empty() && !scanned.empty()) {
    evidence.findings = hss::fetch_findings(transport, scanned, read, options);
    check_read_completely(evidence.findings, replay, scanned, options, path);
  }
  if (!config.compare_with_file && compares(config)) {
    attach(evidence,
           read_comparisons(transport, config, compared, options, stopped, fmt::format("the saved response {}", path)),
           config);
  }
  evidence.findings.fetched_at = bundle.fetched_at;
  evidence.replayed_bundle = bundle.holds_findings();
  if (recorder) evidence.exchanges = recorder->exchanges();
  return evidence;
}

} // namespace

// The rules' plan plus the lists the requested reports need (every vulnerability's CVEs for
// GitLab's report); the reports' lists also go into each image's inventory.
hss::FindingPlan with_report_needs(const hss::FindingPlan& plan, const config::Config& config, policy::Context& context) {
  report::ReportNeeds needs = report::report_needs(report::ReportPaths(config.reports.begin(), config.reports.end()));
  hss::FindingPlan fetch = plan;
  for (auto kind : needs.kinds) {
    if (std::find(fetch.kinds.begin(), fetch.kinds.end(), kind) == fetch.kinds.end()) fetch.kinds.push_back(kind);
  }
  std::sort(fetch.kinds.begin(), fetch.kinds.end());
  if (needs.cves) fetch.wants_cves = [](const hss::FindingRecord&) { return true; };
  context.inventory = needs.kinds;
  return fetch;
}

std::optional<std::string> missing_region(const std::vector<hss::FindingKind>& kinds, const config::Config& config) {
  if (config.from_file || !config.transport) return std::nullopt; // a replay sends nothing
  auto missing = hss::kinds_missing_region(kinds, config.region);
  if (missing.empty()) return std::nullopt;
  std::vector<std::string> apis;
  for (auto kind : missing) apis.push_back(fmt::format("{} ({})", hss::name_of(kind), hss::endpoint_for(kind).operation));
  return fmt::format("--region (or HSS_GATE_REGION): required, since the policy or the reports need the {} list, whose "
                     "API requires the region as a request header, and the endpoint host {} names no region (only "
                     "hss.REGION.myhuaweicloud.com does): pass --region with the project's region, e.g. ap-southeast-1",
                     fmt::join(apis, ", "), config.transport->endpoint.host);
}

std::optional<std::string> refused_image_type(const std::vector<hss::FindingKind>& kinds, const config::Config& config) {
  for (const auto& query : queries_of(config)) {
    if (!query.image_type) continue; // CI/CD images, and registry images of the default private_image
    auto refusing = hss::kinds_refusing_image_type(kinds, *query.image_type);
    if (refusing.empty()) continue;
    std::vector<std::string> apis;
    for (auto kind : refusing) apis.push_back(fmt::format("{} ({})", hss::name_of(kind), hss::endpoint_for(kind).operation));
    return fmt::format("{}: HSS's API for the {} list does not take {} images, and the policy's rules or the reports "
                       "need it: gate this image with a policy and reports that do not need that list",
                       hss::describe_query(query), fmt::join(apis, ", "), *query.image_type);
  }
  return std::nullopt;
}

// `plan` is what the rules need (a saved file must answer it); `fetch` adds what reports need.
Evidence gather_evidence(const config::Config& config, const policy::Policy& effective, const hss::FindingPlan& plan,
                         const hss::FindingPlan& fetch, const hss::FindingPlan& compared, Clock& clock,
                         const hss::Progress& say, std::shared_ptr<hss::RunRetryBudget> retry_budget) {
  // Before anything is sent or read: a list that cannot be asked for is a setting to fix, not a
  // skipped report or a failure at run time.
  if (auto problem = refused_image_type(fetch.kinds, config)) throw UsageError(*problem);
  // A comparison bundle is read first: it needs no network, and a bad one is exit 2 before any request.
  std::optional<Comparisons> from_bundle;
  if (config.compare_with_file) {
    from_bundle = read_compared_bundle(config, compared, finding_options(config, effective), clock);
  }
  if (config.from_file) {
    Evidence evidence = replay_saved_run(config, effective, plan, fetch, compared, clock, say);
    if (from_bundle) attach(evidence, std::move(*from_bundle), config);
    return evidence;
  }
  if (auto problem = missing_region(fetch.kinds, config)) throw UsageError(*problem);
  hss::WaitSettings wait;
  if (effective.scan.wait) wait.wait = effective.scan.wait->value;
  if (effective.scan.poll_interval) wait.poll_interval = effective.scan.poll_interval->value;
  if (config.default_wait && !effective.scan.wait) wait.wait = *config.default_wait;
  if (config.wait) wait.wait = *config.wait;
  if (config.poll_interval) wait.poll_interval = *config.poll_interval;
  if (config.transport->insecure) std::cerr << "hss-gate: warning: --insecure: TLS certificates are NOT verified\n";
  auto http = hss::make_http_transport(*config.transport, clock, std::move(retry_budget));
  std::optional<hss::RecordingTransport> recorder;
  if (config.save_bundle) recorder.emplace(*http);
  hss::Transport& transport = recorder ? static_cast<hss::Transport&>(*recorder) : *http;
  Evidence evidence;
  say(fmt::format("looking up {} in HSS at {}", images_text(config), config.transport->endpoint.str()));
  auto list = [&](const hss::Query& query, std::vector<hss::Record>& into) {
    hss::list_cicd_images(transport, query, into);
  };
  hss::TriggerScan trigger;
  std::optional<hss::ScanTrigger> scan_trigger;
  if (config.trigger_scan) {
    scan_trigger.emplace(transport, clock, hss::TaskOptions{config.region, config.enterprise_project_id}, say);
    trigger = std::ref(*scan_trigger);
  }
  // The versions compared with are read alongside the images' lookup and findings, never waited
  // for: a comparison adds no round trip to the verdict.
  std::future<Comparisons> comparisons;
  if (!from_bundle && compares(config)) {
    comparisons = std::async(std::launch::async, [&] {
      return read_comparisons(transport, config, compared, finding_options(config, effective), clock, "HSS");
    });
  }
  evidence.lookups = hss::find_images(list, queries_of(config), wait, clock, say, trigger);
  std::vector<hss::Record> scanned = scanned_records(evidence.lookups);
  if (!fetch.empty() && !scanned.empty()) {
    say(fmt::format("reading the {} of {} image{}", kind_names(fetch.kinds), scanned.size(),
                    scanned.size() == 1 ? "" : "s"));
    evidence.findings = hss::fetch_findings(transport, scanned, fetch, finding_options(config, effective));
  }
  if (comparisons.valid()) attach(evidence, comparisons.get(), config);
  if (from_bundle) attach(evidence, std::move(*from_bundle), config);
  evidence.findings.fetched_at = units::format_date_time(std::chrono::floor<std::chrono::seconds>(clock.wall_now()));
  if (recorder) evidence.exchanges = recorder->exchanges();
  return evidence;
}

void save_bundle(const Evidence& evidence, const std::string& path, const std::vector<hss::SavedPolicyBase>& policy_bases) {
  std::vector<hss::Record> records;
  for (const auto& image : evidence.lookups) {
    records.insert(records.end(), image.lookup.records.begin(), image.lookup.records.end());
    records.insert(records.end(), image.lookup.stale_digest.begin(), image.lookup.stale_digest.end());
  }
  report::write_file_atomically(path,
                                hss::bundle_json(evidence.exchanges, records, evidence.findings.fetched_at, policy_bases));
}

} // namespace gate
