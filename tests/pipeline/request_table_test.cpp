// The idempotency key table against std::unordered_map: random inserts and FIFO
// evictions in a small table, so that probe runs wrap around the end of the array and
// erase must shift entries back across it.

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <unordered_map>

#include "engine/core/request_table.hpp"

namespace jubian {
namespace {

struct KeyHash {
  size_t operator()(const RequestKey& key) const { return std::hash<uint64_t>{}(key.actor * 31 + key.request); }
};

TEST(RequestTable, MatchesReferenceUnderEviction) {
  constexpr size_t kWindow = 40;
  RequestTable table(kWindow + 1);
  std::unordered_map<RequestKey, uint64_t, KeyHash> reference;
  std::deque<RequestKey> order;
  std::mt19937_64 random(11);

  for (uint64_t step = 1; step <= 20'000; ++step) {
    const RequestKey key{random() % 4, 1 + random() % 200};
    const auto [entry, inserted] = table.try_emplace(key, step, step);
    const bool expected_new = !reference.contains(key);
    ASSERT_EQ(inserted, expected_new) << "step " << step;
    if (!inserted) {
      EXPECT_EQ(entry->digest, reference.at(key));
      continue;
    }
    reference.emplace(key, step);
    order.push_back(key);
    if (order.size() > kWindow) {
      table.erase(order.front());
      reference.erase(order.front());
      order.pop_front();
    }
    ASSERT_EQ(table.size(), reference.size());
  }
  for (const auto& [key, digest] : reference) {
    const RequestTable::Entry* entry = table.find(key);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->digest, digest);
  }
  size_t visited = 0;
  table.for_each([&](const RequestTable::Entry& entry) {
    ++visited;
    EXPECT_TRUE(reference.contains(entry.key));
  });
  EXPECT_EQ(visited, reference.size());
}

TEST(RequestTable, EraseOfMissingKeyChangesNothing) {
  RequestTable table(4);
  table.try_emplace(RequestKey{1, 1}, 7, 0);
  table.erase(RequestKey{1, 2});
  EXPECT_EQ(table.size(), 1u);
  ASSERT_NE(table.find(RequestKey{1, 1}), nullptr);
  EXPECT_EQ(table.find(RequestKey{1, 1})->digest, 7u);
}

}  // namespace
}  // namespace jubian
