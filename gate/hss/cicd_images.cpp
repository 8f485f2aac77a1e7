#include "gate/hss/cicd_images.hpp"

#include "gate/error.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/units/units.hpp"

#include <fmt/format.h>

#include <limits>

namespace gate::hss {

namespace {

constexpr std::int64_t k_max_int32 = std::numeric_limits<std::int32_t>::max();

std::string one_of(auto names) {
  std::string text;
  for (const auto& name : names) {
    if (!text.empty()) text += ", ";
    text += std::string(name);
  }
  return text;
}

Record read_record(const JsonObject& in) {
  Record record;
  record.image_id = in.text("image_id").value_or("");
  record.cicd_name = in.text("cicd_name");
  record.namespace_name = in.text("namespace");
  record.image_name = in.text("image_name");
  record.image_digest = in.text("image_digest");
  record.image_version = in.text("image_version");
  record.registry_name = in.text("registry_name");
  record.image_type = in.text("image_type");
  record.registry_type = in.text("registry_type");
  record.pipeline_type = in.text("pipeline_type");
  record.latest_version = in.boolean("latest_version");
  record.scan_status = in.text("scan_status").value_or("");
  record.scan_failed_desc = in.text("scan_failed_desc");
  record.scan_failed_code = in.text("scan_failed_code");
  record.image_size = in.size("image_size");
  record.latest_update_time = in.integer("latest_update_time", 0, units::k_max_epoch_ms);
  record.latest_scan_time = in.integer("latest_scan_time", 0, units::k_max_epoch_ms);
  record.vul_num = in.integer("vul_num", 0, k_max_int32);
  record.unsafe_setting_num = in.integer("unsafe_setting_num", 0, k_max_int32);
  record.malicious_file_num = in.integer("malicious_file_num", 0, k_max_int32);
  record.severity_level = in.text("severity_level");

  if (!scan_state_of(record.scan_status)) {
    std::vector<std::string_view> names;
    for (const auto& status : scan_statuses()) names.push_back(status.name);
    fail_response(in.member("scan_status"), fmt::format("one of {}, got \"{}\"", one_of(names), record.scan_status));
  }
  // An empty severity_level is what HSS sends before it rates an image; any other value must
  // be on the ladder.
  if (record.severity_level && !record.severity_level->empty() && !severity_rank(*record.severity_level)) {
    fail_response(in.member("severity_level"),
                  fmt::format("one of {}, got \"{}\"", one_of(severity_levels()), *record.severity_level));
  }
  return record;
}

} // namespace

Page<Record> parse_cicd_images_page(std::string_view body) {
  return read_cicd_images_page(parse_json_object(body));
}

Page<Record> read_cicd_images_page(const JsonObject& root) {
  Page<Record> page;
  page.total_num = root.integer("total_num", 0, k_max_int32);
  for (const auto& item : root.page_items(page.total_num.value_or(0))) page.items.push_back(read_record(item));
  return page;
}

Request cicd_images_request(const Query& query, std::int64_t offset, int limit) {
  Request request;
  request.operation = k_cicd_images_operation;
  request.path = std::string(k_cicd_images_path);
  request.query = {{"cicd_name", query.cicd_name},
                   {"image_version", query.image_version},
                   {"limit", std::to_string(limit)},
                   {"offset", std::to_string(offset)}};
  if (query.image_name) request.query.emplace_back("image_name", *query.image_name);
  if (query.namespace_name) request.query.emplace_back("namespace", *query.namespace_name);
  if (query.enterprise_project_id) request.query.emplace_back("enterprise_project_id", *query.enterprise_project_id);
  return request;
}

void list_cicd_images(Transport& transport, const Query& query, std::vector<Record>& into) {
  auto fetch = [&](std::int64_t offset, int limit) {
    Response response = transport.get(cicd_images_request(query, offset, limit));
    try {
      return parse_cicd_images_page(response.body);
    } catch (const ServiceError& e) {
      throw e.reworded(fmt::format("{}{}", e.what(), request_id_suffix(response.request_id)));
    }
  };
  read_all_pages("the CI/CD image list", fetch, into);
}

} // namespace gate::hss
