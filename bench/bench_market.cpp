// cmake-link: jubian_market
// The matching core on the standard stream: 1,000,000 firm limit listings in one
// category, half supply and half demand, integer prices uniform in 10,000 +/- 10 (or
// +/- 500 in the wide variants), quantities uniform in 100..1,000, fixed seed. The cancel
// variants add a cancel of a random earlier listing (open or not) as 20% of operations.
// The filtered variants give every listing random tags, modes and maturity. Owners are
// drawn from 10,000 accounts, and each owner numbers its listings 1, 2, 3, ...
// The stream is built before timing. Each iteration replays it into a fresh Market
// (constructed outside the timed part) through the same apply() the pipeline calls,
// with a Context whose vectors are reserved and cleared.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "engine/market/market.hpp"

namespace jubian::market {
namespace {

inline constexpr size_t kListings = 1'000'000;
inline constexpr PriceFen kMidPrice = 10'000;
inline constexpr uint64_t kOwners = 10'000;
inline constexpr uint64_t kSeed = 20261204;
inline constexpr uint32_t kCategory = 101;

struct StreamShape {
  PriceFen half_width;      // prices uniform in kMidPrice +/- half_width
  int cancel_percent;       // share of operations that are cancels
  bool filtered;            // random tags, modes and maturity
};

struct Operation {
  bool cancel = false;
  AccountId actor;
  ListingAdd add;           // when !cancel
  ListingCancel cancel_body;  // when cancel
};

// Builds the stream. Operation i runs at sequence i + 1, so an add's listing id is
// ((i + 1) << 16) | slot and a later cancel can name it before the run.
std::vector<Operation> build_stream(const StreamShape& shape) {
  std::mt19937_64 rng(kSeed);
  std::uniform_int_distribution<PriceFen> price(kMidPrice - shape.half_width, kMidPrice + shape.half_width);
  std::uniform_int_distribution<Quantity> quantity(100, 1'000);
  std::uniform_int_distribution<int> percent(0, 99);
  std::uniform_int_distribution<uint64_t> owner(1, kOwners);

  std::vector<Operation> stream;
  std::vector<size_t> adds;  // positions of the adds so far
  std::vector<uint64_t> client_ids(kOwners + 1, 0);  // each owner numbers its listings 1, 2, 3, ...
  stream.reserve(kListings * 100 / (100 - shape.cancel_percent) + 1);
  while (adds.size() < kListings) {
    Operation op;
    if (!adds.empty() && percent(rng) < shape.cancel_percent) {
      const size_t target = adds[std::uniform_int_distribution<size_t>(0, adds.size() - 1)(rng)];
      op.cancel = true;
      op.actor = stream[target].actor;
      op.cancel_body.listing = ListingId{(static_cast<uint64_t>(target) + 1) << 16};  // category slot 0
    } else {
      op.actor = AccountId{owner(rng)};
      ListingAdd& add = op.add;
      add.client_listing_id = ListingId{++client_ids[op.actor.value]};
      add.side = rng() & 1 ? Side::supply : Side::demand;
      add.category = CategoryId{kCategory};
      add.price = price(rng);
      add.quantity = quantity(rng);
      add.modes = kModeMask;
      add.maturity = add.side == Side::supply ? 9 : 1;
      if (shape.filtered) {
        // Supplies carry about half of 8 tags at TRL 4-9; half the demands require one
        // of those tags and a minimum TRL of 1-6. Modes are any non-empty set.
        add.modes = static_cast<uint8_t>(1 + rng() % 7);
        if (add.side == Side::supply) {
          add.tags[0] = rng() & 0xFF;
          add.maturity = static_cast<uint8_t>(4 + rng() % 6);
        } else {
          add.tags[0] = rng() & 1 ? uint64_t{1} << (rng() % 8) : 0;
          add.maturity = static_cast<uint8_t>(1 + rng() % 6);
        }
      }
      adds.push_back(stream.size());
    }
    stream.push_back(op);
  }
  return stream;
}

MarketConfig bench_config() {
  MarketConfig config;
  config.listings_max = 1u << 20;
  config.levels_reserved_per_side = 1'024;
  return config;
}

struct Outputs {
  std::vector<Event> events;
  std::vector<Trade> trades;
  Outputs() {
    events.reserve(4'096);
    trades.reserve(4'096);
  }
};

// How many operations ahead the replay calls Market::prefetch. A pipeline stage can do
// the same because its ring already contains the next sequenced commands.
inline constexpr size_t kPrefetchDistance = 4;

// The pipeline's ring contains commands the sequencer wrote moments earlier, so they are
// in cache. The prebuilt stream is not, so the replay loads it this far ahead.
inline constexpr size_t kStreamPrefetchDistance = 16;

inline void prefetch_stream(const std::vector<Operation>& stream, size_t i) {
  if (i + kStreamPrefetchDistance >= stream.size()) return;
  const auto* bytes = reinterpret_cast<const char*>(&stream[i + kStreamPrefetchDistance]);
  for (size_t offset = 0; offset < sizeof(Operation); offset += 64) __builtin_prefetch(bytes + offset);
}

inline void prefetch_one(const Market& market, const Operation& op) {
  if (op.cancel) market.prefetch(op.cancel_body);
  else market.prefetch(op.add, op.actor);
}

// Applies one operation; returns a value folded into the checksum.
inline int64_t apply_one(Market& market, const Operation& op, Seq seq, Outputs& out) {
  out.events.clear();
  out.trades.clear();
  Context ctx;
  ctx.stamp = Stamp{seq, 1'000'000};
  ctx.actor = op.actor;
  ctx.events = &out.events;
  ctx.trades = &out.trades;
  const Reply reply = op.cancel ? market.apply(op.cancel_body, ctx) : market.apply(op.add, ctx);
  return reply.values[1] + static_cast<int64_t>(out.trades.size());
}

void run_stream(benchmark::State& state, const StreamShape& shape) {
  static std::vector<Operation> stream;
  static StreamShape built{-1, -1, false};
  if (built.half_width != shape.half_width || built.cancel_percent != shape.cancel_percent ||
      built.filtered != shape.filtered) {
    stream = build_stream(shape);
    built = shape;
  }
  const std::vector<uint32_t> categories{kCategory};
  Outputs out;
  int64_t checksum = 0;
  size_t open = 0;

  for (auto _ : state) {
    state.PauseTiming();
    auto market = std::make_unique<Market>(bench_config(), categories);
    state.ResumeTiming();
    for (size_t i = 0; i < stream.size(); ++i) {
      prefetch_stream(stream, i);
      if (i + kPrefetchDistance < stream.size()) prefetch_one(*market, stream[i + kPrefetchDistance]);
      checksum += apply_one(*market, stream[i], i + 1, out);
    }
    state.PauseTiming();
    open = market->open_listings();
    market.reset();
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.counters["operations"] = static_cast<double>(stream.size());
  state.counters["open_at_end"] = static_cast<double>(open);
}

// The same replay with a clock read around every operation (about 20 ns of overhead
// each, included in the figures), reporting latency percentiles in nanoseconds.
void run_latency(benchmark::State& state, const StreamShape& shape) {
  const std::vector<Operation> stream = build_stream(shape);
  const std::vector<uint32_t> categories{kCategory};
  std::vector<int64_t> latencies(stream.size());
  Outputs out;
  int64_t checksum = 0;

  for (auto _ : state) {
    state.PauseTiming();
    auto market = std::make_unique<Market>(bench_config(), categories);
    state.ResumeTiming();
    for (size_t i = 0; i < stream.size(); ++i) {
      prefetch_stream(stream, i);
      if (i + kPrefetchDistance < stream.size()) prefetch_one(*market, stream[i + kPrefetchDistance]);
      const auto start = std::chrono::steady_clock::now();
      checksum += apply_one(*market, stream[i], i + 1, out);
      latencies[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    }
    state.PauseTiming();
    market.reset();
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(checksum);
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double q) { return static_cast<double>(latencies[static_cast<size_t>(q * (latencies.size() - 1))]); };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
  state.counters["max_ns"] = at(1.0);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}

void BM_StandardStream(benchmark::State& state) { run_stream(state, {10, 0, false}); }
void BM_StandardStreamCancel(benchmark::State& state) { run_stream(state, {10, 20, false}); }
void BM_StandardStreamWide(benchmark::State& state) { run_stream(state, {500, 0, false}); }
void BM_StandardStreamWideCancel(benchmark::State& state) { run_stream(state, {500, 20, false}); }
void BM_StandardStreamFiltered(benchmark::State& state) { run_stream(state, {10, 0, true}); }
void BM_StandardStreamFilteredCancel(benchmark::State& state) { run_stream(state, {10, 20, true}); }
void BM_StandardStreamLatency(benchmark::State& state) { run_latency(state, {10, 0, false}); }
void BM_StandardStreamCancelLatency(benchmark::State& state) { run_latency(state, {10, 20, false}); }

BENCHMARK(BM_StandardStream)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_StandardStreamCancel)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_StandardStreamWide)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_StandardStreamWideCancel)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_StandardStreamFiltered)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_StandardStreamFilteredCancel)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_StandardStreamLatency)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_StandardStreamCancelLatency)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace jubian::market

BENCHMARK_MAIN();
