// FlatMap and ShardedMap against std::unordered_map: inserts through growth, lookups,
// and iteration that visits every entry once.

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include "engine/common/flat_map.hpp"
#include "engine/common/sharded_map.hpp"

namespace jubian {
namespace {

struct Mix {
  size_t operator()(uint64_t key) const {
    key ^= key >> 33;
    key *= 0xFF51AFD7ED558CCDULL;
    return static_cast<size_t>(key ^ (key >> 33));
  }
};

template <class Map>
void check_against_reference(Map& map) {
  std::unordered_map<uint64_t, int64_t> reference;
  std::mt19937_64 random(5);
  for (int step = 0; step < 50'000; ++step) {
    const uint64_t key = random() % 20'000;
    map[key] += step;
    reference[key] += step;
    if (step % 7 == 0) {
      const auto [entry, inserted] = map.try_emplace(key + 1'000'000, step);
      EXPECT_EQ(inserted, !reference.contains(key + 1'000'000));
      if (inserted) reference.emplace(key + 1'000'000, step);
      EXPECT_EQ(entry->second, reference.at(key + 1'000'000));
    }
  }
  ASSERT_EQ(map.size(), reference.size());
  for (const auto& [key, value] : reference) {
    EXPECT_TRUE(map.contains(key));
    EXPECT_EQ(map[key], value);
  }
  EXPECT_FALSE(map.contains(5'000'000));
  size_t visited = 0;
  for (const auto& [key, value] : map) {
    ++visited;
    EXPECT_EQ(value, reference.at(key));
  }
  EXPECT_EQ(visited, reference.size());
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_TRUE(map.begin() == map.end());
}

TEST(FlatMap, MatchesReferenceThroughGrowth) {
  FlatMap<uint64_t, int64_t, Mix> map;
  EXPECT_TRUE(map.begin() == map.end());
  EXPECT_FALSE(map.contains(1));
  check_against_reference(map);
}

TEST(ShardedMap, MatchesReferenceThroughGrowth) {
  ShardedMap<uint64_t, int64_t, Mix, 16> map;
  check_against_reference(map);
}

}  // namespace
}  // namespace jubian
