#pragma once
// An allocator for the market's large preallocated arrays (listing pool, level pool, id
// indexes). It aligns each array to 2 MiB and advises Linux to back it with transparent
// huge pages (madvise MADV_HUGEPAGE) before the first touch. Matching reads these arrays
// at random, and with 4 KiB pages most of those reads would also miss the TLB.
// The advice is a hint: where the kernel declines it, the arrays use normal pages.

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace jubian::market {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;
inline constexpr size_t kCacheLineBytes = 64;

template <class T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  // Arrays smaller than one huge page get cache-line alignment and no advice, so a
  // small market (as in tests) does not reserve 2 MiB per array.
  T* allocate(size_t count) {
    const size_t requested = count * sizeof(T);
    const bool huge = requested >= kHugePageBytes;
    const size_t alignment = huge ? kHugePageBytes : kCacheLineBytes;
    const size_t bytes = (requested + alignment - 1) / alignment * alignment;
    void* memory = std::aligned_alloc(alignment, bytes == 0 ? alignment : bytes);
    if (memory == nullptr) throw std::bad_alloc();
    if (huge) (void)madvise(memory, bytes, MADV_HUGEPAGE);  // a hint; failure leaves normal pages
    return static_cast<T*>(memory);
  }

  void deallocate(T* memory, size_t) { std::free(memory); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace jubian::market
