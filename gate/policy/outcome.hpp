#pragma once

#include "gate/hss/finding_kind.hpp"
#include "gate/hss/record.hpp"
#include "gate/policy/model.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

// The verdict of a run as plain data: every report renders it, and the exit code is derived from
// it. Nothing here knows HSS's wire format or any report's format.
namespace gate::policy {

enum class RuleStatus { pass, fail, warn, excepted, not_applicable };
std::string_view name_of(RuleStatus status);

// Per image and for the whole run, ordered so that the decision that wins compares greater:
// a block outranks a missing verdict, which outranks a service error, then a warning.
enum class Decision { pass, warn, error, no_verdict, fail };
std::string_view name_of(Decision decision);

// How a result came to be waived: not at all, by an exception on the whole rule, by waivers of
// some of its findings (the rule is within `max` only thanks to them): exceptions, or exceptions
// and VEX statements together (`findings`), or VEX statements alone (`vex`).
enum class WaivedBy { none, rule, findings, vex };
std::string_view name_of(WaivedBy waived_by);

// What a waiver is: an [[exceptions]] entry of the policy, or a VEX statement of a --vex document.
enum class WaiverKind { exception, vex };
std::string_view name_of(WaiverKind kind);

// What waived a failure.
struct Waiver {
  WaiverKind kind = WaiverKind::exception;
  std::string reason;  // the exception's reason; the VEX statement's justification
  std::string owner;   // the exception's owner; the VEX document's author
  std::string expires; // ISO date-time; empty for a VEX statement, which does not expire
  std::string source;  // file:line of the exception; the VEX document's path
  // A VEX waiver: the document's format, the statements' status and the vulnerability ids that
  // covered the finding (its vul_id, or every CVE of it that counted).
  std::string format;
  std::string status;
  std::vector<std::string> vulnerabilities;
};

// One finding that a findings rule matched.
struct FindingResult {
  std::string kind;
  std::string id;       // what people read, e.g. the vul_id
  std::string key;      // unique within an image, the same from one image version to the next
  std::string severity; // on the ladder info..critical; empty when unknown
  bool waived = false;
  std::optional<Waiver> waiver;
  bool unknown = false; // matched only because an ordered value was missing
  // Against the image compared with: absent there (true), present (false); nullopt when the run
  // compares this kind with nothing. Unavailable evidence makes every finding new.
  std::optional<bool> is_new;
  struct Attribute {
    std::string name;
    std::vector<std::string> values; // several for cve_id; empty when the finding lacks it
    bool list = false;               // reports show it as a list even with one value
    hss::FindingRole role = hss::FindingRole::none;
  };
  std::vector<Attribute> attributes;      // the kind's attributes, in its spec's order
  std::vector<std::string> console_shown; // the attributes the console shows after the id

  // nullptr when the finding's kind has no such attribute (or no attribute in that role).
  const Attribute* attribute(std::string_view name) const;
  const Attribute* attribute(hss::FindingRole role) const;
  // The first value of the attribute in that role; empty when it has none.
  std::string first_value(hss::FindingRole role) const;
};

struct RuleResult {
  std::string rule;
  std::string field;
  RuleStatus status = RuleStatus::pass;
  Value actual;
  Value limit;
  std::string op;      // "max", "min", "in", ...
  Level level = Level::fail;
  std::string message; // the policy's remediation text or the engine's explanation
  std::string detail;  // one line on why the status is what it is
  std::optional<Waiver> waiver;
  WaivedBy waived_by = WaivedBy::none; // set exactly when status is excepted
  std::string source;  // file:line:column of the rule, or the file of a [scan] setting
  // A findings rule: the kind it counts, every finding it matched, and a ready `finding = {...}`
  // waiver for the first one not waived, with how many other findings of the image it waives too
  // because no attribute tells them apart from that one.
  std::optional<std::string> findings_kind;
  std::vector<FindingResult> findings;
  std::string finding_waiver_hint;
  std::size_t finding_waiver_twins = 0;
  // A failing result: the members of an [[exceptions]] entry that waives exactly it (with
  // finding_waiver_hint for a findings rule), one TOML line each, without expires and reason.
  std::vector<std::string> exception_hint;
  // A scan-status result without a verdict (missing image, unfinished or failed scan): what to
  // check, a lead line then one line per likely cause. Such a result never gets exception_hint.
  std::vector<std::string> hint;
};

// What the dashboards list of an image besides rule results, read only when a report asks:
// every finding of each kind asked for (vulnerabilities with their CVEs), and the operating
// system that a kind used for it names.
struct Inventory {
  std::map<hss::FindingKind, std::vector<FindingResult>> lists; // the kinds read, each under its own
  std::optional<std::string> operating_system; // "Debian 12"; nullopt when unknown
  // Lists a report needed that could not be read, by kind (a CVE list under the kind whose
  // sub-list it is), so that each report fails only for the lists it uses.
  std::vector<std::pair<hss::FindingKind, std::string>> errors;

  // Every finding of the kinds the dashboards use as `use` (e.g. &DashboardUse::components),
  // in kind order; nullopt when no such list was read.
  std::optional<std::vector<const FindingResult*>> used_as(bool hss::DashboardUse::*use) const;
  // Why the lists of the kinds used as any of `uses` could not be read, each message once.
  std::vector<std::string> errors_for(std::initializer_list<bool hss::DashboardUse::*> uses) const;
};

// The image an image was compared with, as reports name it.
struct ComparedWith {
  hss::Query query;                       // its names
  std::string from;                       // "HSS" or "the bundle FILE"
  std::optional<std::string> image_digest; // as HSS gives it, when it was found
  std::optional<std::string> unavailable; // why it could not be compared with; nullopt when it could
};

// One image of the run: what was asked for, what was found, and what the policy made of it.
struct ImageResult {
  hss::Query query;
  std::optional<std::string> dockerfile; // where it is built from, for dashboards' locations
  std::optional<hss::Record> record; // nullopt: HSS holds no such image, or could not be read
  Decision decision = Decision::pass;
  std::vector<RuleResult> results;
  std::vector<std::string> errors; // why the image could not be judged (decision error)
  Inventory inventory;
  std::vector<hss::Trigger> triggers; // what the gate asked HSS to do for the image (--trigger-scan)
  std::optional<ComparedWith> compared_with; // --compare-with, --compare-with-file
  // The policy's rules ran on a finished scan of the expected image: never set for an image
  // that [scan] on_missing, on_pending or on_failed let through, nor for an older scan or digest.
  bool rules_ran = false;

  // "team/web:1.0 (cicd_name shop)" for a found image, the query's names otherwise.
  std::string label() const;
  // The same without version or digest, "team/web (cicd_name shop)": what stays the same from
  // one build of the image to the next, for test identities and fingerprints.
  std::string stable_label() const;
  // How the JUnit suite names the image: the stable label, with the tag for a registry image.
  std::string suite_label() const;
  // "team/web": the record's (else the query's) namespace and image name, the cicd_name when
  // it has no image name.
  std::string image_path() const;
  // True when the policy judged a found image: its scan succeeded and HSS could be read.
  // Dashboards list only such images, since they close what an upload leaves out.
  bool evaluated() const;
};

// A rule of the policy as dashboards describe it.
struct RuleInfo {
  std::string id;
  std::string description; // "vul_num max 50", "vulnerabilities where severity >= high, max 0"
  std::string message;     // the policy's remediation text
  Level level = Level::fail;
};

struct Outcome {
  Decision decision = Decision::pass;
  std::vector<RuleInfo> rules; // built-in rules first, then the policy's, in order
  std::optional<TimePoint> started;  // wall-clock time of the run, for dashboards
  std::optional<TimePoint> finished;
  // --on-error pass let the run through although HSS could not be read: exit 0, said loudly.
  bool error_ignored = false;
  // --warnings-exit: the exit code of a warn decision and of an ignored error instead of 0.
  std::optional<int> warnings_exit;
  std::vector<ImageResult> images;
  std::vector<std::string> warnings;
  // The warnings about exceptions that expired or expire within warn_days (also in `warnings`),
  // which JUnit shows as a test of their own and the CI outputs count.
  std::vector<std::string> expiry_warnings;
  std::vector<std::string> policy_files;
  std::optional<TimePoint> clock_pinned; // HSS_GATE_NOW: the time every age was measured at
  // Files the run had to write and could not (a report, the bundle): a pass or warn is then not
  // a pass (exit 3), and --on-error pass does not excuse it.
  std::vector<std::string> unwritten;

  // The documented process exit code of this outcome: derived from the decision,
  // `error_ignored`, `warnings_exit` and `unwritten`, never set.
  int exit_code() const;
  // The exit code this outcome would have with every file written, for saying when an unwritten
  // file alone withholds a pass.
  int exit_code_if_written() const;
  // Every image's errors, in image order.
  std::vector<std::string> errors() const;
};

// The worst decision of the images; pass when there are none.
Decision combined_decision(const std::vector<ImageResult>& images);

// How many rule results of each status the outcome holds, over every image.
struct StatusCounts {
  int failed = 0;
  int warned = 0;
  int waived = 0;
  int passed = 0;
  int not_applicable = 0;
};
StatusCounts count_statuses(const Outcome& outcome);
StatusCounts count_statuses(const ImageResult& image);

// Every decision, in the order reports list them, and how many images reached each.
inline constexpr std::array k_decisions{Decision::pass, Decision::warn, Decision::fail, Decision::no_verdict,
                                        Decision::error};
std::array<int, k_decisions.size()> count_decisions(const Outcome& outcome);

} // namespace gate::policy
