#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

// CycloneDX VEX 1.4 to 1.6 in JSON (https://cyclonedx.org/capabilities/vex/): vulnerabilities with
// an analysis, each affecting components by bom-ref. The image is the BOM's metadata.component
// (or any component with an image purl); a package a vulnerability affects is limited to that image.
namespace gate::vex {

namespace {

constexpr std::array<std::string_view, 3> k_versions{"1.4", "1.5", "1.6"};
constexpr std::array<std::string_view, 6> k_states{"resolved",  "resolved_with_pedigree", "exploitable",
                                                   "in_triage", "false_positive",         "not_affected"};
constexpr std::array<std::string_view, 3> k_waiving{"not_affected", "resolved", "false_positive"};

void collect(const hss::JsonObject& component, std::map<std::string, std::string>& purls) {
  auto ref = component.text("bom-ref");
  auto purl = component.text("purl");
  if (ref && purl) purls.emplace(*ref, *purl);
  for (const auto& child : component.objects("components").value_or(std::vector<hss::JsonObject>{})) collect(child, purls);
}

// A ref names a component of this BOM by bom-ref, or through a BOM-Link (urn:cdx:SERIAL/VERSION#REF).
std::optional<std::string> resolve(std::string ref, const std::map<std::string, std::string>& purls) {
  if (ref.rfind("urn:cdx:", 0) == 0) {
    std::size_t hash = ref.find('#');
    if (hash == std::string::npos) return std::nullopt; // the whole BOM, not a component
    std::string fragment;
    try {
      Poco::URI::decode(ref.substr(hash + 1), fragment);
    } catch (const Poco::Exception&) {
      return std::nullopt;
    }
    ref = fragment;
  }
  auto found = purls.find(ref);
  if (found != purls.end()) return found->second;
  if (parse_purl(ref)) return ref; // a purl written as the ref itself
  return std::nullopt;
}

std::string author_of(const hss::JsonObject& metadata) {
  std::vector<std::string> names;
  for (const auto& author : metadata.objects("authors").value_or(std::vector<hss::JsonObject>{})) {
    if (auto name = author.text("name")) names.push_back(*name);
  }
  if (!names.empty()) return fmt::format("{}", fmt::join(names, ", "));
  for (std::string_view organisation : {"manufacturer", "supplier", "manufacture"}) {
    if (auto entity = metadata.object(organisation)) {
      if (auto name = entity->text("name")) return *name;
    }
  }
  return "";
}

bool claims(const hss::JsonObject& root) { return root.text("bomFormat") == std::optional<std::string>("CycloneDX"); }

Document read(const hss::JsonObject& root, const std::string& path) {
  std::string version = root.text("specVersion").value_or("");
  if (std::find(k_versions.begin(), k_versions.end(), version) == k_versions.end()) {
    refuse(path, fmt::format("expected CycloneDX VEX 1.4, 1.5 or 1.6 in JSON (specVersion), got specVersion \"{}\"", version));
  }
  Document document{path, "CycloneDX " + version, "", {}};
  std::map<std::string, std::string> purls;
  std::optional<std::string> image; // the digest of the BOM's own image
  if (auto metadata = root.object("metadata")) {
    document.author = author_of(*metadata);
    if (auto component = metadata->object("component")) {
      collect(*component, purls);
      if (auto purl = component->text("purl")) {
        auto parsed = parse_purl(*purl);
        if (parsed) image = oci_digest(*parsed);
      }
    }
  }
  for (const auto& component : root.objects("components").value_or(std::vector<hss::JsonObject>{})) collect(component, purls);
  auto vulnerabilities = root.objects("vulnerabilities");
  if (!vulnerabilities) refuse(path, "vulnerabilities: expected the VEX statements of a CycloneDX VEX, got nothing");
  for (const auto& vulnerability : *vulnerabilities) {
    auto id = vulnerability.text("id");
    if (!id || id->empty()) refuse(path, fmt::format("{}.id: expected the vulnerability's id", place(vulnerability)));
    auto analysis = vulnerability.object("analysis");
    if (!analysis) continue; // no statement about it
    auto state = analysis->text("state");
    if (!state) continue;
    if (std::find(k_states.begin(), k_states.end(), *state) == k_states.end()) {
      refuse(path, fmt::format("{}.analysis.state: expected one of {}, got \"{}\"", place(vulnerability),
                               fmt::join(k_states, ", "), *state));
    }
    if (std::find(k_waiving.begin(), k_waiving.end(), *state) == k_waiving.end()) continue;
    Statement statement;
    statement.vulnerabilities.push_back(*id);
    for (const auto& reference : vulnerability.objects("references").value_or(std::vector<hss::JsonObject>{})) {
      if (auto alias = reference.text("id")) statement.vulnerabilities.push_back(*alias);
    }
    statement.status = *state;
    statement.justification = joined_justification(analysis->text("justification"), analysis->text("detail"));
    for (const auto& affected : vulnerability.objects("affects").value_or(std::vector<hss::JsonObject>{})) {
      auto ref = affected.text("ref");
      auto purl = ref ? resolve(*ref, purls) : std::nullopt;
      if (!purl) continue;
      if (auto product = product_of(*purl, image)) statement.products.push_back(std::move(*product));
    }
    if (!statement.products.empty()) document.statements.push_back(std::move(statement));
  }
  return document;
}

} // namespace

const VexFormat k_cyclonedx{"CycloneDX VEX 1.4 to 1.6", claims, read};

} // namespace gate::vex
