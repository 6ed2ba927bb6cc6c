// cmake-link: jubian_ledger
// Ledger throughput in memory, through the same apply() and settle() the pipeline calls.
// Accounts are registered and funded before timing; the operations are built from a
// fixed seed before timing too. Each operation is one double-entry movement pair or
// more: a spend (user -> revenue), a trade settlement (two awards from issuance), an
// award with a per-year cap, or a transfer between users with a client transfer id.
// The sharded variants run the same stream on 2 shards, one thread each. Every shard
// receives every operation and applies the part for the accounts it owns.

#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <thread>
#include <variant>
#include <vector>

#include "engine/common/time.hpp"
#include "engine/ledger/ledger.hpp"

namespace jubian::ledger {
namespace {

constexpr uint64_t kSeed = 20'261'204;
constexpr size_t kOperations = 1'000'000;
constexpr uint64_t kFirstAccount = 1'000;
constexpr Points kFunding = 1'000'000'000;
const TimeNs kStart = cst::year_start(2026) + 100 * cst::kNsPerDay;

enum class Mix { spend, settle, award, transfer, award_spend };

struct Operation {
  AccountId actor;
  std::variant<Spend, Trade, Award, Transfer> body;
};

std::vector<Operation> build_stream(Mix mix, uint64_t accounts) {
  std::mt19937_64 random(kSeed);
  std::uniform_int_distribution<uint64_t> account(kFirstAccount, kFirstAccount + accounts - 1);
  std::uniform_int_distribution<Points> amount(1, 100);
  std::vector<Operation> stream;
  stream.reserve(kOperations);
  for (size_t i = 0; i < kOperations; ++i) {
    const AccountId a{account(random)};
    AccountId b{account(random)};
    if (b == a) b = AccountId{a.value == kFirstAccount ? a.value + 1 : a.value - 1};
    const bool first_half = mix == Mix::award_spend && i % 2 == 0;
    if (mix == Mix::spend || (mix == Mix::award_spend && !first_half)) {
      stream.push_back({a, Spend{amount(random), UseCode::service, i}});
    } else if (mix == Mix::settle) {
      Trade trade;
      trade.id = make_trade_id(i + 2, 0);
      trade.buyer = a;
      trade.seller = b;
      trade.amount = amount(random) * 10'000;
      stream.push_back({a, trade});
    } else if (mix == Mix::award || first_half) {
      stream.push_back({a, Award{RuleId::pilot_service, a, kNoAccount, amount(random) * 10'000, i, 0, 0}});
    } else {
      stream.push_back({a, Transfer{TransferId{i + 1}, a, b, amount(random), 1, 0}});
    }
  }
  return stream;
}

// Registers and funds the accounts; the funding award is the stream's sequence 1.
void prepare(Ledger& ledger, uint64_t accounts) {
  Context ctx;
  ctx.stamp = Stamp{1, kStart};
  for (uint64_t id = kFirstAccount; id < kFirstAccount + accounts; ++id) {
    (void)ledger.apply(RegisterUnit{AccountId{id}, UnitKind::enterprise}, ctx);
    (void)ledger.apply(Award{RuleId::landing_built, AccountId{id}, kNoAccount, kFunding, id, 0, 0}, ctx);
  }
}

// Applies the stream to one shard; returns the number of ok replies this shard decided.
int64_t run_stream(Ledger& ledger, const std::vector<Operation>& stream, CrossShardSlot* slots) {
  int64_t ok = 0;
  Context ctx;
  for (size_t i = 0; i < stream.size(); ++i) {
    ctx.stamp = Stamp{i + 2, kStart + static_cast<TimeNs>(i) * 1'000};
    ctx.actor = stream[i].actor;
    ctx.cross = slots == nullptr ? nullptr : &slots[i];
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, Trade>) {
            ok += ledger.settle(body, ctx) ? 1 : 0;
          } else {
            const std::optional<Reply> reply = ledger.apply(body, ctx);
            ok += reply && reply->code == ResultCode::ok ? 1 : 0;
          }
        },
        stream[i].body);
  }
  return ok;
}

void BM_OneShard(benchmark::State& state, Mix mix) {
  const auto accounts = static_cast<uint64_t>(state.range(0));
  const std::vector<Operation> stream = build_stream(mix, accounts);
  const RuleTable rules = default_rules();
  int64_t ok = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto ledger = std::make_unique<Ledger>(rules);
    prepare(*ledger, accounts);
    state.ResumeTiming();
    ok = run_stream(*ledger, stream, nullptr);
    benchmark::DoNotOptimize(ok);
    state.PauseTiming();
    ledger.reset();
    state.ResumeTiming();
  }
  if (ok != static_cast<int64_t>(stream.size())) state.SkipWithError("an operation was rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}

void BM_TwoShards(benchmark::State& state, Mix mix) {
  constexpr uint32_t kShards = 2;
  const auto accounts = static_cast<uint64_t>(state.range(0));
  const std::vector<Operation> stream = build_stream(mix, accounts);
  const RuleTable rules = default_rules();
  int64_t ok = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::unique_ptr<Ledger>> shards;
    for (uint32_t s = 0; s < kShards; ++s) {
      shards.push_back(std::make_unique<Ledger>(rules, s, kShards));
      prepare(*shards.back(), accounts);
    }
    auto slots = std::make_unique<CrossShardSlot[]>(stream.size());
    std::array<int64_t, kShards> decided{};
    state.ResumeTiming();
    std::vector<std::thread> threads;
    for (uint32_t s = 0; s < kShards; ++s)
      threads.emplace_back([&, s] { decided[s] = run_stream(*shards[s], stream, slots.get()); });
    for (auto& thread : threads) thread.join();
    ok = decided[0] + decided[1];
    benchmark::DoNotOptimize(ok);
    state.PauseTiming();
    shards.clear();
    slots.reset();
    state.ResumeTiming();
  }
  // Settlement has no reply; each shard counts the trade once.
  const int64_t expected = static_cast<int64_t>(stream.size()) * (mix == Mix::settle ? kShards : 1);
  if (ok != expected) state.SkipWithError("an operation was rejected");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}

BENCHMARK_CAPTURE(BM_OneShard, spend, Mix::spend)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_OneShard, settle, Mix::settle)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_OneShard, award, Mix::award)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_OneShard, award_spend, Mix::award_spend)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_OneShard, transfer, Mix::transfer)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TwoShards, spend, Mix::spend)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TwoShards, award_spend, Mix::award_spend)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TwoShards, transfer, Mix::transfer)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace jubian::ledger

BENCHMARK_MAIN();
