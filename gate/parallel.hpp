#pragma once

#include "gate/error.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

// Runs independent tasks on a few threads: the lookups of several images, their finding lists.
namespace gate {

// Calls `task(i)` for every i in [0, count) on at most `threads` threads and waits for all. The
// first exception a task throws is rethrown here once every task has ended; tasks should catch
// what they can report themselves. Cancellation wins: once a task throws Interrupted no further
// task starts, and Interrupted is what is rethrown, whatever other task failed first.
inline void for_each_in_parallel(std::size_t count, std::size_t threads, const std::function<void(std::size_t)>& task) {
  if (count == 0) return;
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::exception_ptr cancellation;
  std::mutex failures_mutex;
  std::atomic<bool> cancelled{false};
  auto worker = [&] {
    for (std::size_t i = next++; i < count && !cancelled; i = next++) {
      try {
        task(i);
      } catch (const Interrupted&) {
        std::lock_guard<std::mutex> lock(failures_mutex);
        if (!cancellation) cancellation = std::current_exception();
        cancelled = true;
      } catch (...) {
        std::lock_guard<std::mutex> lock(failures_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  std::size_t size = std::min(threads, count);
  for (std::size_t t = 1; t < size; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  if (cancellation) std::rethrow_exception(cancellation);
  if (failure) std::rethrow_exception(failure);
}

} // namespace gate
