#include "gate/report/json_support.hpp"
#include "gate/report/report.hpp"

#include "gate/units/units.hpp"

#include <Poco/UUID.h>
#include <Poco/UUIDGenerator.h>
#include <fmt/format.h>

#include <algorithm>

// A CycloneDX 1.5 SBOM from HSS's software list. With one image, the image is the metadata
// component and its software the components; with several, the metadata component is the run
// and each image a container component holding its software.
namespace gate::report {

namespace {

using namespace gate::policy;
using json::Array;
using json::Object;

Object::Ptr property(const std::string& name, const std::string& value) {
  Object::Ptr object = json::ordered();
  object->set("name", name);
  object->set("value", clean_text(value));
  return object;
}

Object::Ptr image_component(const ImageResult& image, const std::string& ref) {
  const hss::Record& record = *image.record;
  Object::Ptr component = json::ordered();
  component->set("type", "container");
  component->set("bom-ref", ref);
  component->set("name", clean_text(image.image_path()));
  if (record.image_version) component->set("version", clean_text(*record.image_version));
  std::string digest = record.image_digest.value_or("");
  if (digest.starts_with("sha256:")) {
    std::string hex = digest.substr(7);
    if (hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c); })) {
      Object::Ptr hash = json::ordered();
      hash->set("alg", "SHA-256");
      hash->set("content", hex);
      Array::Ptr hashes = new Array();
      hashes->add(hash);
      component->set("hashes", hashes);
    }
  }
  Array::Ptr properties = new Array();
  properties->add(property("hss:cicd_name", record.cicd_name.value_or("")));
  properties->add(property("hss:image_id", record.image_id));
  if (image.inventory.operating_system) properties->add(property("hss:operating_system", *image.inventory.operating_system));
  component->set("properties", properties);
  return component;
}

Array::Ptr software_components(const ImageResult& image, const std::string& ref) {
  Array::Ptr components = new Array();
  std::size_t index = 0;
  auto listed = image.inventory.used_as(&hss::DashboardUse::components);
  for (const FindingResult* software : listed.value_or(std::vector<const FindingResult*>{})) {
    Object::Ptr component = json::ordered();
    component->set("type", "library");
    component->set("bom-ref", fmt::format("{}/software-{}", ref, ++index));
    std::string name = software->first_value(hss::FindingRole::package);
    component->set("name", clean_text(name.empty() ? "unknown" : name));
    std::string version = software->first_value(hss::FindingRole::package_version);
    if (!version.empty()) component->set("version", clean_text(version));
    Array::Ptr properties = new Array();
    // Named as HSS names them, so a reader of the SBOM can find them in HSS's API.
    if (const auto* type = software->attribute(hss::FindingRole::package_type)) {
      properties->add(property("hss:" + type->name, type->values.empty() ? std::string() : type->values.front()));
    }
    const auto* count = software->attribute(hss::FindingRole::vulnerability_count);
    if (count && !count->values.empty()) properties->add(property("hss:" + count->name, count->values.front()));
    component->set("properties", properties);
    components->add(component);
  }
  return components;
}

} // namespace

Rendered render_sbom(const Outcome& outcome, const ReportOptions&) {
  std::vector<const ImageResult*> images;
  for (const auto& listed : dashboard_images(outcome)) {
    const ImageResult& image = *listed.image;
    if (!image.evaluated()) {
      return Rendered::skip(fmt::format("no SBOM: {} was not evaluated ({}), so its software is unknown",
                                        image.label(), name_of(image.decision)));
    }
    // Only the lists the SBOM takes fail it: a vulnerability or base image list GitLab's report needs does not.
    auto errors = image.inventory.errors_for({&hss::DashboardUse::components});
    if (!errors.empty()) return Rendered::skip("no SBOM: " + errors.front());
    if (!image.inventory.used_as(&hss::DashboardUse::components)) {
      return Rendered::skip(fmt::format("no SBOM: the software of {} was not read", image.label()));
    }
    images.push_back(&image);
  }
  if (images.empty()) return Rendered::skip("no SBOM: no image was evaluated");

  std::string identity;
  for (const auto* image : images) identity += image->label() + "|" + image->record->image_digest.value_or("") + "\n";
  std::string timestamp = units::format_date_time(outcome.finished.value_or(outcome.started.value_or(TimePoint{})));
  identity += timestamp;
  static const Poco::UUID k_namespace = Poco::UUIDGenerator::defaultGenerator().createFromName(
      Poco::UUID::uri(), std::string(HSS_GATE_HOMEPAGE) + "/sbom");
  Poco::UUID serial = Poco::UUIDGenerator::defaultGenerator().createFromName(k_namespace, identity);

  Object::Ptr tool = json::ordered();
  tool->set("type", "application");
  tool->set("name", "hss-gate");
  tool->set("version", HSS_GATE_VERSION);
  Array::Ptr tool_components = new Array();
  tool_components->add(tool);
  Object::Ptr tools = json::ordered();
  tools->set("components", tool_components);
  Object::Ptr metadata = json::ordered();
  metadata->set("timestamp", timestamp);
  metadata->set("tools", tools);

  Array::Ptr components = new Array();
  if (images.size() == 1) {
    metadata->set("component", image_component(*images.front(), "image-1"));
    components = software_components(*images.front(), "image-1");
  } else {
    Object::Ptr run = json::ordered();
    run->set("type", "application");
    run->set("bom-ref", "hss-gate-run");
    run->set("name", fmt::format("hss-gate run over {} images", images.size()));
    metadata->set("component", run);
    for (std::size_t i = 0; i < images.size(); ++i) {
      std::string ref = fmt::format("image-{}", i + 1);
      Object::Ptr component = image_component(*images[i], ref);
      component->set("components", software_components(*images[i], ref));
      components->add(component);
    }
  }

  Object::Ptr root = json::ordered();
  root->set("$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
  root->set("bomFormat", "CycloneDX");
  root->set("specVersion", "1.5");
  root->set("serialNumber", "urn:uuid:" + serial.toString());
  root->set("version", 1);
  root->set("metadata", metadata);
  root->set("components", components);
  return json::text(root);
}

} // namespace gate::report
