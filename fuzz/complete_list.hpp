#pragma once

// The invariant every list read must keep (docs/reliability.md, "a list is complete or it is not
// judged"), checked from what the transport answered rather than from the reader's own code: when
// a reader returns a list, the pages it was given at offsets 0, 200, 400, ... each parse, hold at
// most the limit, are full up to one short page, end at or past the largest total_num any of them
// promised, and hold, together, exactly as many records as the reader returned. A reader that
// throws a gate::Error has judged nothing, which is always allowed. Anything else aborts.
#include "gate/error.hpp"
#include "gate/hss/paging.hpp"
#include "gate/hss/transport.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace fuzz {

// Passes requests on and keeps each answer by its offset (the finding readers prefetch on threads).
class PageLog : public gate::hss::Transport {
public:
  explicit PageLog(gate::hss::Transport& inner) : m_inner(inner) {}

  gate::hss::Response get(const gate::hss::Request& request) override {
    gate::hss::Response response = m_inner.get(request);
    std::int64_t offset = 0;
    for (const auto& [key, value] : request.query) {
      if (key == "offset") offset = std::stoll(value);
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    m_answers.insert_or_assign(offset, response.body);
    return response;
  }

  void forget() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_answers.clear();
  }

  // `count_of(body)` parses a page as the reader's own parser does: {records, total_num}.
  template <typename CountOf>
  void check_complete(std::size_t returned, CountOf&& count_of) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::size_t held = 0;
    std::int64_t promised = 0;
    for (std::int64_t offset = 0;; offset += gate::hss::k_page_size) {
      auto answer = m_answers.find(offset);
      if (answer == m_answers.end()) std::abort(); // judged a list without one of its pages
      std::optional<std::pair<std::size_t, std::int64_t>> page;
      try {
        page = count_of(answer->second);
      } catch (const gate::Error&) {
        std::abort(); // judged a list holding a page its parser refuses
      }
      auto [count, total] = *page;
      if (count > static_cast<std::size_t>(gate::hss::k_page_size)) std::abort();
      held += count;
      promised = std::max(promised, total);
      if (count == static_cast<std::size_t>(gate::hss::k_page_size)) continue;
      if (offset + static_cast<std::int64_t>(count) < promised) std::abort(); // ended before its promise
      break;
    }
    if (held != returned) std::abort();
  }

private:
  gate::hss::Transport& m_inner;
  mutable std::mutex m_mutex;
  std::map<std::int64_t, std::string> m_answers;
};

} // namespace fuzz
