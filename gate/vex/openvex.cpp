#include "gate/units/units.hpp"
#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

// OpenVEX 0.2.0 (https://github.com/openvex/spec): statements of a vulnerability's status in
// products, each product an image purl with the packages it is limited to as subcomponents.
namespace gate::vex {

namespace {

constexpr std::string_view k_context_prefix = "https://openvex.dev/ns";
constexpr std::string_view k_context = "https://openvex.dev/ns/v0.2.0";
constexpr std::array<std::string_view, 4> k_statuses{"not_affected", "affected", "fixed", "under_investigation"};
constexpr std::array<std::string_view, 2> k_waiving{"not_affected", "fixed"};

// A product or subcomponent names itself by its @id, or by identifiers.purl when @id is an IRI.
std::optional<std::string> purl_of(const hss::JsonObject& component) {
  auto id = component.text("@id");
  if (id && parse_purl(*id)) return id;
  if (auto identifiers = component.object("identifiers")) {
    if (auto purl = identifiers->text("purl")) return purl;
  }
  return std::nullopt;
}

// The product as the gate matches it; nullopt when it names no image by digest, or limits the
// statement to packages none of which a purl names (such a product must not widen to the image).
std::optional<Product> read_product(const hss::JsonObject& product) {
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
    if (parsed_package) out.components.push_back(Component{parsed_package->name, parsed_package->version});
  }
  if (out.components.empty()) return std::nullopt;
  return out;
}

// What a later statement about the same vulnerability and product replaces.
std::string statement_key(const std::string& vulnerability, const hss::JsonObject& product) {
  std::string key = fmt::format("{}\n{}", vulnerability, product.text("@id").value_or(purl_of(product).value_or("")));
  std::vector<std::string> parts;
  if (auto subcomponents = product.objects("subcomponents")) {
    for (const auto& subcomponent : *subcomponents) parts.push_back(subcomponent.text("@id").value_or(purl_of(subcomponent).value_or("")));
  }
  std::sort(parts.begin(), parts.end());
  for (const auto& part : parts) key += "\n" + part;
  return key;
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
  auto document_time = units::parse_date_time(root.text("timestamp").value_or(""));
  auto statements = root.objects("statements");
  if (!statements) refuse(path, "statements: expected an array of statements, got nothing");

  // OpenVEX lets a later statement about the same vulnerability and product replace an earlier
  // one (under_investigation, then not_affected): the latest by timestamp wins, then the last written.
  struct Latest {
    std::optional<std::chrono::sys_seconds> time;
    std::size_t order = 0;
    bool waives = false;
    Statement statement;
  };
  std::map<std::string, Latest> latest;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < statements->size(); ++i) {
    const hss::JsonObject& item = (*statements)[i];
    auto vulnerability = item.object("vulnerability");
    if (!vulnerability) refuse(path, fmt::format("{}.vulnerability: expected an object with a name", place(item)));
    auto name = vulnerability->text("name");
    if (!name || name->empty()) refuse(path, fmt::format("{}.vulnerability.name: expected the vulnerability's id", place(item)));
    auto status = item.text("status");
    if (!status || std::find(k_statuses.begin(), k_statuses.end(), *status) == k_statuses.end()) {
      refuse(path, fmt::format("{}.status: expected one of {}, got \"{}\"", place(item),
                               fmt::join(k_statuses, ", "), status.value_or("")));
    }
    Statement statement;
    statement.vulnerabilities.push_back(*name);
    for (const auto& alias : vulnerability->texts("aliases").value_or(std::vector<std::string>{})) {
      statement.vulnerabilities.push_back(alias);
    }
    statement.status = *status;
    statement.justification = joined_justification(item.text("justification"), item.text("impact_statement"));
    bool waives = std::find(k_waiving.begin(), k_waiving.end(), *status) != k_waiving.end();
    auto time = units::parse_date_time(item.text("timestamp").value_or(""));
    if (!time) time = document_time;
    for (const auto& product : item.objects("products").value_or(std::vector<hss::JsonObject>{})) {
      std::string key = statement_key(*name, product);
      auto found = latest.find(key);
      if (found != latest.end() && found->second.time && (!time || *time < *found->second.time)) continue;
      Statement one = statement;
      if (auto read = read_product(product)) one.products.push_back(std::move(*read));
      if (found == latest.end()) order.push_back(key);
      latest[key] = Latest{time, i, waives, std::move(one)};
    }
  }
  for (const auto& key : order) {
    Latest& entry = latest[key];
    if (entry.waives && !entry.statement.products.empty()) document.statements.push_back(std::move(entry.statement));
  }
  return document;
}

} // namespace

const VexFormat k_openvex{"OpenVEX 0.2.0", claims, read};

} // namespace gate::vex
