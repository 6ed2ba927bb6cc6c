#pragma once
// An open-addressing hash map with linear probing and no erase, for counters that only
// grow (the ledger's award caps). Entries sit in one array, so the slot of a key can be
// prefetched before the key is used; see prefetch(). It doubles at a load of 0.5, and
// ShardedMap keeps each instance small enough that a doubling never stalls for long.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

namespace jubian {

template <class Key, class Value, class Hash>
class FlatMap {
  struct Slot {
    std::pair<Key, Value> entry;
    bool used = false;
  };

 public:
  using value_type = std::pair<Key, Value>;

  // Points at one entry; value() is the mapped value, as in tsl::robin_map.
  class iterator {
   public:
    explicit iterator(value_type* entry) : entry_(entry) {}
    value_type* operator->() const { return entry_; }
    value_type& operator*() const { return *entry_; }
    Value& value() const { return entry_->second; }

   private:
    value_type* entry_;
  };

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = FlatMap::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator(const std::vector<Slot>* slots, size_t index) : slots_(slots), index_(index) { skip_unused(); }
    reference operator*() const { return (*slots_)[index_].entry; }
    pointer operator->() const { return &(*slots_)[index_].entry; }
    const_iterator& operator++() {
      ++index_;
      skip_unused();
      return *this;
    }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

   private:
    void skip_unused() {
      while (index_ < slots_->size() && !(*slots_)[index_].used) ++index_;
    }
    const std::vector<Slot>* slots_;
    size_t index_;
  };

  template <class... Args>
  std::pair<iterator, bool> try_emplace(const Key& key, Args&&... args) {
    if (slots_.empty() || (size_ + 1) * 2 > slots_.size()) grow();
    for (size_t i = index(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (!slot.used) {
        slot.entry = value_type(key, Value(std::forward<Args>(args)...));
        slot.used = true;
        ++size_;
        return {iterator(&slot.entry), true};
      }
      if (slot.entry.first == key) return {iterator(&slot.entry), false};
    }
  }

  Value& operator[](const Key& key) { return try_emplace(key).first.value(); }

  bool contains(const Key& key) const {
    if (slots_.empty()) return false;
    for (size_t i = index(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (!slot.used) return false;
      if (slot.entry.first == key) return true;
    }
  }

  // Starts loading the slot where `key` is found or would go; a hint only.
  void prefetch(const Key& key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[index(key)], 1, 1);
  }

  size_t size() const { return size_; }

  void clear() {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
  }

  const_iterator begin() const { return const_iterator(&slots_, 0); }
  const_iterator end() const { return const_iterator(&slots_, slots_.size()); }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }

 private:
  size_t index(const Key& key) const { return static_cast<size_t>(Hash{}(key)) & mask_; }

  void grow() {
    std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (Slot& slot : old) {
      if (slot.used) try_emplace(slot.entry.first, std::move(slot.entry.second));
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace jubian
