#include "gate/evidence.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/report/report.hpp"
#include "gate/report/report_file.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

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

// The records whose scan succeeded: the only ones whose findings are asked for.
std::vector<hss::Record> scanned_records(const std::vector<hss::ImageLookup>& lookups) {
  std::vector<hss::Record> records;
  for (const auto& image : lookups) {
    for (const auto& record : image.lookup.records) {
      if (hss::scan_state_of(record.scan_status) == hss::ScanState::success) records.push_back(record);
    }
  }
  return records;
}

std::string kind_names(const std::vector<hss::FindingKind>& kinds) {
  std::vector<std::string_view> names;
  for (auto kind : kinds) names.push_back(hss::name_of(kind));
  return fmt::format("{}", fmt::join(names, ", "));
}

// A saved file must answer everything the policy asks: a list it lacks is not an empty list.
void check_replayable(const hss::SavedRun& run, const std::vector<hss::ImageLookup>& lookups,
                      const hss::FindingPlan& plan, const std::string& path) {
  if (plan.empty()) return;
  if (!run.bundle) {
    throw UsageError(fmt::format("--from-file {}: a plain list response holds no findings, but the policy's rules "
                                 "need {}: save a bundle with --save-bundle and replay that",
                                 path, kind_names(plan.kinds)));
  }
  for (const auto& record : scanned_records(lookups)) {
    auto found = run.findings.images.find(record.image_id);
    for (auto kind : plan.kinds) {
      const auto* list = found == run.findings.images.end() ? nullptr : found->second.list(kind);
      if (!list) {
        throw UsageError(fmt::format("--from-file {}: the bundle has no {} list for {}, which the policy needs: it "
                                     "cannot answer this policy",
                                     path, hss::name_of(kind), hss::describe_record(record)));
      }
      if (!kind.spec().cves || !plan.wants_cves) continue;
      for (const auto& finding : *list) {
        auto vul_id = finding.text(kind.spec().cves->key_member).value_or("");
        if (plan.wants_cves(finding) && !run.findings.cves.count(vul_id)) {
          throw UsageError(fmt::format("--from-file {}: the bundle has no CVEs of vulnerability {} of {}, which the "
                                       "policy needs: it cannot answer this policy",
                                       path, vul_id, hss::describe_record(record)));
        }
      }
    }
  }
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

// `plan` is what the rules need (a saved file must answer it); `fetch` adds what reports need.
Evidence gather_evidence(const config::Config& config, const policy::Policy& effective, const hss::FindingPlan& plan,
                 const hss::FindingPlan& fetch, Clock& clock, const hss::Progress& say) {
  std::vector<hss::Query> queries = queries_of(config);
  Evidence evidence;
  if (config.from_file) {
    say(fmt::format("reading the saved HSS response {}", *config.from_file));
    hss::SavedRun run = hss::read_saved_run(*config.from_file, config.save_bundle.has_value());
    for (const auto& query : queries) evidence.lookups.push_back({hss::select_matches(query, run.records), {}});
    check_replayable(run, evidence.lookups, plan, *config.from_file);
    evidence.findings = std::move(run.findings);
    evidence.replayed_bundle = run.bundle;
    return evidence;
  }
  hss::WaitSettings wait;
  if (effective.scan.wait) wait.wait = effective.scan.wait->value;
  if (effective.scan.poll_interval) wait.poll_interval = effective.scan.poll_interval->value;
  if (config.default_wait && !effective.scan.wait) wait.wait = *config.default_wait;
  if (config.wait) wait.wait = *config.wait;
  if (config.poll_interval) wait.poll_interval = *config.poll_interval;
  if (config.transport->insecure) std::cerr << "hss-gate: warning: --insecure: TLS certificates are NOT verified\n";
  auto transport = hss::make_http_transport(*config.transport, clock);
  say(fmt::format("looking up {} in HSS at {}", images_text(config), config.transport->endpoint.str()));
  auto list = [&](const hss::Query& query, std::vector<hss::Record>& into) {
    hss::list_cicd_images(*transport, query, into, config.save_bundle.has_value());
  };
  evidence.lookups = hss::find_images(list, queries, wait, clock, say);
  std::vector<hss::Record> scanned = scanned_records(evidence.lookups);
  if (!fetch.empty() && !scanned.empty()) {
    say(fmt::format("reading the {} of {} image{}", kind_names(fetch.kinds), scanned.size(),
                    scanned.size() == 1 ? "" : "s"));
    hss::FindingOptions options{effective.findings.include_handled.value, config.region, config.enterprise_project_id,
                                config.save_bundle.has_value()};
    evidence.findings = hss::fetch_findings(*transport, scanned, fetch, options);
  }
  evidence.findings.fetched_at = units::format_date_time(std::chrono::floor<std::chrono::seconds>(clock.wall_now()));
  return evidence;
}

void save_bundle(const Evidence& evidence, const std::string& path) {
  std::vector<hss::Record> records;
  for (const auto& image : evidence.lookups) {
    records.insert(records.end(), image.lookup.records.begin(), image.lookup.records.end());
    records.insert(records.end(), image.lookup.stale_digest.begin(), image.lookup.stale_digest.end());
  }
  report::write_file_atomically(path, hss::bundle_json(records, evidence.findings));
}

} // namespace gate
