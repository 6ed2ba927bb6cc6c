#pragma once
// Wait strategies for the pipeline's threads: spin (lowest latency, burns a core),
// yield (default; shares the core with the other stages on small machines) and block
// (sleeps briefly between checks; for idle or oversubscribed hosts).

#include <chrono>
#include <cstdint>
#include <thread>

#include "engine/pipeline/pipeline.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace jubian::pipeline {

class Waiter {
 public:
  explicit Waiter(WaitStrategy strategy) : strategy_(strategy) {}

  // Called once per unsuccessful check; escalates from pause to yield to sleep.
  void idle() {
    ++rounds_;
    if (strategy_ == WaitStrategy::spin || rounds_ < kSpinRounds) {
#if defined(__x86_64__)
      _mm_pause();
#endif
      return;
    }
    if (strategy_ == WaitStrategy::yield || rounds_ < kSpinRounds + kYieldRounds) {
      std::this_thread::yield();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(kSleepMicros));
  }

  void reset() { rounds_ = 0; }

 private:
  static constexpr uint32_t kSpinRounds = 64;
  static constexpr uint32_t kYieldRounds = 256;
  static constexpr int kSleepMicros = 50;

  WaitStrategy strategy_;
  uint32_t rounds_ = 0;
};

}  // namespace jubian::pipeline
