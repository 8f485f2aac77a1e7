// Fuzzes the console, JUnit, Markdown and dashboard renderers with hostile strings in every place
// that data reaches them, asserting the invariants: no console line that data could start
// (workflow commands begin with "::" or "##["), well-formed XML, Markdown without live links,
// images or HTML, and SARIF, GitLab, CycloneDX and in-toto documents that are valid JSON.
#include "gate/hss/findings.hpp"
#include "gate/policy/outcome.hpp"
#include "gate/report/report.hpp"

#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace gate;

// Splits the input at 0xFF bytes into the strings the outcome is built from.
std::vector<std::string> pieces(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> out(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0xFF && out.size() < 16) {
      out.emplace_back();
    } else {
      out.back() += static_cast<char>(data[i]);
    }
  }
  while (out.size() < 16) {
    std::string copy = out[out.size() % 3 % out.size()]; // a copy: push_back may move the elements
    out.push_back(copy);
  }
  return out;
}

void require(bool condition) {
  if (!condition) std::abort();
}

void check_console(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    require(line.rfind("::", 0) != 0 && line.rfind("##[", 0) != 0);
    require(line.find('\r') == std::string::npos && line.find('\033') == std::string::npos);
  }
}

void check_markdown(std::string text) {
  // The gate's own closing sentence quotes `[[exceptions]]` in a code span.
  auto own = text.find("To waive a failing rule");
  if (own != std::string::npos) text.resize(own);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool escaped = i > 0 && text[i - 1] == '\\';
    if (c == '[' || c == ']' || c == '!') require(escaped);
    if (c == '<') require(escaped || text.compare(i, 4, "<br>") == 0);
  }
}

void check_json(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    parser.parse(text);
  } catch (const Poco::Exception&) {
    std::abort(); // a dashboard report must be valid JSON whatever the data
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto s = pieces(data, size);
  policy::Outcome outcome;
  policy::ImageResult image;
  image.query = hss::Query{s[0], s[1], s[2], s[3], s[4], {}};
  hss::Record record;
  record.cicd_name = s[0];
  record.image_version = s[1];
  record.image_name = s[5];
  record.namespace_name = s[6];
  record.image_digest = s[7];
  record.scan_status = s[8];
  record.latest_scan_time = 1764900000000;
  image.record = record;
  policy::RuleResult failing;
  failing.rule = "vuln-budget";
  failing.field = "vul_num";
  failing.status = policy::RuleStatus::fail;
  failing.actual = s[9];
  failing.limit = s[10];
  failing.op = "max";
  failing.message = s[11];
  failing.detail = s[12];
  image.results.push_back(failing);
  policy::RuleResult waived = failing;
  waived.status = policy::RuleStatus::excepted;
  waived.waiver = policy::Waiver{policy::WaiverKind::exception, s[13], s[14], "2027-01-01T00:00:00Z", s[15], "", "", {}};
  image.results.push_back(waived);
  policy::FindingResult finding;
  finding.kind = "vulnerabilities";
  finding.id = s[2];
  finding.key = s[3];
  finding.severity = "high";
  finding.attributes = {{"cve_id", {s[4], s[5]}, true}, {"app_name", {s[6]}, false}, {"url", {s[7]}, false},
                        {"description", {s[9]}, false}, {"version", {}, false}};
  policy::RuleResult counted = failing;
  counted.rule = "no-high-vulns";
  counted.findings_kind = "vulnerabilities";
  counted.findings = {finding, finding};
  counted.findings[1].waived = true;
  counted.findings[1].waiver = waived.waiver;
  image.results.push_back(counted);
  image.inventory.lists[*hss::finding_kind_named("vulnerabilities")] = {finding};
  policy::FindingResult software;
  software.attributes = {{"app_name", {s[10]}, false}, {"app_version", {s[11]}, false}, {"app_type", {s[12]}, false}};
  image.inventory.lists[*hss::finding_kind_named("software")] = {software};
  image.inventory.operating_system = s[13];
  image.dockerfile = s[14];
  image.decision = policy::Decision::fail;
  image.rules_ran = true; // a judged image: the SBOM and the attestation name only those
  outcome.images.push_back(image);
  policy::ImageResult broken;
  broken.query = image.query;
  broken.decision = policy::Decision::error;
  broken.errors = {s[12], s[3]};
  outcome.images.push_back(broken);
  outcome.decision = policy::Decision::fail;
  outcome.warnings = {s[11], s[2]};
  outcome.policy_files = {s[4]};

  check_console(report::render_console(outcome, {}));
  report::ConsoleStyle verbose;
  verbose.verbose = true;
  check_console(report::render_console(outcome, verbose));
  check_markdown(report::render_markdown(outcome));
  try {
    Poco::XML::DOMParser parser;
    parser.parseString(report::render_junit(outcome))->release();
  } catch (const Poco::Exception&) {
    std::abort(); // the JUnit report must be well-formed XML whatever the data
  }
  outcome.rules = {{"vuln-budget", s[12], s[11], policy::Level::fail}, {"no-high-vulns", s[1], s[2], policy::Level::warn}};
  report::ReportOptions options;
  check_json(report::render_sarif(outcome, options));
  check_json(report::render_gitlab(outcome, options));
  outcome.images.pop_back(); // the image HSS could not be read for leaves no SBOM at all
  report::Rendered sbom = report::render_sbom(outcome, options);
  if (sbom.skipped) std::abort(); // a judged image whose software was read always gets an SBOM
  check_json(sbom.text);
  report::Rendered attestation = report::render_attestation(outcome, options);
  if (!attestation.skipped) check_json(attestation.text);
  return 0;
}
