#include "gate/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <thread>

namespace gate {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_signal(int) { g_interrupted = 1; }

} // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: a blocking read returns early
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

bool sleep_unless_interrupted(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds k_slice{50};
  auto until = std::chrono::steady_clock::now() + duration;
  while (!interrupted()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, k_slice));
  }
  return false;
}

} // namespace gate
