#include "gate/clock.hpp"

#include "gate/interrupt.hpp"

namespace gate {

namespace {

class SystemClock : public Clock {
public:
  std::chrono::system_clock::time_point wall_now() const override { return std::chrono::system_clock::now(); }

  std::chrono::milliseconds elapsed() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - m_start);
  }

  bool sleep(std::chrono::milliseconds duration) override { return sleep_unless_interrupted(duration); }

private:
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

} // namespace

std::unique_ptr<Clock> make_system_clock() { return std::make_unique<SystemClock>(); }

} // namespace gate
