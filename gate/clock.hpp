#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

// The run's sense of time, injected so that waits, retries and backoff can be tested without
// sleeping. The evaluation time of a policy (which HSS_GATE_NOW may pin) is separate: it is
// decided once, in app, and handed to the engine as data.
namespace gate {

class Clock {
public:
  virtual ~Clock() = default;
  // Wall-clock time, for request signatures and Retry-After dates.
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  // Monotonic time since the clock was made, for waits and deadlines.
  virtual std::chrono::milliseconds elapsed() const = 0;
  // Sleeps; returns false as soon as the run is interrupted (SIGTERM, SIGINT).
  virtual bool sleep(std::chrono::milliseconds duration) = 0;
};

// The real clock: system and steady clocks, sleeping in slices that notice interrupts.
std::unique_ptr<Clock> make_system_clock();

// HSS_GATE_TEST_TIME_SCALE, a test-only setting: a clock over `inner` whose sleeps are `factor`
// times shorter and whose elapsed time runs `factor` times faster, so that retries, backoff,
// Retry-After and polling keep their counts and budgets while the e2e suites wait less. Wall time
// is not scaled (signatures, dates). nullptr when `factor` is unset; UsageError unless it is a
// number from 1 to 1000.
std::unique_ptr<Clock> make_scaled_clock_for_tests(Clock& inner, const std::optional<std::string>& factor);

} // namespace gate
