#pragma once

#include "gate/error.hpp"
#include "gate/hss/finding_kind.hpp"
#include "gate/hss/record.hpp"
#include "gate/policy/outcome.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Renderers of a run's Outcome. They only format: the verdict is decided before they run.
namespace gate::report {

// Where each report of the run goes, by format name: reports that point at others read it.
using ReportPaths = std::map<std::string, std::string, std::less<>>;

inline constexpr std::string_view k_default_dotenv_prefix = "HSS_GATE_RESULT_";

// What renderers may need besides the outcome.
inline constexpr std::string_view k_default_sarif_location = "Dockerfile";

struct ReportOptions {
  ReportPaths paths;
  std::string dotenv_prefix = std::string(k_default_dotenv_prefix);
  std::string sarif_location = std::string(k_default_sarif_location); // unless an image names its dockerfile
  std::string policy_sha256; // of the effective policy as `policy show` prints it, for the attestation
  mutable std::vector<std::string> warnings; // what a renderer left out, for the console
};

// What a renderer made: the report's text, or why it made none. A report that cannot be made
// from what was read (a list it needs failed) is skipped: no file is written, a warning says
// why, and the verdict stands. Skipping is an answer, not an error.
struct Rendered {
  std::string text;
  std::optional<std::string> skipped; // set: not written, and why
  Rendered(std::string report) : text(std::move(report)) {} // NOLINT: every renderer's text converts
  static Rendered skip(std::string reason) {
    Rendered rendered{std::string()};
    rendered.skipped = std::move(reason);
    return rendered;
  }
};

// One report format: its name gives the flag (--junit), the environment variable
// (HSS_GATE_JUNIT) and the key in ReportPaths. Adding a format is a renderer plus a row in the
// table of formats.cpp; config and app take flags, path checks and writing from the table.
struct ReportFormat {
  std::string_view name;
  std::string_view help;
  Rendered (*render)(const policy::Outcome& outcome, const ReportOptions& options);
  // Whether it lists a kind's findings, by what the kind's spec says dashboards take from it:
  // those lists are fetched for it, whatever the rules say. nullptr: none.
  bool (*needs)(const hss::DashboardUse& use) = nullptr;
  bool needs_cves = false; // and the CVEs of every vulnerability
};

// Every report format, in help order.
std::span<const ReportFormat> report_formats();

// The finding lists the named reports need (the Inventory evaluation fills in), and whether
// they need every vulnerability's CVEs.
struct ReportNeeds {
  std::vector<hss::FindingKind> kinds;
  bool cves = false;
};
ReportNeeds report_needs(const ReportPaths& paths);

// An image as the dashboards (SARIF, GitLab, CycloneDX) list it, and the identity that names it
// in SARIF fingerprints and GitLab vulnerability ids (empty for an image that was not evaluated,
// which lists no finding).
struct DashboardImage {
  const policy::ImageResult* image;
  std::string identity;
};
// The outcome's images in order, an evaluated image that an earlier evaluated one already is (the
// same HSS record, matched by two SPECs or by two queries) left out, so that no finding is listed
// twice. An identity is the image without its version (stable_label: the same from one build to
// the next), unless an earlier image of the run already has it: then it is the image with its
// version, digest and HSS id, so that identities, and the fingerprints and ids built from them,
// are unique in a run.
std::vector<DashboardImage> dashboard_images(const policy::Outcome& outcome);

// SARIF 2.1.0 for GitHub code scanning (docs/reports.md).
std::string render_sarif(const policy::Outcome& outcome, const ReportOptions& options);
// At most this many results in a SARIF run, GitHub's upload limit.
inline constexpr std::size_t k_max_sarif_results = 25000;
// At most this many runs in a SARIF file, GitHub's upload limit: one run per image path.
inline constexpr std::size_t k_max_sarif_runs = 20;
// The run's automationDetails.id of an image, "hss-gate/team/web/": the namespace and image name
// (else the cicd_name) of the record found, else of the query, without the version, so that
// alerts close from one release to the next; images that share it share a run.
std::string sarif_category(const hss::Query& query, const std::optional<hss::Record>& record = std::nullopt);

// GitLab's container scanning report (schema 15.x).
std::string render_gitlab(const policy::Outcome& outcome, const ReportOptions& options);

// An in-toto Statement v1 with cosign's vulnerability predicate (docs/reports.md): its subjects
// are the images judged on a finished scan that have a sha256 digest; skipped when there is none.
Rendered render_attestation(const policy::Outcome& outcome, const ReportOptions& options);

// A CycloneDX 1.5 SBOM of the images' software; skipped when the software of an evaluated image
// could not be read.
Rendered render_sbom(const policy::Outcome& outcome, const ReportOptions& options);

// JUnit XML valid against the Jenkins schema: one <testsuite> per image, one <testcase> per rule.
std::string render_junit(const policy::Outcome& outcome);

// The JSON report (docs/reports.md); its exit_code equals the process's exit status.
std::string render_json(const policy::Outcome& outcome);

// A Markdown summary for CI step summaries and merge requests.
std::string render_markdown(const policy::Outcome& outcome);

// KEY=value lines for GitLab's artifacts:reports:dotenv, every key after the prefix:
// HSS_GATE_RESULT_DECISION, ..._EXIT_CODE, ..._FAILED_RULES, ..._WARNINGS (rules that warned),
// ..._EXPIRY_WARNINGS (exceptions expired or expiring within warn_days), ..._JUNIT, ..._JSON,
// and the images per decision, ..._IMAGES_PASS, ..._IMAGES_WARN, ..._IMAGES_FAIL,
// ..._IMAGES_NO_VERDICT, ..._IMAGES_ERROR.
// With the default prefix the deprecated keys HSS_GATE_DECISION, HSS_GATE_EXIT_CODE,
// HSS_GATE_FAILED_RULES and HSS_GATE_WARNINGS follow as aliases.
std::string render_dotenv(const policy::Outcome& outcome, const ReportOptions& options);

// The keys render_dotenv writes after its prefix; config checks that no prefix turns one of them
// into a variable the gate reads.
std::vector<std::string> dotenv_keys();

// The deprecated dotenv keys written with the default prefix, for the warning that says so.
std::span<const std::string_view> deprecated_dotenv_keys();

struct ConsoleStyle {
  bool color = false;
  bool verbose = false;         // also list passing and not-applicable rules
  bool quiet = false;           // only the closing verdict line
  bool gitlab_sections = false; // fold the details in a collapsed GitLab CI log section
  long long section_time = 0;   // Unix time stamped on the GitLab section markers
};

// The human summary printed at the end of `hss-gate check`.
std::string render_console(const policy::Outcome& outcome, const ConsoleStyle& style);

// GitHub Actions workflow commands: one ::error per failure, one ::warning per warning.
std::string render_github_annotations(const policy::Outcome& outcome);

// Lines for $GITHUB_OUTPUT: decision, exit-code, the path of each report written, the images
// per decision and expiry-warnings.
std::string render_github_outputs(const policy::Outcome& outcome, const ReportPaths& paths);

// Escapes a workflow command's message (`property` also escapes ':' and ','), as GitHub's
// toolkit does (%25, %0D, %0A), and then as printable() does.
std::string github_escape(std::string_view text, bool property);

// One workflow command on one line of output, "::kind title=TITLE::LINE%0ALINE...": the title
// and each line are printable() first, so that a line break inside them shows as \n and the
// annotation has exactly the lines given. Every annotation the gate writes is made here.
std::string github_annotation(std::string_view kind, std::string_view title, const std::vector<std::string>& lines);

// How to waive a rule on an image: a ready-to-paste [[exceptions]] entry, on one line. For a
// findings rule it waives one finding, not the rule.
std::string waiver_hint(const policy::ImageResult& image, const policy::RuleResult& result);

// The findings a findings rule counted (matched and not waived), in the order HSS listed them.
std::vector<const policy::FindingResult*> counted_findings(const policy::RuleResult& result);

// One line for a finding, starting with its id: "CVE-1 high openssl 1.1 (severity unknown)".
std::string finding_line(const policy::FindingResult& finding);

// What waived, as every text report says it: "until 2027-01-31T23:59:59Z by the exception at
// policy.toml:12: REASON (owner X)", or "by VEX: STATUS in DOCUMENT (FORMAT, author X): JUSTIFICATION".
std::string waiver_text(const policy::Waiver& waiver);

// How many findings per failing rule the console and the summary show before folding.
inline constexpr std::size_t k_findings_shown = 10;

} // namespace gate::report
