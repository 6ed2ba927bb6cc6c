#pragma once
// A hash map split into a fixed number of FlatMap shards, chosen by the top bits of the
// key's hash, for tables that grow without bound on the engine thread.
//
// One hash table rehashes all its entries at once when it grows: at a million entries
// that stalled the engine thread for 80-240 ms in bench-gateway. Here a growth rehashes
// one shard, 1/Shards of the entries, so the stall shrinks by that factor and the total
// work stays the same.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>

#include "engine/common/flat_map.hpp"

namespace jubian {

template <class Key, class Value, class Hash, size_t Shards = 256>
class ShardedMap {
  static_assert((Shards & (Shards - 1)) == 0, "Shards must be a power of two");
  using Shard = FlatMap<Key, Value, Hash>;

 public:
  using value_type = typename Shard::value_type;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = typename Shard::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator(const std::array<Shard, Shards>* shards, size_t shard, typename Shard::const_iterator at)
        : shards_(shards), shard_(shard), at_(at) {
      skip_empty();
    }
    reference operator*() const { return *at_; }
    pointer operator->() const { return &*at_; }
    const_iterator& operator++() {
      ++at_;
      skip_empty();
      return *this;
    }
    bool operator==(const const_iterator& other) const {
      return shard_ == other.shard_ && (shard_ == Shards || at_ == other.at_);
    }

   private:
    void skip_empty() {
      while (shard_ < Shards && at_ == (*shards_)[shard_].cend()) {
        if (++shard_ < Shards) at_ = (*shards_)[shard_].cbegin();
      }
    }

    const std::array<Shard, Shards>* shards_;
    size_t shard_;
    typename Shard::const_iterator at_;
  };

  Value& operator[](const Key& key) { return shard(key)[key]; }

  template <class... Args>
  auto try_emplace(const Key& key, Args&&... args) {
    return shard(key).try_emplace(key, std::forward<Args>(args)...);
  }

  bool contains(const Key& key) const { return shards_[index(key)].contains(key); }

  void prefetch(const Key& key) const { shards_[index(key)].prefetch(key); }

  size_t size() const {
    size_t total = 0;
    for (const Shard& s : shards_) total += s.size();
    return total;
  }

  void clear() {
    for (Shard& s : shards_) s.clear();
  }

  const_iterator begin() const { return const_iterator(&shards_, 0, shards_[0].cbegin()); }
  const_iterator end() const { return const_iterator(&shards_, Shards, shards_[Shards - 1].cend()); }

 private:
  // The shards take the top bits of the hash, and each FlatMap indexes with the low bits.
  static size_t index(const Key& key) {
    return static_cast<size_t>(static_cast<uint64_t>(Hash{}(key)) >> (64 - std::countr_zero(Shards)));
  }
  Shard& shard(const Key& key) { return shards_[index(key)]; }

  std::array<Shard, Shards> shards_;
};

}  // namespace jubian
