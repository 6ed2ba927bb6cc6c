#pragma once
// A latency histogram with fixed bounds. One thread records, and any thread may read it
// (the metrics endpoint). The writer uses relaxed stores instead of read-modify-write
// operations, which keeps a record to a few loads and stores. A reader may see the count
// one record ahead of the sum. A scrape tolerates that.

#include <array>
#include <atomic>
#include <cstdint>

namespace jubian {

class LatencyHistogram {
 public:
  // Upper bounds of the buckets, in microseconds. The last bucket counts everything slower.
  static constexpr std::array<uint64_t, 12> kBoundsUs = {50,   100,   250,   500,    1000,    2000,
                                                          5000, 10000, 50000, 250000, 1000000, 5000000};

  struct Snapshot {
    std::array<uint64_t, kBoundsUs.size() + 1> buckets{};  // not cumulative
    uint64_t count = 0;
    uint64_t sum_ns = 0;
  };

  // Adds one latency. Only one thread may record.
  void record(uint64_t ns) {
    size_t bucket = 0;
    while (bucket < kBoundsUs.size() && ns > kBoundsUs[bucket] * 1000) ++bucket;
    bump(buckets_[bucket], 1);
    bump(count_, 1);
    bump(sum_ns_, ns);
  }

  Snapshot snapshot() const {
    Snapshot snapshot;
    for (size_t i = 0; i < buckets_.size(); ++i) snapshot.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    snapshot.count = count_.load(std::memory_order_relaxed);
    snapshot.sum_ns = sum_ns_.load(std::memory_order_relaxed);
    return snapshot;
  }

 private:
  static void bump(std::atomic<uint64_t>& value, uint64_t by) {
    value.store(value.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace jubian
