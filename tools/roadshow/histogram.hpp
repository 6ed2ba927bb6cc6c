#pragma once
// A latency histogram with logarithmic buckets, in the manner of HdrHistogram: every
// power-of-two range of microseconds is split into kSubBuckets linear buckets, so a
// recorded value is kept to within 1/kSubBuckets (about 3%) of its true size.

#include <array>
#include <cstddef>
#include <cstdint>

namespace jubian::roadshow {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;
  static constexpr int kRanges = 40;  // values up to 2^40 us (about 12 days)

  void record(uint64_t value_us);
  void merge(const LatencyHistogram& other);

  // The smallest bucket bound at or above the given fraction (0..1) of the recorded
  // values; 0 when nothing was recorded.
  uint64_t percentile(double fraction) const;
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }

 private:
  static size_t index_of(uint64_t value_us);
  static uint64_t upper_bound_of(size_t index);

  std::array<uint64_t, kRanges * kSubBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

}  // namespace jubian::roadshow
