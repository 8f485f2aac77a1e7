#pragma once

#include "gate/error.hpp"

#include <fmt/format.h>

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

// Reads pages from offset 0 until one holds fewer items than asked for, whatever total_num
// says: a page bound is reached only by a list too long to judge, which is a ServiceError naming
// the list, never a verdict on the records read so far; so is a page check_page refuses.
// `fetch(offset, limit)` returns a Page.
// Items are appended to `items` as pages arrive, so a caller still holds what was read when a
// later page fails.
template <typename Fetch, typename Item>
void read_all_pages(std::string_view list, Fetch&& fetch, std::vector<Item>& items) {
  std::int64_t offset = 0;
  for (int page = 0; page < k_max_pages; ++page) {
    Page<Item> answer = fetch(offset, k_page_size);
    check_page(list, answer, offset, k_page_size);
    std::size_t count = answer.items.size();
    items.insert(items.end(), std::make_move_iterator(answer.items.begin()), std::make_move_iterator(answer.items.end()));
    if (count < static_cast<std::size_t>(k_page_size)) return;
    offset += static_cast<std::int64_t>(count);
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
