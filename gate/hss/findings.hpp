#pragma once

#include "gate/hss/finding_kind.hpp"
#include "gate/hss/paging.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/transport.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// HSS's per-image finding lists (findings.md in the API notes): one endpoint per kind, each in
// its own file under findings/, read through one parser and one paging helper.
namespace gate::hss {

// A member of a finding record as HSS sent it; std::monostate when absent or null.
using FieldValue = std::variant<std::monostate, std::int64_t, double, std::string>;

enum class FieldType { text, integer, number };

struct FieldSpec {
  std::string_view name;
  FieldType type;
};

struct FindingRecord {
  std::vector<std::pair<std::string_view, FieldValue>> fields; // in the endpoint's field order
  const FieldValue& field(std::string_view name) const;        // std::monostate when absent
  std::optional<std::string> text(std::string_view name) const;
};

// The finding lists one image's rules need, as far as they were read.
struct ImageFindings {
  std::vector<std::pair<FindingKind, std::vector<FindingRecord>>> lists; // the kinds fetched; partial on error
  std::vector<std::pair<FindingKind, std::string>> errors;               // lists not read to the end, and why
  const std::vector<FindingRecord>* list(FindingKind kind) const;
  const std::string* error(FindingKind kind) const;
};

// Every finding a run read: per image (by image_id), and the CVEs per vul_id, shared by all.
struct RunFindings {
  std::map<std::string, ImageFindings> images;
  std::map<std::string, std::vector<FindingRecord>> cves;
  std::map<std::string, std::string> cve_errors; // vul_id -> why its CVEs could not be read
  std::string fetched_at;                        // ISO time of the last response; empty when none
};

// Which lists a run needs, as the policy says: the kinds, and which vulnerabilities need their
// CVEs (no function: none do).
struct FindingPlan {
  std::vector<FindingKind> kinds;
  std::function<bool(const FindingRecord&)> wants_cves;
  bool empty() const { return kinds.empty(); }
};

// One per-image finding API: its path, its parameters for an image, and the members it reads.
struct FindingEndpoint {
  FindingKind kind;
  std::string_view path;                   // with {project_id} and {image_id}
  std::span<const FieldSpec> fields;       // read and checked; anything else is ignored
  std::span<const std::string_view> never_read; // members that may hold secrets: dropped at once
  bool handled_filter = false;             // takes handle_status=unhandled unless handled ones are wanted
  bool region_header = false;              // takes the region as a request header
  Pairs (*parameters)(const Record& image); // the filters that name the image
  std::string_view operation;              // the API's name, as IAM permissions name it
};

const FindingEndpoint& endpoint_for(FindingKind kind);

// Finding requests in flight at once, for one list and for the whole run.
inline constexpr std::size_t k_parallel_finding_requests = 8;

// Where and how a run asks for findings.
struct FindingOptions {
  bool include_handled = false;
  std::optional<std::string> region;
  std::optional<std::string> enterprise_project_id;
};

// The request for one page of one image's list.
Request finding_request(const FindingEndpoint& endpoint, const Record& image, const FindingOptions& options,
                        std::int64_t offset, int limit);

// Parses one page; throws ServiceError naming the member at fault.
Page<FindingRecord> parse_finding_page(const FindingEndpoint& endpoint, std::string_view body);

// Appends every finding of one kind for one image: the first page, then the pages total_num
// promises fetched in parallel (a hint only), then on in offset order until a short page. When it
// throws, `into` holds the pages read in order before the failure.
void list_findings(Transport& transport, const FindingEndpoint& endpoint, const Record& image,
                   const FindingOptions& options, std::vector<FindingRecord>& into);

// Every list the plan names for each image, and the CVEs of the vulnerabilities it wants them
// for, once per vul_id: at most k_parallel_finding_requests requests in flight. A list that fails
// is recorded in the image's errors with what was read before; Interrupted propagates.
RunFindings fetch_findings(Transport& transport, const std::vector<Record>& images, const FindingPlan& plan,
                           const FindingOptions& options);

// The CVEs of one vulnerability (ListVulnerabilityCve): cve_id, cvss_score, publish_time, description.
const FindingEndpoint& cve_endpoint();
std::vector<FindingRecord> list_cves(Transport& transport, const std::string& vul_id, const FindingOptions& options);
// The request for one page of a vulnerability's CVEs.
Request cve_request(const std::string& vul_id, const FindingOptions& options, std::int64_t offset, int limit);

} // namespace gate::hss
