#include "gate/hss/bundle.hpp"

#include "gate/error.hpp"
#include "gate/hss/cicd_images.hpp"
#include "gate/hss/json_reader.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gate::hss {

namespace {

constexpr std::string_view k_bundle_key = "hss_gate_bundle";
constexpr std::string_view k_cves_key = "cves";
constexpr std::uintmax_t k_max_saved_run = std::uintmax_t{256} << 20;

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

void read_bundle(const JsonObject& root, SavedRun& run, bool keep_json) {
  auto version = root.integer(k_bundle_key, 0, 1000);
  if (version != k_bundle_version) fail_response(root.member(k_bundle_key), fmt::format("{}", k_bundle_version));
  run.bundle = true;
  run.findings.fetched_at = root.text("fetched_at").value_or("");
  auto images = root.object("images");
  if (!images) fail_response("response", "member images, the saved list response");
  run.records = read_cicd_images_page(*images, keep_json).items;
  auto findings = root.object("findings");
  if (!findings) return;
  for (const auto& image_id : findings->keys()) {
    JsonObject lists = *findings->object(image_id);
    ImageFindings& image = run.findings.images[image_id];
    for (const auto& name : lists.keys()) {
      if (name == k_cves_key) {
        JsonObject cves = *lists.object(name);
        for (const auto& vul_id : cves.keys()) {
          run.findings.cves[vul_id] = read_finding_records(cve_endpoint(), cves.objects(vul_id).value_or(std::vector<JsonObject>{}), keep_json);
        }
        continue;
      }
      auto kind = finding_kind_named(name);
      if (!kind) fail_response(lists.member(name), "a finding kind or cves");
      image.lists.emplace_back(*kind, read_finding_records(endpoint_for(*kind), lists.objects(name).value_or(std::vector<JsonObject>{}), keep_json));
    }
  }
}

} // namespace

SavedRun read_saved_run(const std::string& path, bool keep_json) {
  std::string body = read_file(path);
  SavedRun run;
  try {
    JsonObject root = parse_json_object(body);
    body = std::string(); // the text is not needed once parsed: a large response holds memory twice otherwise
    if (root.has(k_bundle_key)) {
      read_bundle(root, run, keep_json);
    } else {
      run.records = read_cicd_images_page(root, keep_json).items;
    }
  } catch (const ServiceError& e) {
    throw e.reworded(fmt::format("{}: {}", path, e.what()));
  }
  return run;
}

std::string bundle_json(const std::vector<Record>& records, const RunFindings& findings) {
  std::vector<std::string> image_items;
  std::vector<const Record*> distinct;
  for (const auto& record : records) {
    bool seen = std::any_of(distinct.begin(), distinct.end(), [&](const Record* r) { return r->json == record.json; });
    if (seen || record.json.empty()) continue;
    distinct.push_back(&record);
    image_items.push_back(record.json);
  }
  JsonBuilder images;
  images.set("total_num", static_cast<std::int64_t>(image_items.size())).set_array("data_list", image_items);

  JsonBuilder by_image;
  for (const auto& [image_id, image] : findings.images) {
    JsonBuilder lists;
    std::vector<std::string> vul_ids;
    for (const auto& [kind, list] : image.lists) {
      if (image.error(kind)) continue; // a partial list would replay as a complete one
      std::vector<std::string> items;
      items.reserve(list.size());
      for (const auto& finding : list) {
        items.push_back(finding.json);
        if (kind.spec().cves) vul_ids.push_back(finding.text(kind.spec().cves->key_member).value_or(""));
      }
      lists.set_array(std::string(name_of(kind)), items);
    }
    JsonBuilder cves;
    bool any_cves = false;
    for (const auto& vul_id : vul_ids) {
      auto found = findings.cves.find(vul_id);
      if (found == findings.cves.end()) continue;
      std::vector<std::string> items;
      for (const auto& cve : found->second) items.push_back(cve.json);
      cves.set_array(vul_id, items);
      any_cves = true;
    }
    if (any_cves) lists.set(std::string(k_cves_key), std::move(cves));
    by_image.set(image_id, std::move(lists));
  }
  JsonBuilder root;
  root.set(std::string(k_bundle_key), std::int64_t{k_bundle_version});
  root.set("fetched_at", findings.fetched_at);
  root.set("images", std::move(images));
  root.set("findings", std::move(by_image));
  return root.str();
}

} // namespace gate::hss
