#pragma once

#include "gate/error.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gate {
class Clock;
}

// When and how long to retry a request. Pure decisions plus one loop that sleeps through the
// injected clock, so retry counts, backoff and Retry-After are unit-tested without sleeping.
namespace gate::hss {

// The fixed retry budget of a run's requests: attempts per request and time spent sleeping.
struct RetryBudget {
  int max_attempts = 5;
  std::chrono::milliseconds max_wait{30000};
  std::chrono::milliseconds first_backoff{1000};
};
inline constexpr RetryBudget k_retry_budget{};

// The retry waiting of a whole run, shared by every request on every thread.
struct RunRetryBudget {
  std::atomic<std::int64_t> slept_ms{0};
  std::chrono::milliseconds max_wait{60000};
};

// A failed attempt worth repeating (a transport failure, 429 or 5xx), what HSS asked for, and
// what the ServiceError says when the retries run out.
struct Retryable {
  Retryable(std::string what, std::optional<std::chrono::milliseconds> pause_asked,
            ServiceCause why = ServiceCause::network, int status = 0)
    : problem(std::move(what)), retry_after(pause_asked), cause(why), http_status(status) {}
  std::string problem;
  std::optional<std::chrono::milliseconds> retry_after;
  ServiceCause cause;
  int http_status; // 0 for a transport failure
};

// An HTTP date (IMF-fixdate, "Fri, 27 Nov 2026 00:00:10 GMT"), as Retry-After and Date send it.
std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view value);

// Retry-After as delta-seconds or an HTTP date, relative to `now`; nullopt when unreadable.
// Never negative; anything beyond a day is capped at a day (the budget refuses it anyway).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

// Exponential backoff with jitter in its upper half: 0.5-1x of first_backoff * 2^(attempt-1).
// `random` is any 64-bit value; the same value gives the same pause.
std::chrono::milliseconds backoff_for(int attempt, std::uint64_t random, const RetryBudget& budget);

// Calls `attempt` until it returns nullopt (success). A Retryable is retried after the pause HSS
// asked for, else after backoff, within the budget; then ServiceError with the last problem and
// its cause. `attempt` throws for failures that must not be retried. Interrupted, without calling
// `attempt` again, once the run is cancelled: before the first attempt, when a pause is cut
// short, and before each retry.
// With `run`, every pause also comes out of the run's budget; a pause it cannot afford ends the
// retries.
void run_with_retries(const std::function<std::optional<Retryable>()>& attempt, Clock& clock,
                      const std::function<std::uint64_t()>& random, const RetryBudget& budget = k_retry_budget,
                      RunRetryBudget* run = nullptr);

} // namespace gate::hss
