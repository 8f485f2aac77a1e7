#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
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
constexpr std::array<std::string_view, 2> k_contradicting{"exploitable", "in_triage"};
constexpr std::array<std::string_view, 9> k_justifications{
    "code_not_present",      "code_not_reachable",    "requires_configuration",
    "requires_dependency",   "requires_environment",  "protected_by_compiler",
    "protected_at_runtime",  "protected_at_perimeter", "protected_by_mitigating_control"};

// Each bom-ref's purl, version, and the image it is part of: the nearest enclosing component
// named by an image digest (the BOM's own image for the top-level components).
struct Owned {
  std::string purl;
  std::optional<std::string> version;
  std::optional<std::string> image;
};

void collect(const std::string& path, const hss::JsonObject& component, const std::optional<std::string>& image,
             std::map<std::string, Owned>& refs, int depth) {
  if (depth > 64) refuse(path, fmt::format("{}: components nested deeper than 64", place(component)));
  auto ref = component.text("bom-ref");
  auto purl = component.text("purl");
  std::optional<std::string> owner = image;
  if (purl) {
    auto parsed = parse_purl(*purl);
    if (auto digest = parsed ? oci_digest(*parsed) : std::nullopt) owner = digest;
  }
  if (ref && !refs.emplace(*ref, Owned{purl.value_or(""), component.text("version"), image}).second) {
    refuse(path, fmt::format("{}.bom-ref: \"{}\" names two components", place(component), *ref));
  }
  for (const auto& child : component.objects("components").value_or(std::vector<hss::JsonObject>{})) {
    collect(path, child, owner, refs, depth + 1);
  }
}

// A ref names a component of this BOM by bom-ref, or through a BOM-Link to this very BOM
// (urn:cdx:SERIAL/VERSION#REF); a link to another BOM, or another version, names nothing here.
const Owned* resolve(std::string ref, const std::map<std::string, Owned>& refs, const std::string& this_bom) {
  if (ref.rfind("urn:cdx:", 0) == 0) {
    std::size_t hash = ref.find('#');
    if (hash == std::string::npos || this_bom.empty() || ref.substr(0, hash) != this_bom) return nullptr;
    std::string fragment;
    try {
      Poco::URI::decode(ref.substr(hash + 1), fragment);
    } catch (const Poco::Exception&) {
      return nullptr;
    }
    ref = fragment;
  }
  auto found = refs.find(ref);
  return found == refs.end() ? nullptr : &found->second;
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
  std::map<std::string, Owned> refs;
  std::optional<std::string> image; // the digest of the BOM's own image
  if (auto metadata = root.object("metadata")) {
    document.author = author_of(*metadata);
    if (auto component = metadata->object("component")) {
      if (auto purl = component->text("purl")) {
        auto parsed = parse_purl(*purl);
        if (parsed) image = oci_digest(*parsed);
      }
      collect(path, *component, image, refs, 0);
    }
  }
  for (const auto& component : root.objects("components").value_or(std::vector<hss::JsonObject>{})) {
    collect(path, component, image, refs, 0);
  }
  std::string this_bom;
  if (auto serial = root.text("serialNumber"); serial && serial->rfind("urn:uuid:", 0) == 0) {
    this_bom = fmt::format("urn:cdx:{}/{}", serial->substr(9), root.integer("version", 1, INT32_MAX).value_or(1));
  }
  auto vulnerabilities = root.objects("vulnerabilities");
  if (!vulnerabilities) refuse(path, "vulnerabilities: expected the VEX statements of a CycloneDX VEX, got nothing");
  for (const auto& vulnerability : *vulnerabilities) {
    std::string where = place(vulnerability);
    auto analysis = vulnerability.object("analysis");
    Statement statement;
    statement.vulnerabilities.push_back(vulnerability.text("id").value_or(""));
    for (const auto& reference : vulnerability.objects("references").value_or(std::vector<hss::JsonObject>{})) {
      statement.vulnerabilities.push_back(reference.text("id").value_or(""));
    }
    check_ids(path, where, statement.vulnerabilities);
    auto affects = vulnerability.objects("affects").value_or(std::vector<hss::JsonObject>{});
    auto state = analysis ? analysis->text("state") : std::nullopt;
    if (!state) continue; // no statement about it
    if (std::find(k_states.begin(), k_states.end(), *state) == k_states.end()) {
      refuse(path, fmt::format("{}.analysis.state: expected one of {}, got \"{}\"", where, fmt::join(k_states, ", "), *state));
    }
    auto justification = analysis->text("justification");
    if (justification && std::find(k_justifications.begin(), k_justifications.end(), *justification) == k_justifications.end()) {
      refuse(path, fmt::format("{}.analysis.justification: expected one of {}, got \"{}\"", where,
                               fmt::join(k_justifications, ", "), *justification));
    }
    statement.waives = std::find(k_waiving.begin(), k_waiving.end(), *state) != k_waiving.end();
    bool contradicts = std::find(k_contradicting.begin(), k_contradicting.end(), *state) != k_contradicting.end();
    if (!statement.waives && !contradicts) continue; // resolved_with_pedigree: neither
    statement.status = *state;
    statement.justification = joined_justification(justification, analysis->text("detail"));
    statement.time = time_member(path, *analysis, "lastUpdated");
    if (!statement.time) statement.time = time_member(path, *analysis, "firstIssued");
    for (const auto& affected : affects) {
      // Versions listed as affected or unknown keep a statement that would waive them from waiving.
      bool some_affected = false;
      for (const auto& listed : affected.objects("versions").value_or(std::vector<hss::JsonObject>{})) {
        some_affected = some_affected || listed.text("status").value_or("affected") != "unaffected";
      }
      if (statement.waives && some_affected) continue;
      auto ref = affected.text("ref");
      const Owned* owned = ref ? resolve(*ref, refs, this_bom) : nullptr;
      std::optional<Product> product;
      if (owned) {
        product = product_of(owned->purl, owned->image, owned->version);
      } else if (ref && parse_purl(*ref)) {
        product = product_of(*ref, image);
      }
      if (product) statement.products.push_back(std::move(*product));
    }
    if (!statement.products.empty()) document.statements.push_back(std::move(statement));
  }
  return document;
}

} // namespace

const VexFormat k_cyclonedx{"CycloneDX VEX 1.4 to 1.6", claims, read};

} // namespace gate::vex
