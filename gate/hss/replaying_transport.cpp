#include "gate/hss/replaying_transport.hpp"

#include "gate/hss/cicd_images.hpp"
#include "gate/hss/json_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

namespace gate::hss {

namespace {

const std::string* query_value(const Pairs& query, std::string_view name) {
  for (const auto& [key, value] : query) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::int64_t query_number(const Pairs& query, std::string_view name, std::int64_t otherwise) {
  const std::string* text = query_value(query, name);
  std::int64_t number = 0;
  if (!text || std::from_chars(text->data(), text->data() + text->size(), number).ec != std::errc{} || number < 0) {
    return otherwise;
  }
  return number;
}

bool same_parameters(Pairs a, Pairs b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

const WholeList* whole_list_for(const Bundle& bundle, const Request& request) {
  for (const auto& list : bundle.lists) {
    if (list.path != request.path || !same_parameters(list.path_parameters, request.path_parameters)) continue;
    bool selected = std::all_of(list.query_selectors.begin(), list.query_selectors.end(), [&](const auto& selector) {
      const std::string* value = query_value(request.query, selector.first);
      return value && *value == selector.second;
    });
    if (selected) return &list;
  }
  return nullptr;
}

// A whole image list is narrowed as HSS narrows it, to the records whose names equal the query's
// filters (the gate matches exactly afterwards anyway), so that a saved response larger than the
// page bound still answers a query for a few of its images.
std::vector<const JsonObject*> matching_items(const WholeList& list, const Request& request) {
  std::vector<const JsonObject*> items;
  items.reserve(list.path == k_cicd_images_path ? 0 : list.items.size());
  for (const auto& record : list.items) {
    bool matches = true;
    if (list.path == k_cicd_images_path) {
      for (std::string_view name : {"cicd_name", "image_version", "image_name", "namespace"}) {
        const std::string* wanted = query_value(request.query, name);
        if (!wanted) continue;
        std::optional<std::string> value;
        try {
          value = record.text(name);
        } catch (const ServiceError&) {
          // An ill-typed member is the reader's to report: keep the record.
        }
        if (value && *value != *wanted) matches = false;
      }
    }
    if (matches) items.push_back(&record);
  }
  return items;
}

// One page of the list as HSS would send it. The records are shared into the page as they were
// read; only the page itself is written out, for the reader to parse as it parses HSS's answers.
std::string page_of(const WholeList& list, const Request& request) {
  std::vector<const JsonObject*> all = matching_items(list, request);
  auto size = static_cast<std::int64_t>(all.size());
  std::int64_t offset = std::min(query_number(request.query, "offset", 0), size);
  std::int64_t limit = query_number(request.query, "limit", size);
  std::int64_t end = std::min(size, offset + std::min(limit, size - offset));
  JsonBuilder page;
  page.set("total_num", size).set_array("data_list", std::span<const JsonObject* const>(all.data() + offset, all.data() + end));
  return page.str();
}

} // namespace

ReplayingTransport::ReplayingTransport(const Bundle& bundle) : m_bundle(bundle) {
  for (const auto& exchange : bundle.exchanges) {
    m_exchanges.emplace(exchange_key(exchange.path, exchange.path_parameters, exchange.query), &exchange);
  }
}

const Exchange* ReplayingTransport::exchange_for(const Request& request) const {
  auto found = m_exchanges.find(exchange_key(request.path, request.path_parameters, request.query));
  return found == m_exchanges.end() ? nullptr : found->second;
}

bool ReplayingTransport::answers(const Request& request) const {
  return exchange_for(request) || whole_list_for(m_bundle, request);
}

Response ReplayingTransport::get(const Request& request) {
  encoded_path(request, "project"); // the same refusal of a value that cannot be a path segment as online
  if (const Exchange* exchange = exchange_for(request)) {
    return Response{exchange->body, {}, {}, std::nullopt};
  }
  if (const WholeList* list = whole_list_for(m_bundle, request)) return Response{page_of(*list, request), {}, {}, std::nullopt};
  throw Unanswered(fmt::format("the bundle holds no answer to {} {}{}", request.path,
                               canonical_query(request.path_parameters),
                               request.query.empty() ? "" : "?" + canonical_query(request.query)));
}

} // namespace gate::hss
