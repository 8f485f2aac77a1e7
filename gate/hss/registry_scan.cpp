#include "gate/hss/registry_scan.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/hss/retry.hpp"
#include "gate/units/units.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <fmt/format.h>

#include <limits>
#include <sstream>

namespace gate::hss {

namespace {

// scan_scope: every check HSS offers (registry-images.md 2a).
constexpr std::int32_t k_scan_everything = 0x7fffffff;

void add_options(Request& request, const TaskOptions& options, bool region_header) {
  if (options.enterprise_project_id) request.query.emplace_back("enterprise_project_id", *options.enterprise_project_id);
  if (region_header && options.region) request.headers.emplace_back("region", *options.region);
}

std::string json_text(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string registry_names(const std::vector<RegistryInfo>& registries) {
  std::vector<std::string> names;
  for (const auto& registry : registries) names.push_back(fmt::format("{} ({})", registry.name, registry.id));
  return fmt::format("{}", fmt::join(names, ", "));
}

// Listed but never scanned, or changed after its last scan: HSS will not scan it by itself.
bool needs_scan(const Record& record) {
  if (record.scan_status == "unscan") return true;
  return record.latest_scan_time && record.latest_update_time && *record.latest_scan_time < *record.latest_update_time;
}

} // namespace

Page<RegistryInfo> parse_registries_page(std::string_view body) {
  JsonObject root = parse_json_object(body);
  Page<RegistryInfo> page;
  page.total_num = root.integer("total_num", 0, std::numeric_limits<std::int32_t>::max());
  for (const auto& item : root.page_items(page.total_num.value_or(0))) {
    page.items.push_back({item.text("id").value_or(""), item.text("registry_name").value_or(""),
                          item.text("registry_type").value_or("")});
  }
  return page;
}

Request registries_request(const std::optional<std::string>& registry_type, const TaskOptions& options,
                           std::int64_t offset, int limit) {
  Request request;
  request.operation = k_registries_operation;
  request.path = std::string(k_registries_path);
  if (registry_type) request.query.emplace_back("registry_type", *registry_type);
  request.query.emplace_back("limit", std::to_string(limit));
  request.query.emplace_back("offset", std::to_string(offset));
  add_options(request, options, false);
  return request;
}

std::vector<RegistryInfo> list_registries(Transport& transport, const std::optional<std::string>& registry_type,
                                          const TaskOptions& options) {
  std::vector<RegistryInfo> registries;
  auto fetch = [&](std::int64_t offset, int limit) {
    Response response = transport.get(registries_request(registry_type, options, offset, limit));
    try {
      return parse_registries_page(response.body);
    } catch (const ServiceError& e) {
      throw e.reworded(fmt::format("{}{}", e.what(), request_id_suffix(response.request_id)));
    }
  };
  read_all_pages("HSS's list of registries", fetch, registries);
  return registries;
}

Request scan_tasks_request(const TaskOptions& options, std::int64_t offset, int limit) {
  Request request;
  request.operation = k_scan_tasks_operation;
  request.path = std::string(k_scan_tasks_path);
  request.query = {{"type", "image_scan"},
                   {"global_image_type", "registry"},
                   {"task_type", "manual"},
                   {"limit", std::to_string(limit)},
                   {"offset", std::to_string(offset)}};
  add_options(request, options, false);
  return request;
}

Page<ScanTask> parse_scan_tasks_page(std::string_view body) {
  JsonObject root = parse_json_object(body);
  Page<ScanTask> page;
  page.total_num = root.integer("total_num", 0, std::numeric_limits<std::int32_t>::max());
  for (const auto& item : root.page_items(page.total_num.value_or(0))) {
    page.items.push_back({item.text("task_id").value_or(""), item.integer("task_status", -3, 100)});
  }
  return page;
}

Request sync_task_request(const std::vector<RegistryInfo>& registries, const TaskOptions& options) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("sync_all_registries", false);
  Poco::JSON::Array::Ptr info = new Poco::JSON::Array();
  for (const auto& registry : registries) {
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("registry_id", registry.id);
    item->set("registry_type", registry.type);
    info->add(item);
  }
  body->set("registry_info", info);
  Request request;
  request.operation = k_sync_task_operation;
  request.path = std::string(k_sync_task_path);
  request.body = json_text(body);
  add_options(request, options, true);
  return request;
}

// Which image_info members the API needs is not documented (registry-images.md 7.1): every
// identifier the record holds is sent.
Request scan_task_request(const Record& image, const TaskOptions& options) {
  Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  if (image.id) item->set("id", static_cast<Poco::Int64>(*image.id));
  item->set("image_id", image.image_id);
  auto text = [&](const char* name, const std::optional<std::string>& value) {
    if (value && !value->empty()) item->set(name, *value);
  };
  text("image_digest", image.image_digest);
  text("registry_id", image.registry_id);
  text("registry_name", image.registry_name);
  text("registry_type", image.registry_type);
  text("namespace", image.namespace_name);
  text("image_name", image.image_name);
  text("image_version", image.image_version);
  text("instance_id", image.instance_id);
  text("instance_url", image.instance_url);
  Poco::JSON::Array::Ptr images = new Poco::JSON::Array();
  images->add(item);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  body->set("scan_scope", k_scan_everything);
  body->set("is_all", false);
  body->set("image_info", images);
  Request request;
  request.operation = k_scan_task_operation;
  request.path = std::string(k_scan_task_path);
  request.query = {{"global_image_type", "registry"}};
  request.body = json_text(body);
  add_options(request, options, true);
  return request;
}

ScanTrigger::ScanTrigger(Transport& transport, Clock& clock, TaskOptions options, Progress say)
  : m_transport(transport), m_clock(clock), m_options(std::move(options)), m_say(std::move(say)) {}

std::string ScanTrigger::now_text() const {
  return units::format_date_time(std::chrono::floor<std::chrono::seconds>(m_clock.wall_now()));
}

void ScanTrigger::operator()(Lookup& lookup) {
  if (!source_spec(lookup.query.source).scans_on_request || lookup.no_verdict) return;
  if (lookup.records.empty() || !lookup.stale_digest.empty()) {
    sync(lookup);
    return;
  }
  const Record& record = lookup.records.front();
  if (needs_scan(record)) scan(lookup, record);
}

void ScanTrigger::sync(Lookup& lookup) {
  std::string image = describe_query(lookup.query);
  if (!m_asked.insert(fmt::format("{} {}", k_sync_task_operation, image)).second) return;
  const std::string_view operation = k_sync_task_operation;
  std::vector<RegistryInfo> registries;
  try {
    if (!lookup.stale_digest.empty() && lookup.stale_digest.front().registry_id) {
      // HSS lists the tag already: its record names the registry.
      const Record& listed = lookup.stale_digest.front();
      registries.push_back({*listed.registry_id, listed.registry_name.value_or(""), listed.registry_type.value_or("")});
    } else {
      std::string image_type = lookup.query.image_type.value_or("");
      auto type = registry_type_of(image_type);
      if (!type) {
        lookup.no_verdict = fmt::format("{}: no registry type is known for image_type {}", operation, image_type);
        return;
      }
      registries = list_registries(m_transport, std::string(*type), m_options);
      if (registries.empty()) {
        lookup.no_verdict = fmt::format("{} not asked: HSS knows no registry of type {} ({} lists none), so it cannot "
                                        "sync {}: connect the registry to HSS (docs/ci.md, \"Images in a registry\")",
                                        operation, *type, k_registries_operation, image);
        return;
      }
      if (registries.size() > 1) {
        lookup.no_verdict = fmt::format("{} not asked: HSS knows {} registries of type {} ({}), and the gate syncs only "
                                        "the one that holds {}, which HSS does not list yet: sync it in the HSS console",
                                        operation, registries.size(), *type, registry_names(registries), image);
        return;
      }
    }
  } catch (const ServiceError& e) {
    lookup.no_verdict = fmt::format("{} not asked: the registry of {} could not be found: {}", operation, image, e.what());
    return;
  }
  std::vector<RegistryInfo> unsynced;
  for (const auto& registry : registries) {
    if (!m_synced.count(registry.id)) unsynced.push_back(registry);
  }
  std::string asked = fmt::format("sync registry {} so that HSS lists {} with digest {}", registry_names(registries),
                                  image, lookup.query.image_digest.value_or("(any)"));
  if (unsynced.empty()) {
    lookup.triggers.push_back({std::string(operation), asked + " (already asked in this run)", now_text()});
    return;
  }
  try {
    m_transport.post(sync_task_request(unsynced, m_options));
  } catch (const ServiceError& e) {
    lookup.no_verdict = fmt::format("{} failed, so HSS was not asked to list {}: {}", operation, image, e.what());
    return;
  }
  for (const auto& registry : unsynced) m_synced.insert(registry.id);
  lookup.triggers.push_back({std::string(operation), asked, now_text()});
  m_say(fmt::format("asked HSS to {} ({})", asked, operation));
}

void ScanTrigger::scan(Lookup& lookup, const Record& record) {
  std::string image = describe_record(record);
  if (!m_asked.insert(fmt::format("{} {}", k_scan_task_operation, describe_query(lookup.query))).second) return;
  const std::string_view operation = k_scan_task_operation;
  if (record.is_multiple_arch.value_or(false)) {
    lookup.no_verdict = fmt::format("{} not asked: {} is a multi-architecture image (is_multiple_arch), which HSS "
                                    "cannot scan on request",
                                    operation, image);
    return;
  }
  if (!record.scannable.value_or(true)) {
    lookup.no_verdict = fmt::format("{} not asked: HSS marks {} as not scannable (scannable false; a shared image "
                                    "whose share expired, or an image HSS cannot read)",
                                    operation, image);
    return;
  }
  if (!record.id) {
    lookup.no_verdict = fmt::format("{} not asked: the record of {} has no id, which the scan request names", operation,
                                    image);
    return;
  }
  auto asked_at = m_clock.wall_now();
  Response response;
  try {
    response = m_transport.post(scan_task_request(record, m_options));
  } catch (const ServiceError& e) {
    lookup.no_verdict = fmt::format("{} failed, so {} was not scanned: {}", operation, image, e.what());
    return;
  }
  // HSS stamps latest_scan_time with its own clock: its Date header, not this machine's clock,
  // says when the request arrived.
  auto at = parse_http_date(response.date).value_or(std::chrono::floor<std::chrono::seconds>(asked_at));
  lookup.scanned_after = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  std::string asked = fmt::format("scan {} (record id {}, scan_status {})", image, *record.id, record.scan_status);
  lookup.triggers.push_back({std::string(operation), asked, now_text()});
  m_say(fmt::format("asked HSS to {} ({})", asked, operation));
}

} // namespace gate::hss
