#pragma once

#include "gate/hss/lookup.hpp"
#include "gate/hss/paging.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/transport.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gate {
class Clock;
}

// Getting a registry image scanned on demand (--trigger-scan, registry-images.md section 2):
// ListRegistry finds the registry that holds an image, CreateImageSynchronizeTask has HSS list
// a fresh push, CreateManualImageScanTask scans exactly one listed image, and
// ListImageScanTask shows the tasks (for `doctor`). Neither task API returns a task id: the
// gate learns the outcome from the image's record, polled as for any pending scan.
namespace gate::hss {

inline constexpr std::string_view k_registries_operation = "ListRegistry";
inline constexpr std::string_view k_registries_path = "/v5/{project_id}/image/registries";
inline constexpr std::string_view k_sync_task_operation = "CreateImageSynchronizeTask";
inline constexpr std::string_view k_sync_task_path = "/v5/{project_id}/image/image-sync/tasks";
inline constexpr std::string_view k_scan_task_operation = "CreateManualImageScanTask";
inline constexpr std::string_view k_scan_task_path = "/v5/{project_id}/image/image-scan/tasks";
inline constexpr std::string_view k_scan_tasks_operation = "ListImageScanTask";
inline constexpr std::string_view k_scan_tasks_path = "/v5/{project_id}/image/tasks";

// Where a task is asked: the region header both task APIs take, and the enterprise project.
struct TaskOptions {
  std::optional<std::string> region;
  std::optional<std::string> enterprise_project_id;
};

// One RegistryInfo record of ListRegistry.
struct RegistryInfo {
  std::string id;
  std::string name;
  std::string type; // SwrPrivate, SwrShared, SwrEnterprise, Harbor, Jfrog, Other
};

Page<RegistryInfo> parse_registries_page(std::string_view body);
// One page of the registries of a registry_type (every type when nullopt).
Request registries_request(const std::optional<std::string>& registry_type, const TaskOptions& options,
                           std::int64_t offset, int limit);
std::vector<RegistryInfo> list_registries(Transport& transport, const std::optional<std::string>& registry_type,
                                          const TaskOptions& options);

// One ImageScanTaskInfo record of ListImageScanTask.
struct ScanTask {
  std::string task_id;
  std::optional<std::int64_t> task_status; // 100 done, 0-99 progress, -1 stopped, -2 timed out, -3 error
};

// One page of the manual scan tasks of registry images (read only).
Request scan_tasks_request(const TaskOptions& options, std::int64_t offset, int limit);
Page<ScanTask> parse_scan_tasks_page(std::string_view body);

// The POST that syncs exactly these registries' image lists.
Request sync_task_request(const std::vector<RegistryInfo>& registries, const TaskOptions& options);
// The POST that scans exactly this listed image, named by its record's identifiers.
Request scan_task_request(const Record& image, const TaskOptions& options);

// --trigger-scan over a run's lookup: after each poll, for each registry image that is not
// final, asks HSS for a sync (the image is not listed, or listed with another digest) or a scan
// (listed but never scanned, or changed after its last scan), each at most once per image in a
// run, and notes what it asked in the lookup. A refusal, a failure or an image HSS cannot scan
// is the lookup's no_verdict. Throws only Interrupted.
class ScanTrigger {
public:
  ScanTrigger(Transport& transport, Clock& clock, TaskOptions options, Progress say);
  void operator()(Lookup& lookup);

private:
  void sync(Lookup& lookup);
  void scan(Lookup& lookup, const Record& record);
  std::string now_text() const;

  Transport& m_transport;
  Clock& m_clock;
  TaskOptions m_options;
  Progress m_say;
  std::set<std::string> m_asked;          // "operation image": what each image was asked once
  std::set<std::string> m_synced;         // registry ids synced in this run
};

} // namespace gate::hss
