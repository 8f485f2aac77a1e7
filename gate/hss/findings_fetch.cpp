#include "gate/error.hpp"
#include "gate/hss/findings.hpp"
#include "gate/parallel.hpp"

#include <fmt/format.h>

#include <mutex>
#include <set>

// Reads what a run's findings rules need: every planned list of every image, then the CVEs of the
// vulnerabilities that want them. The transport bounds requests in flight; the threads here only
// keep it busy.
namespace gate::hss {

RunFindings fetch_findings(Transport& transport, const std::vector<Record>& images, const FindingPlan& plan,
                           const FindingOptions& options) {
  RunFindings run;
  if (plan.empty()) return run;
  struct Task {
    const Record* image;
    FindingKind kind;
    std::vector<FindingRecord> records;
    std::optional<std::string> error;
  };
  std::vector<Task> tasks;
  std::set<std::string> seen;
  for (const auto& image : images) {
    if (!seen.insert(image.image_id).second) continue; // the same image found by two specs: read once
    for (auto kind : plan.kinds) tasks.push_back({&image, kind, {}, std::nullopt});
  }
  for_each_in_parallel(tasks.size(), k_parallel_finding_requests, [&](std::size_t i) {
    Task& task = tasks[i];
    try {
      list_findings(transport, endpoint_for(task.kind), *task.image, options, task.records);
    } catch (const ServiceError& e) {
      task.error = fmt::format("the {} of {} could not be read: {}", name_of(task.kind), describe_record(*task.image),
                               e.what());
    }
  });
  for (auto& task : tasks) {
    ImageFindings& found = run.images[task.image->image_id];
    if (task.error) found.errors.emplace_back(task.kind, *task.error);
    found.lists.emplace_back(task.kind, std::move(task.records));
  }

  if (!plan.wants_cves) return run;
  std::vector<std::string> vul_ids;
  std::set<std::string> distinct;
  for (const auto& [image_id, found] : run.images) {
    for (const auto& [kind, list] : found.lists) {
      if (!kind.spec().cves) continue;
      for (const auto& record : list) {
        auto vul_id = record.text(kind.spec().cves->key_member);
        if (!vul_id || vul_id->empty() || !plan.wants_cves(record)) continue;
        if (distinct.insert(*vul_id).second) vul_ids.push_back(*vul_id);
      }
    }
  }
  std::vector<std::vector<FindingRecord>> cves(vul_ids.size());
  std::vector<std::optional<std::string>> errors(vul_ids.size());
  for_each_in_parallel(vul_ids.size(), k_parallel_finding_requests, [&](std::size_t i) {
    try {
      cves[i] = list_cves(transport, vul_ids[i], options);
    } catch (const ServiceError& e) {
      errors[i] = fmt::format("the CVEs of vulnerability {} could not be read: {}", vul_ids[i], e.what());
    }
  });
  for (std::size_t i = 0; i < vul_ids.size(); ++i) {
    if (errors[i]) {
      run.cve_errors.emplace(vul_ids[i], *errors[i]);
    } else {
      run.cves.emplace(vul_ids[i], std::move(cves[i]));
    }
  }
  return run;
}

} // namespace gate::hss
