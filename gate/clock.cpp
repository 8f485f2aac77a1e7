#include "gate/clock.hpp"

#include "gate/error.hpp"
#include "gate/interrupt.hpp"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <cmath>

namespace gate {

namespace {

using namespace std::chrono;

class SystemClock : public Clock {
public:
  system_clock::time_point wall_now() const override { return system_clock::now(); }

  milliseconds elapsed() const override { return duration_cast<milliseconds>(steady_clock::now() - m_start); }

  bool sleep(milliseconds duration) override { return sleep_unless_interrupted(duration); }

private:
  steady_clock::time_point m_start = steady_clock::now();
};

// Sleeps are shortened by the factor, and the time they skipped is credited to elapsed(): the
// waits' deadlines see the time they asked for, while real work (requests, a loaded CI machine)
// counts once, not multiplied, so a test's timing does not depend on the machine's load. Only the
// wait loop reads elapsed(), from one thread; the credit is atomic all the same.
class ScaledClock : public Clock {
public:
  ScaledClock(Clock& inner, double factor) : m_inner(inner), m_factor(factor) {}

  system_clock::time_point wall_now() const override { return m_inner.wall_now(); }

  milliseconds elapsed() const override { return m_inner.elapsed() + milliseconds(m_credit.load()); }

  bool sleep(milliseconds duration) override {
    milliseconds shortened(std::llround(static_cast<double>(duration.count()) / m_factor));
    bool slept = m_inner.sleep(shortened);
    if (slept) m_credit += (duration - shortened).count();
    return slept;
  }

private:
  Clock& m_inner;
  double m_factor;
  std::atomic<std::int64_t> m_credit{0};
};

} // namespace

std::unique_ptr<Clock> make_system_clock() { return std::make_unique<SystemClock>(); }

std::unique_ptr<Clock> make_scaled_clock_for_tests(Clock& inner, const std::optional<std::string>& factor) {
  if (!factor) return nullptr;
  double value = 0;
  const char* end = factor->data() + factor->size();
  auto [stop, error] = std::from_chars(factor->data(), end, value);
  if (factor->empty() || error != std::errc() || stop != end || !(value >= 1 && value <= 1000)) {
    throw UsageError(fmt::format("HSS_GATE_TEST_TIME_SCALE: expected a number from 1 to 1000 (a test-only setting), "
                                 "got \"{}\"",
                                 *factor));
  }
  return std::make_unique<ScaledClock>(inner, value);
}

} // namespace gate
