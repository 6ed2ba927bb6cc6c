// cmake-link: jubian_ledger
// Two shards by hand: who decides a command, partial replies of two-sided awards, and a
// transfer between accounts on different shards through the cross-shard slot.

#include <thread>

#include "tests/ledger/ledger_fixture.hpp"

namespace jubian::ledger::testing {
namespace {

constexpr uint64_t kEven = 1000;  // owned by shard 0 of 2
constexpr uint64_t kOdd = 1001;   // owned by shard 1 of 2

class TwoShards : public ::testing::Test {
 protected:
  TwoShards() : shard0(default_rules(), 0, 2), shard1(default_rules(), 1, 2) {
    register_unit(kEven);
    register_unit(kOdd);
  }

  Context at(AccountId actor = kNoAccount) {
    Context ctx;
    ctx.stamp = Stamp{++seq, kJune1};
    ctx.actor = actor;
    return ctx;
  }

  void register_unit(uint64_t id) {
    const Context ctx = at();
    const auto r0 = shard0.apply(RegisterUnit{AccountId{id}, UnitKind::enterprise}, ctx);
    const auto r1 = shard1.apply(RegisterUnit{AccountId{id}, UnitKind::enterprise}, ctx);
    EXPECT_NE(r0.has_value(), r1.has_value()) << "exactly one shard decides";
  }

  Ledger shard0;
  Ledger shard1;
  Seq seq = 0;
};

TEST_F(TwoShards, OwnerShardDecides) {
  EXPECT_EQ(shard0.owner_shard(AccountId{kEven}), 0u);
  EXPECT_EQ(shard0.owner_shard(AccountId{kOdd}), 1u);
  EXPECT_EQ(shard0.balance(AccountId{kEven}), 5'000);
  EXPECT_EQ(shard1.balance(AccountId{kEven}), 0);
  EXPECT_EQ(shard1.balance(AccountId{kOdd}), 5'000);

  const Context ctx = at(AccountId{kOdd});
  EXPECT_FALSE(shard0.apply(Spend{100, UseCode::service, 0}, ctx).has_value());
  const auto reply = shard1.apply(Spend{100, UseCode::service, 0}, ctx);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->values[0], 100);
}

TEST_F(TwoShards, TwoSidedAwardRepliesMerge) {
  const Context ctx = at();
  const Award award{RuleId::incubation_sme, AccountId{kEven}, AccountId{kOdd}, 0, 1, 0, 0};
  const std::optional<Reply> parts[] = {shard0.apply(award, ctx), shard1.apply(award, ctx)};
  ASSERT_TRUE(parts[0].has_value());
  ASSERT_TRUE(parts[1].has_value());
  EXPECT_EQ(parts[0]->values, (std::array<int64_t, 4>{20'000, 0, 0, 0}));
  EXPECT_EQ(parts[1]->values, (std::array<int64_t, 4>{0, 0, 20'000, 0}));
  EXPECT_EQ(Ledger::merge_replies(parts)->values, (std::array<int64_t, 4>{20'000, 0, 20'000, 0}));
}

TEST_F(TwoShards, CrossShardTransferThroughSlot) {
  CrossShardSlot slot;
  Context ctx = at(AccountId{kEven});
  ctx.cross = &slot;
  const Transfer transfer{TransferId{9}, AccountId{kEven}, AccountId{kOdd}, 1'500, 1, 0};

  std::optional<Reply> credit_side;
  std::thread waiter([&] { credit_side = shard1.apply(transfer, ctx); });
  const std::optional<Reply> debit_side = shard0.apply(transfer, ctx);
  waiter.join();

  ASSERT_TRUE(debit_side.has_value());
  EXPECT_FALSE(credit_side.has_value());
  EXPECT_EQ(debit_side->code, ResultCode::ok);
  EXPECT_EQ(shard0.balance(AccountId{kEven}), 3'500);
  EXPECT_EQ(shard1.balance(AccountId{kOdd}), 6'500);
  EXPECT_EQ(shard0.system_balance(SystemAccount::transit), 1'500);
  EXPECT_EQ(shard1.system_balance(SystemAccount::transit), -1'500);
}

TEST_F(TwoShards, CrossShardTransferRejectedOnBothShards) {
  CrossShardSlot slot;
  Context ctx = at(AccountId{kEven});
  ctx.cross = &slot;
  const Transfer transfer{TransferId{10}, AccountId{kEven}, AccountId{kOdd}, 5'001, 1, 0};

  std::optional<Reply> credit_side;
  std::thread waiter([&] { credit_side = shard1.apply(transfer, ctx); });
  const std::optional<Reply> debit_side = shard0.apply(transfer, ctx);
  waiter.join();

  ASSERT_TRUE(debit_side.has_value());
  EXPECT_EQ(debit_side->code, insufficient_balance);
  EXPECT_FALSE(credit_side.has_value());
  EXPECT_EQ(shard1.balance(AccountId{kOdd}), 5'000);

  // The id was not recorded anywhere, so the same id can be used again.
  CrossShardSlot retry_slot;
  ctx.cross = &retry_slot;
  const Transfer smaller{TransferId{10}, AccountId{kEven}, AccountId{kOdd}, 10, 1, 0};
  std::thread retry_waiter([&] { credit_side = shard1.apply(smaller, ctx); });
  EXPECT_EQ(shard0.apply(smaller, ctx)->code, ResultCode::ok);
  retry_waiter.join();
  EXPECT_EQ(shard1.balance(AccountId{kOdd}), 5'010);
}

}  // namespace
}  // namespace jubian::ledger::testing
