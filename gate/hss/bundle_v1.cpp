#include "gate/hss/bundle_v1.hpp"

#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/findings.hpp"
#include "gate/hss/json_document.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace gate::hss {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::string_view k_cves_key = "cves";

std::string shape_of(const Object& parent, const std::string& key) {
  if (!parent.has(key)) return "none";
  if (parent.isNull(key)) return "null";
  if (parent.isArray(key)) return "an array";
  if (parent.isObject(key)) return "an object";
  Var value = parent.get(key);
  if (value.isString()) return "a string";
  if (value.isBoolean()) return "a boolean";
  return "a number";
}

[[noreturn]] void fail(const std::string& what, const std::string& expected, const std::string& got) {
  throw UsageError(fmt::format("the bundle's {}: expected {}, got {}", what, expected, got));
}

Object::Ptr object_member(const Object& parent, const std::string& key, const std::string& what,
                          const std::string& expected) {
  if (!parent.isObject(key)) fail(what, expected, shape_of(parent, key));
  return parent.getObject(key);
}

// The items of a list, checked in `parent` (anything but an array of objects is a defect), taken
// from `read`, the same object as the readers parsed it.
std::vector<JsonObject> items_of(const Object& parent, const JsonObject& read, const std::string& key,
                                 const std::string& what) {
  if (!parent.isArray(key)) fail(what, "an array of records", shape_of(parent, key));
  Array::Ptr array = parent.getArray(key);
  for (std::size_t i = 0; i < array->size(); ++i) {
    if (!array->isObject(static_cast<unsigned>(i))) fail(fmt::format("{}[{}]", what, i), "a record (an object)", "something else");
  }
  return read.objects(key).value_or(std::vector<JsonObject>{});
}

// "shop:1.0.0 (img-1)" when the image list holds the image, else its image_id.
std::string image_named(const Array& images, const std::string& image_id) {
  for (std::size_t i = 0; i < images.size(); ++i) {
    Object::Ptr record = images.getObject(static_cast<unsigned>(i));
    if (!record || record->optValue<std::string>("image_id", "") != image_id) continue;
    return fmt::format("{}:{} ({})", record->optValue<std::string>("cicd_name", ""),
                       record->optValue<std::string>("image_version", ""), image_id);
  }
  return image_id;
}

// How the finding request for `kind` names an image: in its path, or as a query parameter.
WholeList finding_list(FindingKind kind, const std::string& image_id, std::vector<JsonObject> items) {
  Record image;
  image.image_id = image_id;
  Request request = finding_request(endpoint_for(kind), image, FindingOptions{}, 0, k_page_size);
  WholeList list{request.path, request.path_parameters, {}, std::move(items)};
  for (const auto& [name, value] : request.query) {
    if (name == "image_id") list.query_selectors.emplace_back(name, value);
  }
  return list;
}

void add_index(Bundle& bundle, const Object& record) {
  std::string image_id = record.optValue<std::string>("image_id", "");
  if (image_id.empty()) return;
  auto add = [&](std::vector<std::string>& ids) {
    if (std::find(ids.begin(), ids.end(), image_id) == ids.end()) ids.push_back(image_id);
  };
  std::string cicd_name = record.optValue<std::string>("cicd_name", "");
  if (!cicd_name.empty()) add(bundle.by_cicd_name[cicd_name]);
  if (record.has("namespace") || record.has("image_name")) {
    add(bundle.by_image_name[fmt::format("{}/{}", record.optValue<std::string>("namespace", ""),
                                         record.optValue<std::string>("image_name", ""))]);
  }
}

} // namespace

Bundle convert_v1_bundle(std::string_view text, const JsonObject& root_read) {
  Object::Ptr root = parse_json_document(text).extract<Object::Ptr>();
  Bundle bundle;
  bundle.source = Bundle::Source::bundle_v1;
  if (!root->has("fetched_at") || !root->get("fetched_at").isString()) {
    fail("fetched_at", "an ISO date-time", shape_of(*root, "fetched_at"));
  }
  bundle.fetched_at = root->getValue<std::string>("fetched_at");

  Object::Ptr images = object_member(*root, "images", "image list (images)", "the saved list response, an object");
  JsonObject images_read = *root_read.object("images");
  WholeList image_list{std::string(k_cicd_images_path), {}, {},
                       items_of(*images, images_read, "data_list", "image list (images.data_list)")};
  // A saved list that promises more records than it holds was saved in part: never judged.
  std::optional<std::int64_t> promised;
  try {
    promised = images_read.integer("total_num", 0, std::numeric_limits<std::int32_t>::max());
  } catch (const ServiceError& e) {
    fail("image list (images.total_num)", "an integer count", e.what());
  }
  if (promised && *promised > static_cast<std::int64_t>(image_list.items.size())) {
    fail("image list (images.data_list)", fmt::format("the {} records total_num promises", *promised),
         fmt::format("{}", image_list.items.size()));
  }
  bundle.lists.push_back(std::move(image_list));
  Array::Ptr records = images->getArray("data_list");
  for (std::size_t i = 0; i < records->size(); ++i) add_index(bundle, *records->getObject(static_cast<unsigned>(i)));

  if (!root->has("findings")) return bundle;
  Object::Ptr findings = object_member(*root, "findings", "findings", "an object of images by image_id");
  JsonObject findings_read = *root_read.object("findings");
  for (const auto& image_id : findings->getNames()) {
    std::string image = image_named(*records, image_id);
    Object::Ptr lists = object_member(*findings, image_id, fmt::format("findings of image {}", image), "an object of lists");
    JsonObject lists_read = *findings_read.object(image_id);
    for (const auto& name : lists->getNames()) {
      if (name == k_cves_key) {
        std::string what = fmt::format("cves map of image {}", image);
        Object::Ptr cves = object_member(*lists, name, what, "an object of CVE lists by vul_id");
        JsonObject cves_read = *lists_read.object(name);
        for (const auto& vul_id : cves->getNames()) {
          auto items = items_of(*cves, cves_read, vul_id, fmt::format("CVE list of vulnerability {} of image {}", vul_id, image));
          Request request = cve_request(vul_id, FindingOptions{}, 0, k_page_size);
          bundle.lists.push_back(WholeList{request.path, request.path_parameters, {}, std::move(items)});
        }
        continue;
      }
      auto kind = finding_kind_named(name);
      if (!kind) fail(fmt::format("findings of image {}", image), "finding kinds and cves", fmt::format("\"{}\"", name));
      auto items = items_of(*lists, lists_read, name, fmt::format("{} list of image {}", name, image));
      bundle.lists.push_back(finding_list(*kind, image_id, std::move(items)));
    }
  }
  return bundle;
}

} // namespace gate::hss
