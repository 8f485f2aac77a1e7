#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

// OpenVEX 0.2.0 (https://github.com/openvex/spec): statements of a vulnerability's status in
// products, each product an image purl with the packages it is limited to as subcomponents.
namespace gate::vex {

namespace {

constexpr std::string_view k_context_prefix = "https://openvex.dev/ns";
constexpr std::string_view k_context = "https://openvex.dev/ns/v0.2.0";
constexpr std::array<std::string_view, 4> k_statuses{"not_affected", "affected", "fixed", "under_investigation"};
constexpr std::array<std::string_view, 2> k_waiving{"not_affected", "fixed"};
constexpr std::array<std::string_view, 5> k_justifications{
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

// A product or subcomponent names itself by its @id, or by identifiers.purl when @id is an IRI.
std::optional<std::string> purl_of(const hss::JsonObject& component) {
  auto id = component.text("@id");
  if (id && parse_purl(*id)) return id;
  if (auto identifiers = component.object("identifiers")) {
    if (auto purl = identifiers->text("purl")) return purl;
  }
  return std::nullopt;
}

// The product as the gate matches it; nullopt when it names no image by digest. Subcomponents
// that no purl names narrow a waiving statement to nothing (such a product must not widen to the
// image), and leave a contradicting one about the whole image (which must not narrow to nothing).
std::optional<Product> read_product(const hss::JsonObject& product, bool waives) {
  auto purl = purl_of(product);
  if (!purl) return std::nullopt;
  auto parsed = parse_purl(*purl);
  auto digest = parsed ? oci_digest(*parsed) : std::nullopt;
  if (!digest) return std::nullopt;
  Product out{*digest, {}};
  auto subcomponents = product.objects("subcomponents");
  if (!subcomponents || subcomponents->empty()) return out;
  for (const auto& subcomponent : *subcomponents) {
    auto package = purl_of(subcomponent);
    auto parsed_package = package ? parse_purl(*package) : std::nullopt;
    if (parsed_package && !parsed_package->has_subpath) {
      out.components.push_back(Component{parsed_package->name, parsed_package->version});
    } else if (!waives) {
      out.components.clear();
      return out;
    }
  }
  if (out.components.empty()) return std::nullopt;
  return out;
}

bool claims(const hss::JsonObject& root) {
  auto context = root.text("@context");
  return context && context->rfind(k_context_prefix, 0) == 0;
}

Document read(const hss::JsonObject& root, const std::string& path) {
  std::string context = *root.text("@context");
  if (context != k_context) {
    refuse(path, fmt::format("expected OpenVEX 0.2.0 (@context \"{}\"), got @context \"{}\"", k_context, context));
  }
  Document document{path, "OpenVEX 0.2.0", root.text("author").value_or(""), {}};
  auto document_time = time_member(path, root, "timestamp");
  auto statements = root.objects("statements");
  if (!statements) refuse(path, "statements: expected an array of statements, got nothing");
  for (const auto& item : *statements) {
    std::string where = place(item);
    auto vulnerability = item.object("vulnerability");
    if (!vulnerability) refuse(path, fmt::format("{}.vulnerability: expected an object with a name", where));
    Statement statement;
    statement.vulnerabilities.push_back(vulnerability->text("name").value_or(""));
    for (const auto& alias : vulnerability->texts("aliases").value_or(std::vector<std::string>{})) {
      statement.vulnerabilities.push_back(alias);
    }
    check_ids(path, where + ".vulnerability", statement.vulnerabilities);
    auto status = item.text("status");
    if (!status || std::find(k_statuses.begin(), k_statuses.end(), *status) == k_statuses.end()) {
      refuse(path, fmt::format("{}.status: expected one of {}, got \"{}\"", where, fmt::join(k_statuses, ", "),
                               status.value_or("")));
    }
    auto justification = item.text("justification");
    if (justification && std::find(k_justifications.begin(), k_justifications.end(), *justification) == k_justifications.end()) {
      refuse(path, fmt::format("{}.justification: expected one of {}, got \"{}\"", where,
                               fmt::join(k_justifications, ", "), *justification));
    }
    auto impact = item.text("impact_statement");
    if (*status == "not_affected" && !justification && !impact) {
      refuse(path, fmt::format("{}: a not_affected statement needs a justification or an impact_statement", where));
    }
    statement.status = *status;
    statement.waives = std::find(k_waiving.begin(), k_waiving.end(), *status) != k_waiving.end();
    statement.justification = joined_justification(justification, impact);
    statement.time = time_member(path, item, "timestamp");
    if (!statement.time) statement.time = document_time;
    for (const auto& product : item.objects("products").value_or(std::vector<hss::JsonObject>{})) {
      if (auto read = read_product(product, statement.waives)) statement.products.push_back(std::move(*read));
    }
    if (!statement.products.empty()) document.statements.push_back(std::move(statement));
  }
  return document;
}

} // namespace

const VexFormat k_openvex{"OpenVEX 0.2.0", claims, read};

} // namespace gate::vex
