// cmake-link: jubian_auction
// Accepted English bids per second through Auctions::apply: on one lot, and spread
// round-robin over 200 concurrent lots, in the free phase (no extension) and in the
// timed phase (every bid restarts the countdown), with and without proxy races.
// One thread, in memory; the events and trades vectors are reused as the pipeline does.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/auction/auctions.hpp"

namespace jubian::auction {
namespace {

constexpr uint32_t kBiddersPerLot = 1000;
constexpr PriceFen kStartPrice = 100'000;
constexpr PriceFen kIncrement = 100;
constexpr TimeNs kBidSpacingNs = 1'000;  // sequenced time between consecutive bids
constexpr TimeNs kFarFutureNs = 1LL << 60;

struct Bench {
  std::unique_ptr<Auctions> auctions;
  std::vector<Event> events;
  std::vector<Trade> trades;
  Seq seq = 0;
  TimeNs now = 0;

  Context context(AccountId actor) {
    events.clear();
    trades.clear();
    Context ctx;
    ctx.stamp = Stamp{++seq, now};
    ctx.actor = actor;
    ctx.events = &events;
    ctx.trades = &trades;
    return ctx;
  }
};

// Creates `lots` English lots with their bidders qualified. A timed lot has a free phase
// of zero length, so it opens in its timed phase, and its countdown never runs out.
Bench make_bench(uint32_t lots, bool timed) {
  Bench bench;
  bench.auctions = std::make_unique<Auctions>(AuctionConfig{lots + 1, UINT32_MAX, lots * kBiddersPerLot + 1});
  bench.events.reserve(64);
  bench.trades.reserve(8);
  for (uint32_t i = 0; i < lots; ++i) {
    LotCreate create;
    create.lot = LotId{i + 1};
    create.format = LotFormat::english;
    create.mode = mode_transfer;
    create.quantity = 1;
    create.start_price = kStartPrice;
    create.increment = kIncrement;
    create.end_ns = timed ? 0 : kFarFutureNs;
    create.countdown_ns = kFarFutureNs;
    if (bench.auctions->apply(create, bench.context(AccountId{1})).code != ResultCode::ok) std::abort();
    for (uint64_t b = 0; b < kBiddersPerLot; ++b) {
      const LotQualify qualify{create.lot, AccountId{10 + b}};
      if (bench.auctions->apply(qualify, bench.context(AccountId{900})).code != ResultCode::ok) std::abort();
    }
  }
  return bench;
}

// state.range(0): concurrent lots; range(1): 1 = timed phase; range(2): 1 = proxy bids.
void BM_AcceptedBids(benchmark::State& state) {
  const auto lots = static_cast<uint32_t>(state.range(0));
  const bool proxy = state.range(2) != 0;
  Bench bench = make_bench(lots, state.range(1) != 0);
  uint64_t turn = 0;
  uint64_t events = 0;
  int64_t checksum = 0;

  for (auto _ : state) {
    const uint32_t lot_index = static_cast<uint32_t>(turn % lots);
    const Lot* lot = bench.auctions->find(LotId{lot_index + 1});
    const AccountId bidder{10 + (turn / lots) % kBiddersPerLot};
    Bid bid{lot->id, lot->leader == kNoAccount ? kStartPrice : lot->high_price + kIncrement, 0};
    // A proxy three increments up makes most bids race the previous bidder's proxy.
    if (proxy) bid.proxy_max = bid.price + 3 * kIncrement;
    bench.now += kBidSpacingNs;
    const Reply reply = bench.auctions->apply(bid, bench.context(bidder));
    if (reply.code != ResultCode::ok) {
      state.SkipWithError("bid rejected");
      break;
    }
    checksum += reply.values[0];
    events += bench.events.size();
    ++turn;
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<int64_t>(turn));
  state.counters["events_per_bid"] = turn == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(turn);
}

BENCHMARK(BM_AcceptedBids)
    ->ArgNames({"lots", "timed", "proxy"})
    ->Args({1, 0, 0})
    ->Args({1, 1, 0})
    ->Args({1, 1, 1})
    ->Args({200, 0, 0})
    ->Args({200, 1, 0})
    ->Args({200, 1, 1});

// Sequenced ticks over 200 open lots with nothing due: the cost of the timer sweep.
void BM_TickSweep(benchmark::State& state) {
  Bench bench = make_bench(static_cast<uint32_t>(state.range(0)), false);
  for (auto _ : state) {
    bench.now += kBidSpacingNs;
    bench.auctions->on_tick(bench.context(kNoAccount));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_TickSweep)->Arg(200);

}  // namespace
}  // namespace jubian::auction

BENCHMARK_MAIN();
