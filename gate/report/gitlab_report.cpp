#include "gate/report/json_support.hpp"
#include "gate/report/report.hpp"

#include "gate/units/units.hpp"

#include <Poco/UUID.h>
#include <Poco/UUIDGenerator.h>
#include <fmt/format.h>

// GitLab's container scanning report (artifacts:reports:container_scanning), schema 15.x: one
// vulnerability per HSS vulnerability finding of each evaluated image. GitLab resolves what a
// new report omits, so an image that was not evaluated contributes nothing and the scan's status
// says `failure`.
namespace gate::report {

namespace {

using namespace gate::policy;
using json::Array;
using json::Object;
using hss::FindingRole;

constexpr std::string_view k_schema_version = "15.0.7";

std::string gitlab_time(const std::optional<TimePoint>& time) {
  std::string text = units::format_date_time(time.value_or(TimePoint{}));
  if (!text.empty() && text.back() == 'Z') text.pop_back(); // the schema wants no zone: UTC
  return text;
}

// Info, Low, Medium, High, Critical from the gate's ladder; Unknown when HSS gave none.
std::string gitlab_severity(const std::string& severity) {
  if (severity.empty()) return "Unknown";
  std::string name = severity;
  name.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(name.front())));
  return name;
}

std::string truncated(std::string text, std::size_t size) {
  text = clean_text(text);
  if (text.size() > size) {
    text.resize(size);
    text = clean_text(text); // a cut through a UTF-8 sequence becomes U+FFFD
    while (text.size() > size) text.pop_back();
  }
  return text;
}

bool is_link(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://") || url.starts_with("ftp://");
}

Object::Ptr identifier(const std::string& type, const std::string& name, const std::string& value,
                       const std::string& url = {}) {
  Object::Ptr object = json::ordered();
  object->set("type", type);
  object->set("name", truncated(name, 255));
  object->set("value", clean_text(value));
  if (!url.empty()) object->set("url", clean_text(url));
  return object;
}

// "team/web:1.0.0": the image as `docker pull` names it, without the registry HSS does not give.
std::string image_reference(const ImageResult& image) {
  std::string name = image.image_path();
  const auto& version = image.record->image_version;
  if (version && !version->empty()) name += ":" + *version;
  return name;
}

Object::Ptr vulnerability_json(const DashboardImage& listed, const FindingResult& finding, const std::string& os) {
  const ImageResult& image = *listed.image;
  static const Poco::UUID k_namespace = Poco::UUIDGenerator::defaultGenerator().createFromName(
      Poco::UUID::uri(), std::string(HSS_GATE_HOMEPAGE) + "/gitlab-report");
  Object::Ptr object = json::ordered();
  // The same finding of the same image gives the same id from one image version to the next, and
  // no two vulnerabilities of a report share one (dashboard_images).
  std::string identity = fmt::format("{}|{}", listed.identity, finding.key);
  object->set("id", Poco::UUIDGenerator::defaultGenerator().createFromName(k_namespace, identity).toString());
  const FindingResult::Attribute* cve_ids = finding.attribute(FindingRole::cve_ids);
  const std::vector<std::string>* cves = cve_ids ? &cve_ids->values : nullptr;
  std::string name = cves && !cves->empty() ? cves->front() : finding.id;
  object->set("name", truncated(name, 255));
  std::string description = finding.first_value(FindingRole::description);
  if (!description.empty()) object->set("description", truncated(description, 1048576));
  object->set("severity", gitlab_severity(finding.severity));
  std::string solution = finding.first_value(FindingRole::solution);
  if (!solution.empty()) object->set("solution", truncated(solution, 7000));

  Array::Ptr identifiers = new Array();
  if (!finding.id.empty()) identifiers->add(identifier("hss", "HSS " + finding.id, finding.id));
  if (cves) {
    for (const auto& cve : *cves) {
      identifiers->add(identifier("cve", cve, cve, fmt::format("https://nvd.nist.gov/vuln/detail/{}", cve)));
    }
  }
  if (identifiers->size() == 0) identifiers->add(identifier("hss", "HSS finding", finding.key.empty() ? "unknown" : finding.key));
  object->set("identifiers", identifiers);

  std::string url = finding.first_value(FindingRole::link);
  if (is_link(url)) {
    Array::Ptr links = new Array();
    Object::Ptr link = json::ordered();
    link->set("url", clean_text(url));
    links->add(link);
    object->set("links", links);
  }

  Object::Ptr package = json::ordered();
  std::string app = finding.first_value(FindingRole::package);
  package->set("name", clean_text(app.empty() ? "unknown" : app));
  Object::Ptr dependency = json::ordered();
  dependency->set("package", package);
  dependency->set("version", clean_text(finding.first_value(FindingRole::package_version)));
  Object::Ptr location = json::ordered();
  location->set("dependency", dependency);
  location->set("operating_system", clean_text(os));
  location->set("image", clean_text(image_reference(image)));
  object->set("location", location);
  if (finding.is_new) {
    // GitLab's vulnerability has no free properties: `details` holds typed, named fields.
    Object::Ptr is_new = json::ordered();
    is_new->set("name", "New since the image compared with");
    is_new->set("type", "value");
    is_new->set("value", *finding.is_new);
    Object::Ptr details = json::ordered();
    details->set("new", is_new);
    object->set("details", details);
  }
  return object;
}

Object::Ptr message(const std::string& level, const std::string& text) {
  Object::Ptr object = json::ordered();
  object->set("level", level);
  object->set("value", clean_text(text.empty() ? "(no detail)" : text));
  return object;
}

} // namespace

std::string render_gitlab(const Outcome& outcome, const ReportOptions&) {
  Array::Ptr vulnerabilities = new Array();
  Array::Ptr messages = new Array();
  bool success = true;
  for (const auto& listed : dashboard_images(outcome)) {
    const ImageResult& image = *listed.image;
    if (!image.evaluated()) {
      success = false;
      messages->add(message("fatal", fmt::format("{} was not evaluated ({}): its vulnerabilities are not listed",
                                                  image.label(), name_of(image.decision))));
      continue;
    }
    // Only the lists this report takes fail it: the software list of an SBOM does not.
    for (const auto& error : image.inventory.errors_for({&hss::DashboardUse::vulnerabilities,
                                                         &hss::DashboardUse::operating_system})) {
      success = false;
      messages->add(message("fatal", error));
    }
    auto found = image.inventory.used_as(&hss::DashboardUse::vulnerabilities);
    if (!found) {
      success = false;
      continue;
    }
    std::string os = image.inventory.operating_system.value_or("unknown");
    for (const FindingResult* finding : *found) vulnerabilities->add(vulnerability_json(listed, *finding, os));
  }

  Object::Ptr vendor = json::ordered();
  vendor->set("name", "hss-gate");
  Object::Ptr analyzer = json::ordered();
  analyzer->set("id", "hss-gate");
  analyzer->set("name", "hss-gate");
  analyzer->set("url", HSS_GATE_HOMEPAGE);
  analyzer->set("version", HSS_GATE_VERSION);
  analyzer->set("vendor", vendor);
  Object::Ptr scanner_vendor = json::ordered();
  scanner_vendor->set("name", "Huawei Cloud");
  Object::Ptr scanner = json::ordered();
  scanner->set("id", "huawei-cloud-hss");
  scanner->set("name", "Huawei Cloud Host Security Service (HSS)");
  scanner->set("version", "v5");
  scanner->set("vendor", scanner_vendor);
  Object::Ptr scan = json::ordered();
  scan->set("analyzer", analyzer);
  scan->set("scanner", scanner);
  scan->set("type", "container_scanning");
  scan->set("start_time", gitlab_time(outcome.started));
  scan->set("end_time", gitlab_time(outcome.finished ? outcome.finished : outcome.started));
  scan->set("status", success ? "success" : "failure");
  if (messages->size() > 0) scan->set("messages", messages);

  Object::Ptr root = json::ordered();
  root->set("version", std::string(k_schema_version));
  root->set("scan", scan);
  root->set("vulnerabilities", vulnerabilities);
  root->set("remediations", Array::Ptr(new Array()));
  return json::text(root);
}

} // namespace gate::report
