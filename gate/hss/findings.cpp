#include "gate/hss/findings.hpp"

#include "gate/error.hpp"
#include "gate/hss/findings/endpoints.hpp"
#include "gate/hss/image_sources.hpp"
#include "gate/hss/json_reader.hpp"
#include "gate/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

namespace gate::hss {

namespace {

// The kinds in position order, from the registry generated from hss/findings/ (finding_registry.cpp.in).
const std::vector<FindingKind>& registry() {
  static const std::vector<FindingKind> kinds = [] {
    std::vector<FindingKind> sorted;
    for (const FindingKindSpec* spec : findings::registered_kinds()) sorted.emplace_back(*spec);
    std::sort(sorted.begin(), sorted.end(), [](FindingKind a, FindingKind b) {
      return a.spec().position < b.spec().position;
    });
    return sorted;
  }();
  return kinds;
}

// The path parameter `name` when the endpoint's path names it: some endpoints take the image as a
// query parameter instead.
Pairs path_parameter(std::string_view path, std::string_view name, const std::string& value) {
  if (path.find(fmt::format("{{{}}}", name)) == std::string_view::npos) return {};
  return {{std::string(name), value}};
}

FindingRecord read_finding(const FindingEndpoint& endpoint, const JsonObject& in) {
  FindingRecord record;
  for (const auto& spec : endpoint.fields) {
    FieldValue value;
    switch (spec.type) {
    case FieldType::text:
      if (auto text = in.text(spec.name)) value = *text;
      break;
    case FieldType::integer:
      if (auto number = in.integer(spec.name, 0, std::numeric_limits<std::int64_t>::max())) value = *number;
      break;
    case FieldType::number:
      if (auto number = in.number(spec.name)) value = *number;
      break;
    }
    record.fields.emplace_back(spec.name, std::move(value));
  }
  return record;
}

Page<FindingRecord> fetch_page(Transport& transport, const FindingEndpoint& endpoint, const Request& request) {
  Response response = transport.get(request);
  try {
    return parse_finding_page(endpoint, response.body);
  } catch (const ServiceError& e) {
    throw e.reworded(fmt::format("{}{}", e.what(), request_id_suffix(response.request_id)));
  }
}

// Reads a list into `items`: the first page; then, when it was full, the pages that total_num
// promises, fetched in parallel (capped by the page bound); then on in offset order until a short
// page. Where the list ends is take_page's rule, as for every list. On an error, `items` holds
// the pages before the failing one.
void read_prefetching(std::string_view list, const std::function<Request(std::int64_t)>& request_at,
                      Transport& transport, const FindingEndpoint& endpoint, std::vector<FindingRecord>& items) {
  std::int64_t promised = 0;
  auto append = [&](Page<FindingRecord>& page, std::int64_t offset) {
    return take_page(list, page, offset, k_page_size, promised, items);
  };
  Page<FindingRecord> first = fetch_page(transport, endpoint, request_at(0));
  std::int64_t total = first.total_num.value_or(0);
  if (!append(first, 0)) return;

  std::vector<std::int64_t> offsets;
  for (std::int64_t offset = k_page_size; offsets.size() + 1 < static_cast<std::size_t>(k_max_pages); offset += k_page_size) {
    offsets.push_back(offset);
    if (offset >= total) break; // up to and including the first offset at or past total_num
  }
  std::vector<Page<FindingRecord>> pages(offsets.size());
  std::vector<std::exception_ptr> failures(offsets.size());
  for_each_in_parallel(offsets.size(), k_parallel_finding_requests, [&](std::size_t i) {
    try {
      pages[i] = fetch_page(transport, endpoint, request_at(offsets[i]));
    } catch (const Interrupted&) {
      throw; // a cancelled run ends here, not as a failed page of this list
    } catch (...) {
      failures[i] = std::current_exception(); // raised in order below, after the pages before it
    }
  });
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (failures[i]) std::rethrow_exception(failures[i]);
    if (!append(pages[i], offsets[i])) return;
  }
  // total_num promised too little: go on one page at a time.
  for (int read = static_cast<int>(pages.size()) + 1; read < k_max_pages; ++read) {
    std::int64_t offset = std::int64_t{k_page_size} * read;
    Page<FindingRecord> page = fetch_page(transport, endpoint, request_at(offset));
    if (!append(page, offset)) return;
  }
  throw ServiceError(fmt::format("{}: more than {} pages of {} records; refusing to judge a partial list", list,
                                 k_max_pages, k_page_size));
}

} // namespace

namespace findings {

Pairs image_query(const Record& image, std::string_view tag_key, ImageTypes types, InstanceId instance) {
  Pairs query{{"image_type", types == ImageTypes::own ? source_spec(image.source).finding_image_type(image)
                                                      : generic_image_type(image)}};
  if (image.namespace_name && !image.namespace_name->empty()) query.emplace_back("namespace", *image.namespace_name);
  if (image.image_name && !image.image_name->empty()) query.emplace_back("image_name", *image.image_name);
  if (image.image_version && !image.image_version->empty()) query.emplace_back(std::string(tag_key), *image.image_version);
  if (instance == InstanceId::taken && image.instance_id && !image.instance_id->empty()) {
    query.emplace_back("instance_id", *image.instance_id);
  }
  return query;
}

std::string generic_image_type(const Record& image) {
  return std::string(source_spec(image.source).generic_image_type);
}

} // namespace findings

std::string_view FindingKind::name() const { return m_spec->name; }

std::strong_ordering FindingKind::operator<=>(const FindingKind& other) const {
  return m_spec->position <=> other.m_spec->position;
}

std::span<const FindingKind> finding_kinds() { return registry(); }

std::string_view name_of(FindingKind kind) { return kind.name(); }

std::optional<FindingKind> finding_kind_named(std::string_view name) {
  for (auto kind : registry()) {
    if (kind.name() == name) return kind;
  }
  return std::nullopt;
}

const DashboardUse& dashboards_of(FindingKind kind) { return kind.spec().dashboards; }

const FindingEndpoint& endpoint_for(FindingKind kind) { return kind.spec().endpoint; }

const FindingEndpoint& cve_endpoint() {
  for (auto kind : registry()) {
    if (kind.spec().cves) return *kind.spec().cves->endpoint;
  }
  throw std::logic_error("no finding kind has a CVE sub-list");
}

const FieldValue& FindingRecord::field(std::string_view name) const {
  static const FieldValue k_absent;
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return k_absent;
}

std::optional<std::string> FindingRecord::text(std::string_view name) const {
  if (const auto* value = std::get_if<std::string>(&field(name))) return *value;
  return std::nullopt;
}

std::string_view cve_key_member() {
  for (auto kind : registry()) {
    if (kind.spec().cves) return kind.spec().cves->key_member;
  }
  throw std::logic_error("no finding kind has a CVE sub-list");
}

const std::vector<FindingRecord>* ImageFindings::list(FindingKind kind) const {
  for (const auto& [listed, records] : lists) {
    if (listed == kind) return &records;
  }
  return nullptr;
}

const std::string* ImageFindings::error(FindingKind kind) const {
  for (const auto& [listed, message] : errors) {
    if (listed == kind) return &message;
  }
  return nullptr;
}

std::vector<FindingKind> kinds_missing_region(std::span<const FindingKind> kinds, const std::optional<std::string>& region) {
  std::vector<FindingKind> missing;
  if (region) return missing;
  for (auto kind : kinds) {
    if (kind.spec().endpoint.region_header == RegionHeader::required) missing.push_back(kind);
  }
  return missing;
}

std::optional<std::string> identity_of(FindingKind kind, const FindingRecord& finding) {
  const auto& members = kind.spec().identity;
  if (members.empty()) return std::nullopt;
  std::string identity;
  for (auto member : members) {
    auto value = finding.text(member);
    if (!value || value->empty()) return std::nullopt;
    identity += fmt::format("{}:{};", value->size(), *value);
  }
  return identity;
}

std::vector<FindingKind> kinds_refusing_image_type(std::span<const FindingKind> kinds, std::string_view image_type) {
  std::vector<FindingKind> refusing;
  for (auto kind : kinds) {
    const auto& refused = kind.spec().endpoint.refused_image_types;
    if (std::find(refused.begin(), refused.end(), image_type) != refused.end()) refusing.push_back(kind);
  }
  return refusing;
}

Request finding_request(const FindingEndpoint& endpoint, const Record& image, const FindingOptions& options,
                        std::int64_t offset, int limit) {
  Request request;
  request.operation = endpoint.operation;
  request.path = std::string(endpoint.path);
  request.path_parameters = path_parameter(endpoint.path, "image_id", image.image_id);
  request.query = endpoint.parameters(image);
  if (endpoint.handled_filter && !options.include_handled) request.query.emplace_back("handle_status", "unhandled");
  if (options.enterprise_project_id) request.query.emplace_back("enterprise_project_id", *options.enterprise_project_id);
  request.query.emplace_back("limit", std::to_string(limit));
  request.query.emplace_back("offset", std::to_string(offset));
  if (endpoint.region_header != RegionHeader::none && options.region) {
    request.headers.emplace_back("region", *options.region);
  }
  return request;
}

Page<FindingRecord> parse_finding_page(const FindingEndpoint& endpoint, std::string_view body) {
  JsonObject root = parse_json_object(body);
  Page<FindingRecord> page;
  page.total_num = root.integer("total_num", 0, std::numeric_limits<std::int32_t>::max());
  for (const auto& item : root.page_items(page.total_num.value_or(0))) page.items.push_back(read_finding(endpoint, item));
  return page;
}

void list_findings(Transport& transport, const FindingEndpoint& endpoint, const Record& image,
                   const FindingOptions& options, std::vector<FindingRecord>& into) {
  if (image.image_id.empty()) {
    throw ServiceError(fmt::format("the HSS record of {} has no image_id, which the {} list needs",
                                   describe_record(image), name_of(endpoint.kind)));
  }
  std::string list = fmt::format("the {} of {}", name_of(endpoint.kind), describe_record(image));
  read_prefetching(list, [&](std::int64_t offset) {
    return finding_request(endpoint, image, options, offset, k_page_size);
  }, transport, endpoint, into);
}

Request cve_request(const std::string& vul_id, const FindingOptions& options, std::int64_t offset, int limit) {
  Request request;
  request.operation = cve_endpoint().operation;
  request.path = std::string(cve_endpoint().path);
  request.path_parameters = path_parameter(cve_endpoint().path, cve_key_member(), vul_id);
  if (options.enterprise_project_id) request.query.emplace_back("enterprise_project_id", *options.enterprise_project_id);
  request.query.emplace_back("limit", std::to_string(limit));
  request.query.emplace_back("offset", std::to_string(offset));
  return request;
}

std::vector<FindingRecord> list_cves(Transport& transport, const std::string& vul_id, const FindingOptions& options) {
  const FindingEndpoint& endpoint = cve_endpoint();
  std::string list = fmt::format("the CVEs of vulnerability {}", vul_id);
  std::vector<FindingRecord> cves;
  read_prefetching(list, [&](std::int64_t offset) { return cve_request(vul_id, options, offset, k_page_size); },
                   transport, endpoint, cves);
  return cves;
}

} // namespace gate::hss
