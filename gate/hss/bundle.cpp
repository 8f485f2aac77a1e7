#include "gate/hss/bundle.hpp"

#include "gate/error.hpp"
#include "gate/hss/bundle_v1.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/json_document.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/hss/recording_transport.hpp"
#include "gate/units/units.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace gate::hss {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr std::string_view k_bundle_key = "hss_gate_bundle";
constexpr std::uintmax_t k_max_saved_run = std::uintmax_t{256} << 20;
constexpr std::chrono::minutes k_scan_time_slack{5};

std::string read_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error)) {
    throw UsageError(fmt::format("--from-file {}: not a regular file", path));
  }
  if (std::filesystem::file_size(path, error) > k_max_saved_run && !error) {
    throw UsageError(fmt::format("--from-file {}: larger than {} MiB", path, k_max_saved_run >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(fmt::format("--from-file {}: cannot read the file", path));
  std::stringstream body;
  body << in.rdbuf();
  return body.str();
}

[[noreturn]] void fail_bundle(const std::string& what, const std::string& expected) {
  throw UsageError(fmt::format("the bundle's {}: expected {}", what, expected));
}

Object::Ptr object_in(const Object& parent, const std::string& key, const std::string& what) {
  if (!parent.has(key) || parent.isNull(key)) fail_bundle(what, "an object, got none");
  if (!parent.isObject(key)) fail_bundle(what, "an object");
  return parent.getObject(key);
}

Pairs strings_in(const Object& parent, const std::string& key, const std::string& what) {
  Pairs pairs;
  Object::Ptr object = object_in(parent, key, what);
  for (const auto& name : object->getNames()) {
    Var value = object->get(name);
    if (!value.isString()) fail_bundle(fmt::format("{}.{}", what, name), "a string");
    pairs.emplace_back(name, value.extract<std::string>());
  }
  return pairs;
}

std::string json_of(const Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

Object::Ptr parse_ordered(std::string_view text) { return parse_json_document(text).extract<Object::Ptr>(); }

std::map<std::string, std::vector<std::string>> read_index(const Object& index, const std::string& key) {
  std::map<std::string, std::vector<std::string>> by_name;
  std::string what = fmt::format("index.{}", key);
  Object::Ptr names = object_in(index, key, what);
  for (const auto& name : names->getNames()) {
    Array::Ptr ids = names->isArray(name) ? names->getArray(name) : nullptr;
    if (!ids) fail_bundle(fmt::format("{}.{}", what, name), "an array of image_ids");
    for (std::size_t i = 0; i < ids->size(); ++i) {
      Var id = ids->get(static_cast<unsigned>(i));
      if (!id.isString()) fail_bundle(fmt::format("{}.{}[{}]", what, name, i), "an image_id string");
      by_name[name].push_back(id.extract<std::string>());
    }
  }
  return by_name;
}

// Version 3's policy bases: each a URL, a digest of 64 lower-case hex digits and the text.
std::vector<SavedPolicyBase> read_policy_bases(const Object& root) {
  Array::Ptr bases = root.isArray("policy_bases") ? root.getArray("policy_bases") : nullptr;
  if (!bases) fail_bundle("policy_bases", "an array of the policy bases read by URL");
  std::vector<SavedPolicyBase> read;
  for (std::size_t i = 0; i < bases->size(); ++i) {
    std::string what = fmt::format("policy_bases[{}]", i);
    if (!bases->isObject(static_cast<unsigned>(i))) fail_bundle(what, "an object");
    Object::Ptr item = bases->getObject(static_cast<unsigned>(i));
    SavedPolicyBase base;
    const std::pair<const char*, std::string*> members[] = {{"url", &base.url}, {"sha256", &base.sha256},
                                                            {"text", &base.content}};
    for (auto [key, into] : members) {
      if (!item->has(key) || !item->get(key).isString()) fail_bundle(fmt::format("{}.{}", what, key), "a string");
      *into = item->getValue<std::string>(key);
    }
    if (base.sha256.size() != 64 || base.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
      fail_bundle(what + ".sha256", "64 lower-case hex digits");
    }
    read.push_back(std::move(base));
  }
  return read;
}

Bundle read_v2(std::string_view text, bool with_bases) {
  Object::Ptr root = parse_ordered(text);
  Bundle bundle;
  bundle.source = Bundle::Source::bundle_v2;
  if (with_bases) bundle.policy_bases = read_policy_bases(*root);
  if (!root->has("fetched_at") || !root->get("fetched_at").isString()) fail_bundle("fetched_at", "an ISO date-time");
  bundle.fetched_at = root->getValue<std::string>("fetched_at");
  Object::Ptr index = object_in(*root, "index", "index");
  bundle.by_cicd_name = read_index(*index, "cicd_name");
  bundle.by_image_name = read_index(*index, "namespace/image_name");
  Array::Ptr exchanges = root->isArray("exchanges") ? root->getArray("exchanges") : nullptr;
  if (!exchanges) fail_bundle("exchanges", "an array of recorded requests and answers");
  // Two answers to one request would let the order of the file decide what a replay judges.
  std::map<std::string, std::size_t> first_answer;
  for (std::size_t i = 0; i < exchanges->size(); ++i) {
    std::string what = fmt::format("exchanges[{}]", i);
    if (!exchanges->isObject(static_cast<unsigned>(i))) fail_bundle(what, "an object");
    Object::Ptr item = exchanges->getObject(static_cast<unsigned>(i));
    if (!item->has("path") || !item->get("path").isString()) fail_bundle(what + ".path", "a path template");
    Exchange exchange;
    exchange.path = item->getValue<std::string>("path");
    what = fmt::format("{} ({})", what, exchange.path);
    exchange.path_parameters = strings_in(*item, "path_parameters", what + ".path_parameters");
    exchange.query = strings_in(*item, "query", what + ".query");
    exchange.body = json_of(object_in(*item, "response", what + ".response"));
    auto [earlier, first] = first_answer.emplace(exchange_key(exchange.path, exchange.path_parameters, exchange.query), i);
    if (!first) fail_bundle(what, fmt::format("one answer per request, but exchanges[{}] answers the same request", earlier->second));
    bundle.exchanges.push_back(std::move(exchange));
  }
  return bundle;
}

// The plain ListCicdImages response, served as one whole list. The list itself is the file's
// (exit 2, as in a bundle): a data_list that is null, missing or not an array of records while
// total_num promises records, or empty while it promises some, is never an empty list. Its
// records are read as HSS's answer (ServiceError for a member's defect, as online).
Bundle read_list_response(const JsonObject& root) {
  std::vector<JsonObject> items;
  try {
    auto total = root.integer("total_num", 0, std::numeric_limits<std::int32_t>::max());
    items = root.page_items(total.value_or(0), source_spec(Source::cicd).bare_object);
    // One saved answer is the whole list: fewer records than total_num promises is a part of it.
    if (static_cast<std::int64_t>(items.size()) < total.value_or(0)) {
      fail_bundle("CI/CD image list (data_list)",
                  items.empty() ? fmt::format("the {} records total_num promises, got none", *total)
                                : fmt::format("the {} records total_num promises, got {}", *total, items.size()));
    }
  } catch (const ServiceError& e) {
    throw UsageError(fmt::format("the CI/CD image list is not a complete list: {}", e.what()));
  }
  read_cicd_images_page(root);
  Bundle bundle;
  bundle.lists.push_back(WholeList{std::string(k_cicd_images_path), {}, {}, std::move(items)});
  return bundle;
}

// The newest latest_scan_time of the image records the bundle holds, read leniently: a defect
// in a record is the lookup's to report, naming the list.
std::optional<std::int64_t> newest_scan_time(const Bundle& bundle) {
  std::optional<std::int64_t> newest;
  auto consider = [&](const JsonObject& record) {
    try {
      auto time = record.integer("latest_scan_time", 0, units::k_max_epoch_ms);
      if (time && (!newest || *time > *newest)) newest = time;
    } catch (const ServiceError&) {
    }
  };
  for (const auto& exchange : bundle.exchanges) {
    if (exchange.path != k_cicd_images_path) continue;
    try {
      auto records = parse_json_object(exchange.body).objects("data_list", source_spec(Source::cicd).bare_object);
      for (const auto& record : records.value_or(std::vector<JsonObject>{})) {
        consider(record);
      }
    } catch (const ServiceError&) {
    }
  }
  for (const auto& list : bundle.lists) {
    if (list.path != k_cicd_images_path) continue;
    for (const auto& item : list.items) consider(item);
  }
  return newest;
}

void check_fetched_at(const Bundle& bundle) {
  auto fetched = units::parse_date_time(bundle.fetched_at);
  if (!fetched) fail_bundle("fetched_at", fmt::format("an ISO date-time such as 2026-11-27T12:00:00Z, got \"{}\"", bundle.fetched_at));
  auto newest = newest_scan_time(bundle);
  if (!newest) return;
  auto scanned = units::time_from_epoch_ms(*newest);
  if (scanned && *fetched + k_scan_time_slack < *scanned) {
    fail_bundle("fetched_at", fmt::format("a time no more than 5 minutes before the newest latest_scan_time it holds ({}), "
                                          "got {}",
                                          units::format_date_time(*scanned), bundle.fetched_at));
  }
}

} // namespace

std::vector<std::string> image_ids_named(const Bundle& bundle, const Record& names) {
  const std::map<std::string, std::vector<std::string>>* index = &bundle.by_image_name;
  std::string key = fmt::format("{}/{}", names.namespace_name.value_or(""), names.image_name.value_or(""));
  if (names.cicd_name && !names.cicd_name->empty()) {
    index = &bundle.by_cicd_name;
    key = *names.cicd_name;
  }
  auto found = index->find(key);
  return found == index->end() ? std::vector<std::string>{} : found->second;
}

Bundle read_bundle_file(const std::string& path) {
  std::string body = read_file(path);
  try {
    std::optional<JsonObject> parsed;
    try {
      parsed = parse_json_object(body); // the readers' checks: duplicated keys, 64-bit integers
    } catch (const ServiceError& e) {
      // Text that names itself a bundle is the user's file, whatever else is wrong with it: exit 2,
      // which --on-error pass never passes. Other text is read as a saved HSS answer (exit 3).
      if (body.find(fmt::format("\"{}\"", k_bundle_key)) != std::string::npos) {
        throw UsageError(fmt::format("not a readable bundle: {}", e.what()));
      }
      throw;
    }
    const JsonObject& root = *parsed;
    if (!root.has(k_bundle_key)) return read_list_response(root);
    // A bundle is a file the user gave: a version of the wrong type is a bad input (exit 2), not
    // an unreadable HSS answer that --on-error pass could let through.
    std::int64_t version = 0;
    try {
      version = root.integer(k_bundle_key, 0, 1000).value_or(0);
    } catch (const ServiceError&) {
      fail_bundle(std::string(k_bundle_key), fmt::format("the integer 1, 2 or {}", k_bundle_version));
    }
    Bundle bundle;
    if (version == 1) {
      bundle = convert_v1_bundle(body, root);
    } else if (version == k_bundle_version_without_bases || version == k_bundle_version) {
      bundle = read_v2(body, version == k_bundle_version);
    } else {
      fail_bundle(std::string(k_bundle_key), fmt::format("1, 2 or {}", k_bundle_version));
    }
    check_fetched_at(bundle);
    return bundle;
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--from-file {}: {}", path, e.what()));
  } catch (const ServiceError& e) {
    throw e.reworded(fmt::format("{}: {}", path, e.what()));
  } catch (const Poco::Exception& e) {
    throw UsageError(fmt::format("--from-file {}: not a readable bundle: {}", path, e.displayText()));
  }
}

std::string bundle_json(const std::vector<Exchange>& exchanges, const std::vector<Record>& records,
                        const std::string& fetched_at, const std::vector<SavedPolicyBase>& policy_bases) {
  std::map<std::string, std::vector<std::string>> by_cicd_name, by_image_name;
  auto add = [](std::vector<std::string>& ids, const std::string& id) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  for (const auto& record : records) {
    if (record.image_id.empty()) continue;
    if (record.cicd_name && !record.cicd_name->empty()) add(by_cicd_name[*record.cicd_name], record.image_id);
    if (record.namespace_name || record.image_name) {
      add(by_image_name[fmt::format("{}/{}", record.namespace_name.value_or(""), record.image_name.value_or(""))],
          record.image_id);
    }
  }
  auto index_object = [](const std::map<std::string, std::vector<std::string>>& by_name) {
    Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [name, ids] : by_name) {
      Array::Ptr array = new Array();
      for (const auto& id : ids) array->add(id);
      object->set(name, array);
    }
    return object;
  };
  Object::Ptr index = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  index->set("cicd_name", index_object(by_cicd_name));
  index->set("namespace/image_name", index_object(by_image_name));

  auto pairs_object = [](const Pairs& pairs) {
    Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    for (const auto& [name, value] : pairs) object->set(name, value);
    return object;
  };
  Array::Ptr recorded = new Array();
  for (const auto& exchange : exchanges) {
    Object::Ptr item = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("path", exchange.path);
    item->set("path_parameters", pairs_object(exchange.path_parameters));
    item->set("query", pairs_object(exchange.query));
    item->set("response", parse_ordered(exchange.body));
    recorded->add(item);
  }
  Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set(std::string(k_bundle_key), policy_bases.empty() ? k_bundle_version_without_bases : k_bundle_version);
  root.set("fetched_at", fetched_at);
  root.set("index", index);
  root.set("exchanges", recorded);
  if (!policy_bases.empty()) {
    Array::Ptr bases = new Array();
    for (const auto& base : policy_bases) {
      Object::Ptr item = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      item->set("url", base.url);
      item->set("sha256", base.sha256);
      item->set("text", base.content);
      bases->add(item);
    }
    root.set("policy_bases", bases);
  }
  std::ostringstream out;
  root.stringify(out, 1);
  return out.str();
}

} // namespace gate::hss
