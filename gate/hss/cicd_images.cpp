#include "gate/hss/cicd_images.hpp"

#include "gate/error.hpp"
#include "gate/hss/image_sources.hpp"
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

Record read_record(const JsonObject& in, Source source) {
  Record record;
  record.source = source;
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
  record.id = in.integer("id", 0, std::numeric_limits<std::int64_t>::max());
  record.registry_id = in.text("registry_id");
  record.instance_id = in.text("instance_id");
  record.instance_name = in.text("instance_name");
  record.instance_url = in.text("instance_url");
  record.latest_sync_time = in.integer("latest_sync_time", 0, units::k_max_epoch_ms);
  record.scannable = in.boolean("scannable");
  record.is_multiple_arch = in.boolean("is_multiple_arch");

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

Page<Record> parse_cicd_images_page(std::string_view body, Source source) {
  return read_cicd_images_page(parse_json_object(body), source);
}

Page<Record> read_cicd_images_page(const JsonObject& root, Source source) {
  Page<Record> page;
  page.total_num = root.integer("total_num", 0, k_max_int32);
  for (const auto& item : root.page_items(page.total_num.value_or(0), source_spec(source).bare_object)) {
    page.items.push_back(read_record(item, source));
  }
  return page;
}

Request cicd_images_request(const Query& query, std::int64_t offset, int limit) {
  const SourceSpec& source = source_spec(query.source);
  Request request;
  request.operation = source.operation;
  request.path = std::string(source.path);
  request.query = source.list_filters(query);
  request.query.emplace_back("limit", std::to_string(limit));
  request.query.emplace_back("offset", std::to_string(offset));
  if (query.enterprise_project_id) request.query.emplace_back("enterprise_project_id", *query.enterprise_project_id);
  return request;
}

void list_cicd_images(Transport& transport, const Query& query, std::vector<Record>& into) {
  const SourceSpec& source = source_spec(query.source);
  auto fetch = [&](std::int64_t offset, int limit) {
    Response response = transport.get(cicd_images_request(query, offset, limit));
    try {
      return parse_cicd_images_page(response.body, query.source);
    } catch (const ServiceError& e) {
      throw e.reworded(fmt::format("{}{}", e.what(), request_id_suffix(response.request_id)));
    }
  };
  read_all_pages(source.list_name, fetch, into);
}

} // namespace gate::hss
