#pragma once
// The idempotency window's key table: (actor, request id) -> body digest and request
// ordinal, in one open-addressing array with linear probing.
//
// The window bounds the number of keys, so the array is sized once and never rehashes,
// and a load under 0.7 (0.5 for the default window) keeps most probes in one cache line. A key is
// probed at a random position for every journaled command. So the pipeline calls
// prefetch() for commands a few positions ahead, and the probe then finds its line in
// cache. Request id 0 is never stored (it opts out of idempotency) and marks a free slot.

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace jubian {

struct RequestKey {
  uint64_t actor = 0;
  uint64_t request = 0;
  bool operator==(const RequestKey&) const = default;
};

class RequestTable {
 public:
  struct Entry {
    RequestKey key;  // key.request == 0: free slot
    uint64_t digest = 0;
    uint64_t ordinal = 0;
  };

  // Room for `keys` keys at a load of at most about 0.7 (0.5 when `keys` is a power of two).
  explicit RequestTable(size_t keys) {
    const size_t needed = keys + keys / 2 + 1;
    slots_ = std::bit_ceil(needed < 8 ? size_t{8} : needed);
    mask_ = slots_ - 1;
    // calloc: the pages of a large block stay untouched until the window reaches them.
    entries_.reset(static_cast<Entry*>(std::calloc(slots_, sizeof(Entry))));
    if (!entries_) throw std::bad_alloc();
  }

  size_t size() const { return size_; }

  // Returns the key's entry and true when it was inserted now with `digest` and
  // `ordinal`, or the existing entry and false.
  std::pair<Entry*, bool> try_emplace(const RequestKey& key, uint64_t digest, uint64_t ordinal) {
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      Entry& entry = entries_.get()[i];
      if (entry.key == key) return {&entry, false};
      if (entry.key.request == 0) {
        entry = Entry{key, digest, ordinal};
        ++size_;
        return {&entry, true};
      }
    }
  }

  const Entry* find(const RequestKey& key) const {
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      const Entry& entry = entries_.get()[i];
      if (entry.key == key) return &entry;
      if (entry.key.request == 0) return nullptr;
    }
  }

  // Removes the key, shifting later entries of its probe run back (no tombstones).
  void erase(const RequestKey& key) {
    size_t hole = home(key);
    while (!(entries_.get()[hole].key == key)) {
      if (entries_.get()[hole].key.request == 0) return;
      hole = (hole + 1) & mask_;
    }
    for (size_t next = (hole + 1) & mask_;; next = (next + 1) & mask_) {
      Entry& entry = entries_.get()[next];
      if (entry.key.request == 0) break;
      // The entry may fill the hole unless its home lies cyclically in (hole, next].
      const size_t own = home(entry.key);
      const bool stays = hole <= next ? (hole < own && own <= next) : (hole < own || own <= next);
      if (stays) continue;
      entries_.get()[hole] = entry;
      hole = next;
    }
    entries_.get()[hole] = Entry{};
    --size_;
  }

  void prefetch(const RequestKey& key) const { __builtin_prefetch(&entries_.get()[home(key)], 1, 1); }

  void clear() {
    for (size_t i = 0; i < slots_; ++i) entries_.get()[i] = Entry{};
    size_ = 0;
  }

  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < slots_; ++i) {
      if (entries_.get()[i].key.request != 0) f(entries_.get()[i]);
    }
  }

 private:
  struct Free {
    void operator()(Entry* entries) const { std::free(entries); }
  };

  // Mixes both words so that every input bit reaches the low bits, which pick the slot.
  size_t home(const RequestKey& key) const {
    uint64_t h = (key.actor * 0x9E3779B97F4A7C15ULL) ^ key.request;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDULL;
    h ^= h >> 33;
    return static_cast<size_t>(h) & mask_;
  }

  std::unique_ptr<Entry, Free> entries_;
  size_t slots_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace jubian
