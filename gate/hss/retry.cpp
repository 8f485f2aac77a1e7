#include "gate/hss/retry.hpp"

#include "gate/clock.hpp"
#include "gate/error.hpp"
#include "gate/interrupt.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <regex>

namespace gate::hss {

using namespace std::chrono;

std::optional<milliseconds> parse_retry_after(std::string_view value, system_clock::time_point now) {
  constexpr milliseconds k_cap = hours(24);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::uint64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error == std::errc::result_out_of_range) return k_cap;
    if (error != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return number >= static_cast<std::uint64_t>(duration_cast<seconds>(k_cap).count()) ? k_cap
                                                                                       : milliseconds(seconds(number));
  }
  auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  seconds delay = *at - floor<seconds>(now); // in seconds: nanoseconds overflow a few centuries out
  return std::clamp(duration_cast<milliseconds>(std::min(delay, duration_cast<seconds>(k_cap))), milliseconds(0), k_cap);
}

std::optional<sys_seconds> parse_http_date(std::string_view value) {
  static const std::regex k_http_date(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)");
  if (!std::regex_match(value.begin(), value.end(), k_http_date)) return std::nullopt;
  try {
    int zone = 0;
    Poco::DateTime date = Poco::DateTimeParser::parse(Poco::DateTimeFormat::HTTP_FORMAT, std::string(value), zone);
    // From the calendar fields, not Poco's timestamp, which overflows for far-off years.
    sys_days day = year(date.year()) / month(static_cast<unsigned>(date.month())) / std::chrono::day(static_cast<unsigned>(date.day()));
    return sys_seconds(day) + hours(date.hour()) + minutes(date.minute()) + seconds(date.second());
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
}

milliseconds backoff_for(int attempt, std::uint64_t random, const RetryBudget& budget) {
  std::int64_t ceiling = budget.first_backoff.count() << std::clamp(attempt - 1, 0, 10);
  std::int64_t floor = ceiling / 2;
  auto spread = static_cast<std::uint64_t>(ceiling - floor + 1);
  return milliseconds(floor + static_cast<std::int64_t>(random % spread));
}

void run_with_retries(const std::function<std::optional<Retryable>()>& attempt, Clock& clock,
                      const std::function<std::uint64_t()>& random, const RetryBudget& budget, RunRetryBudget* run) {
  milliseconds slept{0};
  for (int number = 1;; ++number) {
    // Checked before every attempt, so that no request is sent once the job is cancelled.
    if (interrupted()) throw Interrupted("interrupted before sending a request to HSS");
    std::optional<Retryable> failed = attempt();
    if (!failed) return;
    auto give_up = [&](const std::string& message) { return ServiceError(message, failed->cause, failed->http_status); };
    if (number >= budget.max_attempts) {
      throw give_up(fmt::format("{} (gave up after {} attempts)", failed->problem, number));
    }
    milliseconds pause = failed->retry_after.value_or(backoff_for(number, random(), budget));
    if (slept + pause > budget.max_wait) {
      if (failed->retry_after) {
        throw give_up(fmt::format("{} (HSS asked to retry after {}s, beyond the {}s retry budget)", failed->problem,
                                  duration_cast<seconds>(*failed->retry_after).count(),
                                  duration_cast<seconds>(budget.max_wait).count()));
      }
      pause = budget.max_wait - slept;
      if (pause <= milliseconds(0)) {
        throw give_up(fmt::format("{} (gave up after {} attempts)", failed->problem, number));
      }
    }
    if (run) {
      std::int64_t before = run->slept_ms.fetch_add(pause.count());
      if (before + pause.count() > run->max_wait.count()) {
        run->slept_ms.fetch_sub(pause.count());
        throw give_up(fmt::format("{} (gave up after {} attempts: the run's {}s of retry waiting is spent)",
                                  failed->problem, number, duration_cast<seconds>(run->max_wait).count()));
      }
    }
    if (!clock.sleep(pause)) throw Interrupted(fmt::format("interrupted while retrying: {}", failed->problem));
    slept += pause;
  }
}

} // namespace gate::hss
