#include "gate/vex/formats.hpp"
#include "gate/vex/purl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

// CSAF 2.0 with the VEX profile (document.category csaf_vex): products are declared once in the
// product tree and named by id in each vulnerability's product_status. A product that is a
// package inside the image is a relationship: its product_reference inside relates_to_product_reference.
namespace gate::vex {

namespace {

constexpr std::string_view k_category = "csaf_vex";
// The product_status lists that say the product is not affected.
constexpr std::array<std::string_view, 2> k_waiving{"known_not_affected", "fixed"};
constexpr std::array<std::string_view, 4> k_contradicting{"known_affected", "first_affected", "last_affected",
                                                          "under_investigation"};
constexpr std::array<std::string_view, 8> k_statuses{"first_affected", "first_fixed", "fixed", "known_affected",
                                                     "known_not_affected", "last_affected", "recommended",
                                                     "under_investigation"};

struct ProductTree {
  std::string path;
  std::set<std::string> ids; // every product_id declared, each once
  std::map<std::string, std::string> purls;                                 // product_id -> purl
  std::map<std::string, std::pair<std::string, std::string>> relationships; // product_id -> (package, image)
  std::map<std::string, std::vector<std::string>> groups;                   // group_id -> product_ids
};

void add_full_product_name(const hss::JsonObject& product, ProductTree& tree) {
  auto id = product.text("product_id");
  if (!id) return;
  if (!tree.ids.insert(*id).second) {
    refuse(tree.path, fmt::format("{}.product_id: \"{}\" names two products", place(product), *id));
  }
  if (auto helper = product.object("product_identification_helper")) {
    if (auto purl = helper->text("purl")) tree.purls.emplace(*id, *purl);
  }
}

void walk_branches(const hss::JsonObject& node, ProductTree& tree, int depth) {
  if (depth > 64) refuse(tree.path, fmt::format("{}: branches nested deeper than 64", place(node)));
  for (const auto& branch : node.objects("branches").value_or(std::vector<hss::JsonObject>{})) {
    if (auto product = branch.object("product")) add_full_product_name(*product, tree);
    walk_branches(branch, tree, depth + 1);
  }
}

ProductTree read_tree(const hss::JsonObject& root, const std::string& path) {
  ProductTree tree;
  tree.path = path;
  auto product_tree = root.object("product_tree");
  if (!product_tree) return tree;
  walk_branches(*product_tree, tree, 0);
  for (const auto& product : product_tree->objects("full_product_names").value_or(std::vector<hss::JsonObject>{})) {
    add_full_product_name(product, tree);
  }
  for (const auto& relationship : product_tree->objects("relationships").value_or(std::vector<hss::JsonObject>{})) {
    auto named = relationship.object("full_product_name");
    auto package = relationship.text("product_reference");
    auto image = relationship.text("relates_to_product_reference");
    relationship.text("category");
    auto id = named ? named->text("product_id") : std::nullopt;
    if (!id) continue;
    if (!tree.ids.insert(*id).second) {
      refuse(path, fmt::format("{}.product_id: \"{}\" names two products", place(*named), *id));
    }
    if (package && image) tree.relationships.emplace(*id, std::pair(*package, *image));
  }
  for (const auto& group : product_tree->objects("product_groups").value_or(std::vector<hss::JsonObject>{})) {
    auto id = group.text("group_id");
    if (id) tree.groups.emplace(*id, group.texts("product_ids").value_or(std::vector<std::string>{}));
  }
  return tree;
}

std::optional<Product> product_named(const std::string& id, const ProductTree& tree) {
  auto relationship = tree.relationships.find(id);
  if (relationship != tree.relationships.end()) {
    auto image = tree.purls.find(relationship->second.second);
    auto package = tree.purls.find(relationship->second.first);
    if (image == tree.purls.end() || package == tree.purls.end()) return std::nullopt;
    auto image_purl = parse_purl(image->second);
    auto digest = image_purl ? oci_digest(*image_purl) : std::nullopt;
    if (!digest) return std::nullopt;
    return product_of(package->second, digest);
  }
  auto purl = tree.purls.find(id);
  if (purl == tree.purls.end()) return std::nullopt;
  auto parsed = parse_purl(purl->second);
  auto digest = parsed ? oci_digest(*parsed) : std::nullopt;
  if (!digest) return std::nullopt; // a package with no image it is part of
  return Product{*digest, {}};
}

// The flag labels and impact statements the vulnerability gives for the product.
std::string justification_for(const hss::JsonObject& vulnerability, const std::string& id, const ProductTree& tree) {
  auto names = [&](const hss::JsonObject& item) {
    std::vector<std::string> ids = item.texts("product_ids").value_or(std::vector<std::string>{});
    for (const auto& group : item.texts("group_ids").value_or(std::vector<std::string>{})) {
      auto found = tree.groups.find(group);
      if (found != tree.groups.end()) ids.insert(ids.end(), found->second.begin(), found->second.end());
    }
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  std::optional<std::string> label;
  std::optional<std::string> impact;
  for (const auto& flag : vulnerability.objects("flags").value_or(std::vector<hss::JsonObject>{})) {
    if (!label && names(flag)) label = flag.text("label");
  }
  for (const auto& threat : vulnerability.objects("threats").value_or(std::vector<hss::JsonObject>{})) {
    if (!impact && threat.text("category") == std::optional<std::string>("impact") && names(threat)) {
      impact = threat.text("details");
    }
  }
  return joined_justification(label, impact);
}

bool claims(const hss::JsonObject& root) {
  auto document = root.object("document");
  return document && document->has("csaf_version");
}

Document read(const hss::JsonObject& root, const std::string& path) {
  hss::JsonObject document = *root.object("document");
  std::string version = document.text("csaf_version").value_or("");
  if (version != "2.0") refuse(path, fmt::format("expected CSAF 2.0 (document.csaf_version \"2.0\"), got \"{}\"", version));
  std::string category = document.text("category").value_or("");
  if (category != k_category) {
    refuse(path, fmt::format("expected a CSAF 2.0 VEX document (document.category \"{}\"), got \"{}\"", k_category, category));
  }
  std::string author;
  if (auto publisher = document.object("publisher")) author = publisher->text("name").value_or("");
  Document out{path, "CSAF 2.0", author, {}};
  ProductTree tree = read_tree(root, path);
  auto vulnerabilities = root.objects("vulnerabilities");
  if (!vulnerabilities) refuse(path, "vulnerabilities: expected the VEX statements of a CSAF VEX, got nothing");
  for (const auto& vulnerability : *vulnerabilities) {
    std::string where = place(vulnerability);
    std::vector<std::string> ids;
    if (auto cve = vulnerability.text("cve")) ids.push_back(*cve);
    for (const auto& other : vulnerability.objects("ids").value_or(std::vector<hss::JsonObject>{})) {
      ids.push_back(other.text("text").value_or(""));
    }
    check_ids(path, where, ids);
    auto status = vulnerability.object("product_status");
    if (!status) continue;
    for (const auto& key : status->keys()) {
      if (std::find(k_statuses.begin(), k_statuses.end(), key) == k_statuses.end()) {
        refuse(path, fmt::format("{}.product_status: unknown list \"{}\": expected {}", where, key, fmt::join(k_statuses, ", ")));
      }
    }
    auto add = [&](std::string_view list, bool waives) {
      std::set<std::string> seen; // one statement per product, each with its own justification
      for (const auto& id : status->texts(list).value_or(std::vector<std::string>{})) {
        if (!seen.insert(id).second) continue;
        std::string justification = justification_for(vulnerability, id, tree);
        if (list == "known_not_affected" && justification.empty()) {
          refuse(path, fmt::format("{}: product {} is known_not_affected without an impact statement (a flag or an "
                                   "impact threat naming it)", where, id));
        }
        auto product = product_named(id, tree);
        if (!product) continue;
        out.statements.push_back(Statement{ids, std::string(list), waives, {std::move(*product)}, justification, std::nullopt});
      }
    };
    for (std::string_view list : k_waiving) add(list, true);
    for (std::string_view list : k_contradicting) add(list, false);
  }
  return out;
}

} // namespace

const VexFormat k_csaf{"CSAF 2.0 VEX", claims, read};

} // namespace gate::vex
