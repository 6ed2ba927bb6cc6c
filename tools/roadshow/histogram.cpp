#include "tools/roadshow/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace jubian::roadshow {

// Values below kSubBuckets map one to one. Above them, the range [2^k, 2^(k+1)) is split
// into kSubBuckets equal buckets, which start at index (k - kSubBucketBits + 1) * kSubBuckets.
size_t LatencyHistogram::index_of(uint64_t value_us) {
  if (value_us < kSubBuckets) return static_cast<size_t>(value_us);
  const int range = std::bit_width(value_us) - 1;
  const int shift = range - kSubBucketBits;
  const size_t sub = static_cast<size_t>((value_us >> shift) - kSubBuckets);
  const size_t index = static_cast<size_t>(shift + 1) * kSubBuckets + sub;
  return std::min(index, static_cast<size_t>(kRanges * kSubBuckets - 1));
}

uint64_t LatencyHistogram::upper_bound_of(size_t index) {
  if (index < kSubBuckets) return index;
  const size_t shift = index / kSubBuckets - 1;
  const uint64_t sub = index % kSubBuckets + kSubBuckets;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(uint64_t value_us) {
  ++counts_[index_of(value_us)];
  ++count_;
  max_ = std::max(max_, value_us);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  const auto wanted = static_cast<uint64_t>(std::ceil(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= std::max<uint64_t>(wanted, 1)) return std::min(upper_bound_of(i), max_);
  }
  return max_;
}

}  // namespace jubian::roadshow
