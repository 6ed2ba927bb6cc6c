// cmake-link: jubian_ledger
// A randomized command stream with a fixed seed: the invariants hold after every
// command, and 1, 2 and 4 shards on their own threads reach the same combined digest
// and the same merged replies.

#include <memory>
#include <random>
#include <thread>
#include <variant>

#include "tests/ledger/ledger_fixture.hpp"

namespace jubian::ledger::testing {
namespace {

constexpr uint64_t kSeed = 20'261'204;
constexpr size_t kStreamLength = 100'000;
constexpr uint64_t kFirstUnit = 100;
constexpr uint64_t kUnitCount = 60;
constexpr uint64_t kFirstIndividual = 1'000;
constexpr uint64_t kIndividualCount = 60;
constexpr uint64_t kReferences = 8;

struct Tick {};
struct Publish {
  AccountId owner;
};

using Body = std::variant<RegisterUnit, RegisterIndividual, RegisterBroker, Login, Award, Spend, Transfer, HoldCreate, HoldPost,
                          HoldVoid, RedeemRequest, RedemptionSettle, YearClose, AccountReport, RuleTotals, Trade, Publish, Tick>;

struct Item {
  TimeNs time_ns = 0;
  AccountId actor;
  Body body;
};

class StreamGenerator {
 public:
  explicit StreamGenerator(uint64_t seed) : random_(seed) {}

  std::vector<Item> generate(size_t length) {
    std::vector<Item> items;
    items.reserve(length);
    TimeNs now = utc(2025, 3, 1, 0, 0, 0);
    for (size_t i = 0; i < length; ++i) {
      now += pick(0, 3 * kHour);
      const AccountId actor = any_account();
      items.push_back(Item{now, actor, next(i, now, actor)});
    }
    return items;
  }

 private:
  int64_t pick(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random_); }
  AccountId unit_id() { return AccountId{kFirstUnit + static_cast<uint64_t>(pick(0, kUnitCount - 1))}; }
  AccountId individual_id() { return AccountId{kFirstIndividual + static_cast<uint64_t>(pick(0, kIndividualCount - 1))}; }
  AccountId any_account() { return pick(0, 3) == 0 ? individual_id() : unit_id(); }

  Award random_award() {
    Award award;
    award.rule = static_cast<RuleId>(pick(1, kRuleCount));
    award.recipient = any_account();
    award.counterparty = any_account();
    award.base_fen = pick(0, 20) == 0 ? 0 : pick(1, 4'000'000'000);
    award.reference = static_cast<uint64_t>(pick(0, kReferences - 1));
    award.tier = static_cast<uint8_t>(pick(0, 3));
    award.count = static_cast<uint32_t>(pick(0, 2) == 0 ? pick(1, 40) : 0);
    return award;
  }

  Trade random_trade(size_t index, TimeNs now) {
    Trade trade;
    trade.id = make_trade_id(index + 1, 0);
    trade.buyer = any_account();
    trade.seller = any_account();
    trade.buyer_broker = pick(0, 2) == 0 ? individual_id() : kNoAccount;
    trade.seller_broker = pick(0, 2) == 0 ? individual_id() : kNoAccount;
    trade.amount = pick(1, 500'000'000);
    trade.time_ns = now;
    return trade;
  }

  Body next(size_t index, TimeNs now, AccountId actor) {
    const int64_t roll = pick(0, 99);
    const auto points = [&] { return pick(-2, 60'000); };
    if (roll < 6) return RegisterUnit{unit_id(), static_cast<UnitKind>(pick(0, kUnitKindMax))};
    if (roll < 10) return RegisterIndividual{individual_id(), pick(0, 9) == 0 ? individual_id() : unit_id()};
    if (roll < 12)
      return RegisterBroker{individual_id(), unit_id(), pick(0, 1) ? unit_id() : kNoAccount, unit_id(), unit_id(),
                            static_cast<TitleLevel>(pick(0, 3))};
    if (roll < 22) return Login{};
    if (roll < 40) return random_award();
    if (roll < 52) return Spend{points(), static_cast<UseCode>(pick(1, 3)), 0};
    if (roll < 64)
      return Transfer{TransferId{static_cast<uint64_t>(pick(0, 20'000))}, pick(0, 4) == 0 ? any_account() : actor, any_account(),
                      pick(-2, 20'000), 1, 0};
    if (roll < 70) return HoldCreate{HoldId{static_cast<uint64_t>(pick(1, 400))}, points(), UseCode::service, pick(0, 1) * pick(0, 6 * kHour)};
    if (roll < 74) return HoldPost{HoldId{static_cast<uint64_t>(pick(1, 400))}, points()};
    if (roll < 77) return HoldVoid{HoldId{static_cast<uint64_t>(pick(1, 400))}};
    if (roll < 80) return RedeemRequest{pick(1, 300'000)};
    if (roll < 81) return RedemptionSettle{cst::year(now), static_cast<uint8_t>(pick(1, 4))};
    if (roll < 82) return YearClose{cst::year(now) - static_cast<int32_t>(pick(0, 1))};
    if (roll < 83) return AccountReport{};
    if (roll < 84) return RuleTotals{now - pick(0, 90) * cst::kNsPerDay, now};
    if (roll < 92) return random_trade(index, now);
    if (roll < 96) return Publish{any_account()};
    return Tick{};
  }

  std::mt19937_64 random_;
};

// Applies one item; the reply is nullopt for settlement, publishing and ticks.
std::optional<Reply> apply_item(Ledger& ledger, const Item& item, Seq seq, CrossShardSlot* cross, std::string& detail) {
  Context ctx;
  ctx.stamp = Stamp{seq, item.time_ns};
  ctx.actor = item.actor;
  ctx.detail = &detail;
  ctx.cross = cross;
  return std::visit(
      [&](const auto& body) -> std::optional<Reply> {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Trade>) {
          ledger.settle(body, ctx);
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, Publish>) {
          ledger.award_publish(body.owner, ctx);
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, Tick>) {
          ledger.on_tick(ctx);
          return std::nullopt;
        } else {
          return ledger.apply(body, ctx);
        }
      },
      item.body);
}

bool is_reply_command(const Item& item) {
  return !std::holds_alternative<Trade>(item.body) && !std::holds_alternative<Publish>(item.body) && !std::holds_alternative<Tick>(item.body);
}

void expect_invariants(const Ledger& ledger, size_t index) {
  Points sum = 0;
  for (size_t i = 0; i < kSystemAccountCount; ++i) sum += ledger.system_balance(static_cast<SystemAccount>(i));
  bool balances_valid = true;
  ledger.for_each_account([&](const Account& account) {
    sum += account.balance;
    balances_valid = balances_valid && account.balance >= 0 && account.held >= 0 && account.held <= account.balance;
    balances_valid = balances_valid && (account.kind == AccountKind::unit || account.balance == 0);
  });
  bool caps_kept = true;
  ledger.for_each_cap([&](Points cap, Points used) { caps_kept = caps_kept && used >= 0 && used <= cap; });
  ASSERT_EQ(sum, 0) << "after command " << index;
  ASSERT_TRUE(balances_valid) << "after command " << index;
  ASSERT_TRUE(caps_kept) << "after command " << index;
}

struct RunResult {
  Digest digest{};
  std::vector<std::optional<Reply>> replies;  // merged, one per item
};

// Runs the stream on `shard_count` shards, each on its own thread.
RunResult run_sharded(const std::vector<Item>& items, uint32_t shard_count) {
  std::vector<std::unique_ptr<Ledger>> shards;
  for (uint32_t i = 0; i < shard_count; ++i) shards.push_back(std::make_unique<Ledger>(default_rules(), i, shard_count));
  auto slots = std::make_unique<CrossShardSlot[]>(items.size());
  std::vector<std::vector<std::optional<Reply>>> replies(shard_count, std::vector<std::optional<Reply>>(items.size()));

  std::vector<std::thread> threads;
  for (uint32_t s = 0; s < shard_count; ++s) {
    threads.emplace_back([&, s] {
      std::string detail;
      for (size_t i = 0; i < items.size(); ++i) {
        detail.clear();
        replies[s][i] = apply_item(*shards[s], items[i], i + 1, shard_count > 1 ? &slots[i] : nullptr, detail);
      }
    });
  }
  for (auto& thread : threads) thread.join();

  RunResult result;
  std::vector<const Ledger*> views;
  for (const auto& shard : shards) views.push_back(shard.get());
  result.digest = Ledger::combined_hash(views);
  for (size_t i = 0; i < items.size(); ++i) {
    std::vector<std::optional<Reply>> parts;
    for (uint32_t s = 0; s < shard_count; ++s) parts.push_back(replies[s][i]);
    result.replies.push_back(Ledger::merge_replies(parts));
  }
  for (const auto& shard : shards) expect_invariants(*shard, items.size());
  return result;
}

TEST(LedgerStream, InvariantsHoldAfterEveryCommand) {
  const std::vector<Item> items = StreamGenerator(kSeed).generate(kStreamLength);
  Ledger ledger(default_rules());
  std::string detail;
  size_t accepted = 0;
  size_t transfers = 0;
  size_t redemptions = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    detail.clear();
    const std::optional<Reply> reply = apply_item(ledger, items[i], i + 1, nullptr, detail);
    if (is_reply_command(items[i])) {
      ASSERT_TRUE(reply.has_value()) << "command " << i << " got no reply on one shard";
      accepted += reply->code == ResultCode::ok ? 1 : 0;
      transfers += reply->code == ResultCode::ok && std::holds_alternative<Transfer>(items[i].body) ? 1 : 0;
      redemptions += reply->code == ResultCode::ok && std::holds_alternative<RedeemRequest>(items[i].body) ? 1 : 0;
    }
    expect_invariants(ledger, i);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // The stream must exercise both paths, not only rejections.
  EXPECT_GT(accepted, kStreamLength / 4);
  EXPECT_GT(transfers, 1'000u);
  EXPECT_GT(redemptions, 100u);
  EXPECT_LT(ledger.system_balance(SystemAccount::issuance), 0);
  EXPECT_GT(ledger.system_balance(SystemAccount::revenue), 0);
  EXPECT_GT(ledger.system_balance(SystemAccount::redemption), 0);
}

TEST(LedgerStream, ShardCountsGiveSameDigestAndReplies) {
  const std::vector<Item> items = StreamGenerator(kSeed + 1).generate(kStreamLength);
  const RunResult one = run_sharded(items, 1);
  for (const uint32_t shard_count : {2u, 4u}) {
    const RunResult many = run_sharded(items, shard_count);
    EXPECT_EQ(to_hex(many.digest), to_hex(one.digest)) << shard_count << " shards";
    size_t differences = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& a = one.replies[i];
      const auto& b = many.replies[i];
      const bool same = a.has_value() == b.has_value() && (!a || (a->code == b->code && a->values == b->values));
      if (!same && differences++ < 5)
        ADD_FAILURE() << shard_count << " shards, command " << i << " (variant " << items[i].body.index() << "): code "
                      << (a ? code_number(a->code) : -1) << " vs " << (b ? code_number(b->code) : -1);
    }
    EXPECT_EQ(differences, 0u);
  }
}

TEST(LedgerStream, SnapshotMidStreamReplaysToSameDigest) {
  const std::vector<Item> items = StreamGenerator(kSeed + 2).generate(20'000);
  Ledger straight(default_rules());
  Ledger first_half(default_rules());
  std::string detail;
  const size_t middle = items.size() / 2;
  for (size_t i = 0; i < middle; ++i) apply_item(first_half, items[i], i + 1, nullptr, detail);
  std::vector<uint8_t> snapshot;
  first_half.save(snapshot);

  Ledger resumed(default_rules());
  ASSERT_TRUE(resumed.load(snapshot));
  for (size_t i = middle; i < items.size(); ++i) apply_item(resumed, items[i], i + 1, nullptr, detail);
  for (size_t i = 0; i < items.size(); ++i) apply_item(straight, items[i], i + 1, nullptr, detail);
  const Ledger* a[] = {&straight};
  const Ledger* b[] = {&resumed};
  EXPECT_EQ(to_hex(Ledger::combined_hash(a)), to_hex(Ledger::combined_hash(b)));
}

}  // namespace
}  // namespace jubian::ledger::testing
