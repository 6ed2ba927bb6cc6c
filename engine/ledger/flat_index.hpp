#pragma once
// Open-addressing map from a nonzero 64-bit key to a 32-bit index, with linear probing.
// The ledger's account lookups run on every command, so this avoids the node allocation
// and pointer chase of std::unordered_map. Keys are never erased.

#include <cstdint>
#include <cstdlib>
#include <vector>

namespace jubian::ledger {

class FlatIndex {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  FlatIndex() { slots_.resize(kInitialSlots); }

  uint32_t find(uint64_t key) const {
    for (size_t i = mix(key) & mask(); ; i = (i + 1) & mask()) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return slot.index;
      if (slot.key == 0) return kMissing;
    }
  }

  // Inserts a new key. REQUIRES: key != 0 and key not present.
  void insert(uint64_t key, uint32_t index) {
    if (key == 0) std::abort();
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    place(key, index);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t index = kMissing;
  };
  static constexpr size_t kInitialSlots = 1024;  // a power of two

  static uint64_t mix(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
  }
  size_t mask() const { return slots_.size() - 1; }

  void place(uint64_t key, uint32_t index) {
    size_t i = mix(key) & mask();
    while (slots_[i].key != 0) i = (i + 1) & mask();
    slots_[i] = Slot{key, index};
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old)
      if (slot.key != 0) place(slot.key, slot.index);
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace jubian::ledger
