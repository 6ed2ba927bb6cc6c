// Behaviour of the Market class beyond single scenarios: the no-crossing invariant under
// random streams, rejection without side effects, snapshots, sharding and configuration.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <unistd.h>

#include "engine/common/codec.hpp"
#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {
namespace {

const std::vector<uint32_t> kCategories{101, 102, 103, 201};

MarketConfig small_config() {
  MarketConfig config;
  config.listings_max = 1024;
  return config;
}

class Harness {
 public:
  explicit Harness(Market& market) : market_(market) {}

  Context next(AccountId actor, TimeNs time_ns) {
    events.clear();
    trades.clear();
    detail.clear();
    Context ctx;
    ctx.stamp = Stamp{++seq, time_ns};
    ctx.actor = actor;
    ctx.events = &events;
    ctx.trades = &trades;
    ctx.detail = &detail;
    return ctx;
  }

  Digest digest() const {
    Sha256 sha;
    market_.hash(sha);
    return sha.finish();
  }

  Seq seq = 0;
  std::vector<Event> events;
  std::vector<Trade> trades;
  std::string detail;

 private:
  Market& market_;
};

ListingAdd make_add(Side side, PriceFen price, Quantity quantity, uint64_t client) {
  ListingAdd add;
  add.client_listing_id = ListingId{client};
  add.side = side;
  add.category = CategoryId{101};
  add.maturity = 5;
  add.modes = kModeMask;
  add.price = price;
  add.quantity = quantity;
  return add;
}

// Returns a description of the first pair of open firm listings that could trade, or "".
std::string crossing_pair(const Market& market, TimeNs now) {
  std::vector<const Listing*> open;
  market.for_each_open([&](const Listing& listing) {
    if (listing.firmness == Firmness::firm && !expired(listing, now)) open.push_back(&listing);
  });
  for (const Listing* supply : open) {
    if (supply->side != Side::supply) continue;
    for (const Listing* demand : open) {
      if (demand->side != Side::demand || demand->slot() != supply->slot()) continue;
      if (demand->price < supply->price || demand->owner == supply->owner) continue;
      if (!constraints_allow(*supply, *demand)) continue;
      return "supply " + std::to_string(supply->id.value) + " and demand " + std::to_string(demand->id.value);
    }
  }
  return "";
}

ListingAdd random_add(std::mt19937_64& rng, uint64_t client, TimeNs now) {
  std::uniform_int_distribution<int> percent(0, 99);
  const Side side = percent(rng) < 50 ? Side::supply : Side::demand;
  ListingAdd add = make_add(side, 95 + static_cast<PriceFen>(rng() % 11), 1 + static_cast<Quantity>(rng() % 10), client);
  add.category = CategoryId{kCategories[rng() % 2]};
  add.modes = static_cast<uint8_t>(1 + rng() % 7);
  add.maturity = static_cast<uint8_t>(1 + rng() % 9);
  add.tags[0] = rng() & rng() & 0xF;  // sparse sets, so many pairs are compatible
  if (percent(rng) < 10) add.firmness = Firmness::indicative;
  else if (percent(rng) < 10) add.time_in_force = TimeInForce::immediate_or_cancel;
  if (percent(rng) < 20) add.expiry_ns = now + 1 + static_cast<TimeNs>(rng() % 50);
  if (percent(rng) < 20) add.broker = AccountId{100 + rng() % 3};
  return add;
}

TEST(MarketRandom, NoCrossingFirmPairRests) {
  constexpr int kSteps = 6'000;
  MarketConfig config;
  config.listings_max = 4096;
  Market market(config, kCategories);
  Harness harness(market);
  std::mt19937_64 rng(20261204);
  std::vector<ListingId> known;
  TimeNs now = 1'000;

  for (int step = 0; step < kSteps; ++step) {
    const int action = static_cast<int>(rng() % 100);
    const AccountId actor{1 + rng() % 6};
    if (action < 65) {
      const Reply reply = market.apply(random_add(rng, static_cast<uint64_t>(step), now), harness.next(actor, now));
      if (reply.code == ResultCode::ok) known.push_back(ListingId{static_cast<uint64_t>(reply.values[0])});
    } else if (action < 80 && !known.empty()) {
      (void)market.apply(ListingCancel{known[rng() % known.size()]}, harness.next(actor, now));
    } else if (action < 95 && !known.empty()) {
      const ListingAmend amend{known[rng() % known.size()], 95 + static_cast<PriceFen>(rng() % 11),
                               1 + static_cast<Quantity>(rng() % 12)};
      const Listing* target = market.find(amend.listing);
      const AccountId owner = target != nullptr ? target->owner : actor;
      (void)market.apply(amend, harness.next(owner, now));
    } else {
      now += static_cast<TimeNs>(rng() % 20);
      market.on_tick(harness.next(kNoAccount, now));
      market.for_each_open([&](const Listing& listing) { ASSERT_FALSE(expired(listing, now)) << listing.id.value; });
    }
    for (const Trade& trade : harness.trades) ASSERT_EQ(trade.amount, trade.price * trade.quantity);
    const std::string pair = crossing_pair(market, now);
    ASSERT_EQ(pair, "") << "after step " << step;
  }
  EXPECT_GT(market.open_listings(), 0u);
  std::printf("open listings after %d steps: %zu\n", kSteps, market.open_listings());
}

TEST(MarketRandom, SnapshotRestoresSameFutureOutput) {
  MarketConfig config;
  config.listings_max = 2048;
  Market original(config, kCategories);
  Harness harness(original);
  std::mt19937_64 rng(7);
  for (uint64_t i = 0; i < 3000; ++i)
    (void)original.apply(random_add(rng, i, 1'000), harness.next(AccountId{1 + rng() % 6}, 1'000));

  std::vector<uint8_t> bytes;
  original.save(bytes);
  Market copy(config, kCategories);
  ASSERT_TRUE(copy.load(bytes));
  Harness copy_harness(copy);
  ASSERT_EQ(harness.digest(), copy_harness.digest());

  // Both books must return the same output for the same stream, priorities included.
  copy_harness.seq = harness.seq;
  for (uint64_t i = 0; i < 500; ++i) {
    const ListingAdd add = random_add(rng, 10'000 + i, 1'000);
    const AccountId actor{1 + rng() % 6};
    const Reply a = original.apply(add, harness.next(actor, 1'000));
    const Reply b = copy.apply(add, copy_harness.next(actor, 1'000));
    ASSERT_EQ(a.values, b.values);
    ASSERT_EQ(harness.trades.size(), copy_harness.trades.size());
    for (size_t t = 0; t < harness.trades.size(); ++t) ASSERT_EQ(harness.trades[t].sell_listing, copy_harness.trades[t].sell_listing);
  }
  EXPECT_EQ(harness.digest(), copy_harness.digest());
}

TEST(MarketState, RejectedCommandsLeaveHashUnchanged) {
  Market market(small_config(), kCategories);
  Harness harness(market);
  ASSERT_EQ(market.apply(make_add(Side::supply, 100, 5, 1), harness.next(AccountId{1}, 10)).code, ResultCode::ok);
  const Digest before = harness.digest();

  ListingAdd bad_modes = make_add(Side::demand, 100, 5, 2);
  bad_modes.modes = 0;
  EXPECT_EQ(market.apply(bad_modes, harness.next(AccountId{2}, 10)).code, kModesInvalid);
  EXPECT_EQ(market.apply(make_add(Side::demand, 100, 5, 1), harness.next(AccountId{1}, 10)).code, kListingDuplicate);
  EXPECT_EQ(market.apply(ListingCancel{ListingId{999}}, harness.next(AccountId{1}, 10)).code, kListingNotOpen);
  EXPECT_EQ(market.apply(ListingAmend{ListingId{1u << 16}, 0, 5}, harness.next(AccountId{1}, 10)).code, kPriceInvalid);
  EXPECT_TRUE(harness.events.empty());
  EXPECT_TRUE(harness.trades.empty());
  EXPECT_EQ(harness.digest(), before);
}

TEST(MarketState, LoadRejectsDamagedSnapshot) {
  Market market(small_config(), kCategories);
  Harness harness(market);
  ASSERT_EQ(market.apply(make_add(Side::supply, 100, 5, 1), harness.next(AccountId{1}, 10)).code, ResultCode::ok);
  std::vector<uint8_t> bytes;
  market.save(bytes);
  const Digest before = harness.digest();

  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 3);
  EXPECT_FALSE(market.load(truncated));
  std::vector<uint8_t> wrong_magic = bytes;
  wrong_magic[0] ^= 0xFF;
  EXPECT_FALSE(market.load(wrong_magic));
  Market other_table(small_config(), std::vector<uint32_t>{101, 102});
  EXPECT_FALSE(other_table.load(bytes));
  EXPECT_EQ(harness.digest(), before);
}

TEST(MarketLimits, TradesPerCommandMaxCancelsTheRest) {
  MarketConfig config = small_config();
  config.trades_per_command_max = 3;
  Market market(config, kCategories);
  Harness harness(market);
  for (uint64_t owner = 1; owner <= 5; ++owner)
    ASSERT_EQ(market.apply(make_add(Side::supply, 100, 1, owner), harness.next(AccountId{owner}, 10)).code, ResultCode::ok);

  const Reply reply = market.apply(make_add(Side::demand, 100, 5, 9), harness.next(AccountId{9}, 10));
  EXPECT_EQ(reply.values[1], 3);
  EXPECT_EQ(reply.values[2], 0);
  EXPECT_EQ(reply.values[3], static_cast<int64_t>(ListingOutcome::trades_limit_cancelled));
  ASSERT_EQ(harness.trades.size(), 3u);
  EXPECT_EQ(harness.trades[2].id, make_trade_id(harness.seq, 2));
  EXPECT_EQ(market.open_listings(), 2u);
}

TEST(MarketLimits, FullPoolRejectsNewListings) {
  MarketConfig config;
  config.listings_max = 2;
  Market market(config, kCategories);
  Harness harness(market);
  ASSERT_EQ(market.apply(make_add(Side::supply, 100, 1, 1), harness.next(AccountId{1}, 10)).code, ResultCode::ok);
  ASSERT_EQ(market.apply(make_add(Side::supply, 100, 1, 2), harness.next(AccountId{1}, 10)).code, ResultCode::ok);
  EXPECT_EQ(market.apply(make_add(Side::supply, 100, 1, 3), harness.next(AccountId{1}, 10)).code, kBookFull);
}

TEST(MarketBrokers, ReportKeepsNewestTradesOldestFirst) {
  MarketConfig config = small_config();
  config.broker_trades_kept = 3;
  Market market(config, kCategories);
  Harness harness(market);
  std::vector<uint64_t> trade_ids;
  for (uint64_t i = 0; i < 5; ++i) {
    ListingAdd supply = make_add(Side::supply, 100, 1, 100 + i);
    supply.broker = AccountId{77};
    ASSERT_EQ(market.apply(supply, harness.next(AccountId{1}, 10)).code, ResultCode::ok);
    ASSERT_EQ(market.apply(make_add(Side::demand, 100, 1, 200 + i), harness.next(AccountId{2}, 10)).code, ResultCode::ok);
    ASSERT_EQ(harness.trades.size(), 1u);
    trade_ids.push_back(harness.trades[0].id.value);
  }

  const Reply reply = market.apply(BrokerReport{}, harness.next(AccountId{77}, 10));
  ASSERT_EQ(reply.code, ResultCode::ok);
  EXPECT_EQ(reply.values[1], 5);
  EXPECT_EQ(reply.values[3], 500);
  const std::string expected = "\"recent_trades\":[" + std::to_string(trade_ids[2]) + "," +
                               std::to_string(trade_ids[3]) + "," + std::to_string(trade_ids[4]) + "]";
  EXPECT_NE(harness.detail.find(expected), std::string::npos) << harness.detail;
}

TEST(MarketShards, ShardOwnsItsCategoriesOnly) {
  Market odd(small_config(), kCategories, 1, 2);
  Harness harness(odd);
  EXPECT_TRUE(odd.owns(CategoryId{101}));
  EXPECT_FALSE(odd.owns(CategoryId{102}));
  EXPECT_FALSE(odd.owns(CategoryId{999}));
  EXPECT_EQ(shard_of(CategoryId{102}, 2), 0u);

  ListingAdd even = make_add(Side::supply, 100, 1, 1);
  even.category = CategoryId{102};
  EXPECT_EQ(odd.apply(even, harness.next(AccountId{1}, 10)).code, kCategoryNotOwned);

  ListingAdd in_201 = make_add(Side::supply, 100, 1, 2);
  in_201.category = CategoryId{201};
  const Reply reply = odd.apply(in_201, harness.next(AccountId{1}, 10));
  ASSERT_EQ(reply.code, ResultCode::ok);
  EXPECT_EQ(odd.category_of(ListingId{static_cast<uint64_t>(reply.values[0])}), CategoryId{201});
  EXPECT_EQ(odd.category_of(ListingId{0xFFFF}), std::nullopt);
}

TEST(MarketCommands, CodecRoundTripsListingAdd) {
  ListingAdd add = make_add(Side::demand, 12'345, 7, 42);
  add.broker = AccountId{9};
  add.tags = TagSet{1, 2, 3, 0x8000'0000'0000'0000ull};
  add.expiry_ns = 5'000;
  add.firmness = Firmness::indicative;
  std::vector<uint8_t> bytes;
  codec::encode(add, bytes);
  EXPECT_EQ(bytes.size(), codec::encoded_size<ListingAdd>());

  ListingAdd decoded;
  ASSERT_TRUE(codec::decode(bytes, decoded));
  EXPECT_EQ(decoded.client_listing_id, add.client_listing_id);
  EXPECT_EQ(decoded.side, add.side);
  EXPECT_EQ(decoded.broker, add.broker);
  EXPECT_EQ(decoded.tags, add.tags);
  EXPECT_EQ(decoded.price, add.price);
  EXPECT_EQ(decoded.quantity, add.quantity);
  EXPECT_EQ(decoded.expiry_ns, add.expiry_ns);
  EXPECT_EQ(decoded.firmness, add.firmness);
  EXPECT_EQ(decoded.time_in_force, add.time_in_force);
}

TEST(MarketCommands, CodeNamesAreDistinct) {
  std::set<std::string_view> names;
  for (uint16_t number = 200; number < 300; ++number) {
    const std::string_view name = code_name(ResultCode{number});
    if (name == "unknown") continue;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), 19u);
}

TEST(MarketConfigFile, LoadsCategoryTable) {
  const auto categories = load_categories(std::filesystem::path(JUBIAN_SOURCE_DIR) / "config/categories.tsv");
  ASSERT_FALSE(categories.empty());
  EXPECT_EQ(categories.front(), 101u);
}

TEST(MarketConfigFile, RejectsRepeatedAndNonNumericCodes) {
  const auto path = std::filesystem::temp_directory_path() / ("market-categories-" + std::to_string(::getpid()) + ".tsv");
  {
    std::ofstream out(path);
    out << "# comment\ncode\tname_zh\tname_en\n101\ta\ta\n101\tb\tb\n";
  }
  EXPECT_THROW(load_categories(path), std::runtime_error);
  {
    std::ofstream out(path);
    out << "101\ta\ta\n10x\tb\tb\n";
  }
  EXPECT_THROW(load_categories(path), std::runtime_error);
  std::filesystem::remove(path);
  EXPECT_THROW(load_categories(path), std::runtime_error);
}

}  // namespace
}  // namespace jubian::market
