#pragma once

#include "gate/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

// Paging for every HSS list endpoint: `offset` and `limit`, read until a short page.
namespace gate::hss {

// One page of a list endpoint's answer.
template <typename Item>
struct Page {
  std::optional<std::int64_t> total_num; // a hint only: servers have been seen to get it wrong
  std::vector<Item> items;
};

// Records asked per page (the API's maximum), and the most pages read for one list.
inline constexpr int k_page_size = 200;
inline constexpr int k_max_pages = 100;

// Refuses a page that cannot be part of a complete list: one holding more records than the
// `limit` sent (the reader could not tell where the next page starts, nor whether it ends the
// list), or a first page that promises records in total_num and holds none. A ServiceError
// naming the list (exit 3), never a verdict on what was read.
template <typename Item>
void check_page(std::string_view list, const Page<Item>& page, std::int64_t offset, int limit) {
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    throw ServiceError(fmt::format("{}: the page at offset {} holds {} records, more than the limit {} sent; refusing "
                                   "to judge a list whose pages do not add up",
                                   list, offset, page.items.size(), limit),
                       ServiceCause::malformed_response);
  }
  if (offset == 0 && page.items.empty() && page.total_num.value_or(0) > 0) {
    throw ServiceError(fmt::format("{}: total_num is {} but the first page holds no records; refusing to judge an "
                                   "empty list",
                                   list, *page.total_num),
                       ServiceCause::malformed_response);
  }
}

// The one rule for taking a page into a list, for every reader of a list, live or replayed, page
// by page or prefetching. A page must pass check_page; its records are then appended (a later
// failure leaves them to the caller as evidence seen). A full page means the list goes on; a
// shorter one ends it, and must not end it before the most records any page's total_num promised:
// a list that stops short of its own count is one HSS did not finish sending, a ServiceError
// naming the list, never a verdict on part of it. A total_num below what the pages hold is only
// a hint that was wrong: the reader goes on to a short page. `promised` carries the largest
// total_num from page to page. Returns whether the list goes on after this page.
template <typename Item>
bool take_page(std::string_view list, Page<Item>& page, std::int64_t offset, int limit, std::int64_t& promised,
               std::vector<Item>& items) {
  check_page(list, page, offset, limit);
  promised = std::max(promised, page.total_num.value_or(0));
  auto count = static_cast<std::int64_t>(page.items.size());
  items.insert(items.end(), std::make_move_iterator(page.items.begin()), std::make_move_iterator(page.items.end()));
  if (count == limit) return true;
  if (offset + count < promised) {
    throw ServiceError(fmt::format("{}: the page at offset {} holds {} of the {} records asked for, so the list is cut "
                                   "short at {} records while total_num promised {}; refusing to judge a partial list",
                                   list, offset, count, limit, offset + count, promised),
                       ServiceCause::malformed_response);
  }
  return false;
}

// Reads pages from offset 0 until take_page says the list has ended: a page bound is reached
// only by a list too long to judge, which is a ServiceError naming the list, never a verdict on
// the records read so far. `fetch(offset, limit)` returns a Page.
// Items are appended to `items` as pages arrive, so a caller still holds what was read when a
// later page fails.
template <typename Fetch, typename Item>
void read_all_pages(std::string_view list, Fetch&& fetch, std::vector<Item>& items) {
  std::int64_t offset = 0;
  std::int64_t promised = 0;
  for (int page = 0; page < k_max_pages; ++page) {
    Page<Item> answer = fetch(offset, k_page_size);
    if (!take_page(list, answer, offset, k_page_size, promised, items)) return;
    offset += k_page_size;
  }
  throw ServiceError(fmt::format("{}: more than {} pages of {} records; refusing to judge a partial list", list,
                                 k_max_pages, k_page_size));
}

// The same, returning every item.
template <typename Fetch>
auto read_all_pages(std::string_view list, Fetch&& fetch) {
  std::vector<typename decltype(fetch(std::int64_t{0}, k_page_size).items)::value_type> items;
  read_all_pages(list, fetch, items);
  return items;
}

} // namespace gate::hss
