#include "gate/interrupt.hpp"

#include <atomic>
#include <csignal>
#include <thread>

namespace gate {

namespace {

// An atomic rather than a volatile sig_atomic_t: worker threads read it while the handler writes.
// A lock-free atomic is safe to set from a signal handler.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_signal(int) { g_interrupted.store(true); }

} // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0; // no SA_RESTART: a blocking read returns early
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A file-size limit (ulimit -f) must fail a report's write, which the gate reports, rather than
  // kill the process before any report says why.
  signal(SIGXFSZ, SIG_IGN);
}

bool interrupted() { return g_interrupted.load(); }

void raise_interrupt() { g_interrupted.store(true); }

void clear_interrupt() { g_interrupted.store(false); }

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
