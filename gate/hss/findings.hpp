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

// Whether an API takes the region as a request header (findings.md: the base-image API's Go
// model requires it; other APIs are not documented to take one).
enum class RegionHeader { none, required };

// One finding API: its path, its parameters for an image, and the members it reads.
struct FindingEndpoint {
  FindingKind kind;
  std::string_view path;                   // with {project_id} and {image_id} (or the sub-list's key)
  std::span<const FieldSpec> fields;       // read and checked; anything else is ignored
  std::span<const std::string_view> never_read; // members that may hold secrets: dropped at once
  bool handled_filter = false;             // takes handle_status=unhandled unless handled ones are wanted
  RegionHeader region_header = RegionHeader::none; // sent whenever the region is known
  Pairs (*parameters)(const Record& image); // the filters that name the image
  std::string_view operation;              // the API's name, as IAM permissions name it
  std::span<const std::string_view> refused_image_types = {}; // registry image types the API does not take
};

// How an attribute is read from a finding: the member of its name, or a value derived from it.
enum class AttributeSource {
  member,   // the record member of the attribute's name, as HSS sent it
  severity, // the kind's severity mapped onto the ladder
  cve_ids,  // every cve_id of the CVE sub-list
  cvss_max, // the highest cvss_score of the CVE sub-list
};

// Whether and how an attribute is ordered, for min/max conditions.
enum class AttributeOrder { none, number, severity };

// One attribute a findings rule may test and reports show, in the order reports list them.
struct AttributeSpec {
  std::string_view name;
  AttributeOrder order = AttributeOrder::none;
  AttributeSource source = AttributeSource::member;
  FindingRole role = FindingRole::none;
};

// A kind's own severity vocabulary, case-insensitively, onto the ladder info..critical.
struct SeverityWord {
  std::string_view word;
  std::string_view ladder; // "high"
};
struct SeverityRule {
  std::string_view member;              // empty: the kind has no severity member
  std::span<const SeverityWord> words;  // empty: the member holds ladder names themselves
  std::string_view always;              // every finding's severity when the kind has no member
};

// What people read as a finding's id: the first member with a value, or, with a joiner, every
// member joined ("openssl@3.0").
struct IdRule {
  std::span<const std::string_view> members;
  std::string_view joiner;
};

// A sub-list fetched per finding (a vulnerability's CVEs), keyed by one member of the finding.
struct SubList {
  const FindingEndpoint* endpoint;
  std::string_view key_member; // the finding's member that names it in the path, e.g. vul_id
};

// Everything hss-gate knows of one finding kind: defined once, in hss/findings/<kind>.cpp,
// and looked up by name through the registry by every stage.
// How VEX statements name a finding of the kind: the attributes holding its vulnerability id,
// the ids it also goes by (CVEs), and the package and version a statement may be limited to.
struct VexNames {
  std::string_view vulnerability;
  std::string_view aliases;
  std::string_view package;
  std::string_view package_version;
};

struct FindingKindSpec {
  std::string_view name;       // as policies write it: findings = "vulnerabilities"
  int position;                // where policies and reports list it among the kinds
  FindingEndpoint endpoint;
  std::span<const AttributeSpec> attributes;
  SeverityRule severity;
  std::span<const std::string_view> key_members; // tell one finding from another, across image versions
  // What makes a finding the same one in another version of the image, for `new_only` rules:
  // present in both decides. Empty: the kind has none, and its rules cannot be `new_only`.
  std::span<const std::string_view> identity;
  IdRule id;
  std::optional<SubList> cves;                   // the CVE sub-list, when the kind has one
  std::span<const std::string_view> console;     // attributes the console shows after the id
  DashboardUse dashboards;
  std::optional<VexNames> vex = std::nullopt; // nullopt: VEX statements waive none of its findings
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

// The kinds among `kinds` whose API requires the region header, when `region` is unknown:
// such a run cannot read them, which is a configuration error before anything is sent.
std::vector<FindingKind> kinds_missing_region(std::span<const FindingKind> kinds, const std::optional<std::string>& region);

// What makes the finding the same one in another version of the image: the values of its kind's
// identity members, each length-prefixed so that no two lists of values join alike; nullopt when
// the kind has no identity or the finding lacks one of them (then it is always new).
std::optional<std::string> identity_of(FindingKind kind, const FindingRecord& finding);

// The kinds among `kinds` whose API does not take images of `image_type` (a registry type).
std::vector<FindingKind> kinds_refusing_image_type(std::span<const FindingKind> kinds, std::string_view image_type);

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
// The member of a finding that names its CVE sub-list (vul_id).
std::string_view cve_key_member();
std::vector<FindingRecord> list_cves(Transport& transport, const std::string& vul_id, const FindingOptions& options);
// The request for one page of a vulnerability's CVEs.
Request cve_request(const std::string& vul_id, const FindingOptions& options, std::int64_t offset, int limit);

} // namespace gate::hss
