#pragma once
// A doorbell for one sleeping thread and many ringers, on a Linux futex.
//
// The sleeper reads epoch() before it looks for work. When it finds none, it calls
// wait() with that value; wait() returns at once if anyone rang since. A ring costs one
// atomic increment, plus a futex wake only while the sleeper is parked, so producers
// that ring once per command stay cheap while the sleeper is busy.

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace jubian::pipeline {

class Doorbell {
 public:
  uint32_t epoch() const { return epoch_.load(std::memory_order_seq_cst); }

  void ring() {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst))
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

  // Sleeps until a ring after `seen` or until `timeout` passes. Spurious returns are fine:
  // the caller looks for work again either way.
  void wait(uint32_t seen, std::chrono::nanoseconds timeout) {
    sleeping_.store(true, std::memory_order_seq_cst);
    if (epoch_.load(std::memory_order_seq_cst) == seen) {
      const auto count = timeout.count() > 0 ? timeout.count() : 0;
      timespec relative{static_cast<time_t>(count / 1'000'000'000), static_cast<long>(count % 1'000'000'000)};
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAIT_PRIVATE, seen, &relative, nullptr, 0);
    }
    sleeping_.store(false, std::memory_order_seq_cst);
  }

 private:
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);
  alignas(64) std::atomic<uint32_t> epoch_{0};
  alignas(64) std::atomic<bool> sleeping_{false};
};

}  // namespace jubian::pipeline
