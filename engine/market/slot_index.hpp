#pragma once
// A fixed-capacity hash index from a 64-bit hash to a listing's pool index, used for the
// listing-id and client-id lookups. Open addressing with linear probing and
// backward-shift deletion, so there are no tombstones and a probe never passes more than
// the entries that share its cluster. The capacity is set once, at twice the number of
// entries the owner will ever insert, and the index never allocates afterwards. An entry
// stores only the low 32 bits of the hash, so it takes 8 bytes and more of the index
// stays in cache. Callers confirm a hit against the listing itself.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine/common/types.hpp"
#include "engine/market/huge_page_allocator.hpp"

namespace jubian::market {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

class SlotIndex {
 public:
  explicit SlotIndex(size_t entries_max)
      : entries_(std::bit_ceil(std::max<size_t>(entries_max * 2, kEntriesMin))), mask_(entries_.size() - 1) {}

  // Returns the first stored index with this hash for which same(index) is true, or kNoIndex.
  template <class Same>
  uint32_t find(uint64_t hash, Same same) const {
    const auto low = static_cast<uint32_t>(hash);
    for (size_t bucket = low & mask_;; bucket = (bucket + 1) & mask_) {
      const Entry& entry = entries_[bucket];
      if (entry.index == kNoIndex) return kNoIndex;
      if (entry.hash == low && same(entry.index)) return entry.index;
    }
  }

  void insert(uint64_t hash, uint32_t index) {
    const auto low = static_cast<uint32_t>(hash);
    size_t bucket = low & mask_;
    while (entries_[bucket].index != kNoIndex) bucket = (bucket + 1) & mask_;
    entries_[bucket] = Entry{low, index};
  }

  // Removes the entry (hash, index); it must be present.
  void erase(uint64_t hash, uint32_t index) {
    const auto low = static_cast<uint32_t>(hash);
    size_t hole = low & mask_;
    while (!(entries_[hole].hash == low && entries_[hole].index == index)) {
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

  void prefetch(uint64_t hash) const { __builtin_prefetch(&entries_[static_cast<uint32_t>(hash) & mask_]); }

  void clear() {
    for (Entry& entry : entries_) entry = Entry{};
  }

 private:
  static constexpr size_t kEntriesMin = 16;

  struct Entry {
    uint32_t hash = 0;
    uint32_t index = kNoIndex;
  };

  HugePageVector<Entry> entries_;
  size_t mask_;
};

// Listing ids are (seq << 16) | slot and sequence numbers are unique, so the sequence
// alone is the hash; consecutive listings fill consecutive buckets.
inline uint64_t listing_id_hash(ListingId id) { return id.value >> 16; }

// The owner is scattered and the client id added unmixed, so the ids one owner numbers
// in sequence land in neighbouring buckets and a stream of new listings touches one
// cache line per active owner. NOTE: an owner that picks ids to land in another
// owner's run lengthens probes, but never breaks a lookup.
inline uint64_t client_id_hash(AccountId owner, ListingId client_id) {
  const uint64_t scattered = owner.value * 0x9E3779B97F4A7C15ull;
  return (scattered ^ (scattered >> 29)) + client_id.value;
}

}  // namespace jubian::market
