#pragma once
// A fixed-capacity hash index from a 64-bit hash to a listing's pool index, used for the
// listing-id and client-id lookups. Open addressing with linear probing and
// backward-shift deletion, so there are no tombstones and a probe never passes more than
// the entries that share its cluster. The capacity is set once, at twice the number of
// entries the owner will ever insert, and the index never allocates afterwards.

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace jubian::market {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

class SlotIndex {
 public:
  explicit SlotIndex(size_t entries_max)
      : entries_(std::bit_ceil(entries_max * 2 + 2)), mask_(entries_.size() - 1) {}

  // Returns the first stored index with this hash for which same(index) is true, or kNoIndex.
  template <class Same>
  uint32_t find(uint64_t hash, Same same) const {
    for (size_t bucket = hash & mask_;; bucket = (bucket + 1) & mask_) {
      const Entry& entry = entries_[bucket];
      if (entry.index == kNoIndex) return kNoIndex;
      if (entry.hash == hash && same(entry.index)) return entry.index;
    }
  }

  void insert(uint64_t hash, uint32_t index) {
    size_t bucket = hash & mask_;
    while (entries_[bucket].index != kNoIndex) bucket = (bucket + 1) & mask_;
    entries_[bucket] = Entry{hash, index};
  }

  // Removes the entry (hash, index); it must be present.
  void erase(uint64_t hash, uint32_t index) {
    size_t hole = hash & mask_;
    while (!(entries_[hole].hash == hash && entries_[hole].index == index)) {
      if (entries_[hole].index == kNoIndex) std::abort();  // erasing an absent entry is a bug
      hole = (hole + 1) & mask_;
    }

    // Shift later members of the cluster back into the hole when their home bucket
    // does not lie strictly between the hole and their current bucket.
    for (size_t next = (hole + 1) & mask_; entries_[next].index != kNoIndex; next = (next + 1) & mask_) {
      const size_t home = entries_[next].hash & mask_;
      const size_t distance_home = (next - home) & mask_;
      const size_t distance_hole = (next - hole) & mask_;
      if (distance_home >= distance_hole) {
        entries_[hole] = entries_[next];
        hole = next;
      }
    }
    entries_[hole] = Entry{};
  }

  void clear() {
    for (Entry& entry : entries_) entry = Entry{};
  }

 private:
  struct Entry {
    uint64_t hash = 0;
    uint32_t index = kNoIndex;
  };

  std::vector<Entry> entries_;
  size_t mask_;
};

}  // namespace jubian::market
