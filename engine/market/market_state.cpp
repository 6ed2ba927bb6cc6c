// Snapshots, the state hash and the read-only queries of the market.
//
// Grammar of a snapshot (engine/common/codec.hpp encoding, little-endian, no padding):
//   snapshot := magic:u32 version:u16 shard_index:u32 shard_count:u32
//               category_count:u32 category:u32*  listing_count:u64 listing*
//               broker_count:u64 broker*
//   listing  := id:u64 client_id:u64 owner:u64 broker:u64 side:u8 firmness:u8
//               time_in_force:u8 maturity:u8 modes:u8 tags:u64[4] price:i64
//               quantity:i64 filled:i64 expiry_ns:i64 priority_seq:u64
//   broker   := account:u64 trades:u64 quantity:i64 amount:i64 recent_next:u64
//               recent_count:u32 trade_id:u64*
// Listings appear book by book in category slot order. Within a book the sides come as
// firm supply, firm demand, indicative supply, indicative demand, each best level first
// and in time order within a level, so loading them in order restores every priority.
// Brokers appear by account ascending.

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <unordered_set>

#include "engine/common/codec.hpp"
#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {

namespace {

inline constexpr uint32_t kSnapshotMagic = 0x314B4D4A;  // "JMK1"
inline constexpr uint16_t kSnapshotVersion = 1;

template <class Visitor>
void visit_listing(Visitor& v, Listing& l) {
  v("id", l.id); v("client_id", l.client_id); v("owner", l.owner); v("broker", l.broker); v("side", l.side);
  v("firmness", l.firmness); v("time_in_force", l.time_in_force); v("maturity", l.maturity); v("modes", l.modes);
  v("tags", l.tags); v("price", l.price); v("quantity", l.quantity); v("filled", l.filled);
  v("expiry_ns", l.expiry_ns); v("priority_seq", l.priority_seq);
}

bool listing_fields_valid(const Listing& l) {
  PriceFen amount = 0;
  const bool sides_valid = (l.side == Side::supply || l.side == Side::demand) &&
                           (l.firmness == Firmness::firm || l.firmness == Firmness::indicative) &&
                           l.time_in_force == TimeInForce::good_till_expiry;
  return sides_valid && l.price > 0 && l.quantity > 0 && l.filled >= 0 && l.filled < l.quantity &&
         !__builtin_mul_overflow(l.price, l.quantity, &amount) && l.modes != 0 && (l.modes & ~kModeMask) == 0 &&
         l.maturity >= kMaturityMin && l.maturity <= kMaturityMax;
}

}  // namespace

void Market::save(std::vector<uint8_t>& out) const {
  codec::Writer w(out);
  w("magic", kSnapshotMagic);
  w("version", kSnapshotVersion);
  w("shard_index", shard_index_);
  w("shard_count", shard_count_);
  w("category_count", static_cast<uint32_t>(categories_.size()));
  for (const uint32_t category : categories_) w("category", category);

  w("listing_count", static_cast<uint64_t>(open_count_));
  for (const Book& book : books_) {
    for (const BookSide& side : book.sides) {
      for (auto ref = side.levels.rbegin(); ref != side.levels.rend(); ++ref) {
        for (uint32_t index = levels_[ref->level].head; index != kNoIndex; index = listings_[index].next)
          visit_listing(w, const_cast<Listing&>(listings_[index]));
      }
    }
  }

  std::vector<uint64_t> accounts;
  for (const auto& entry : brokers_) accounts.push_back(entry.first);
  std::sort(accounts.begin(), accounts.end());
  w("broker_count", static_cast<uint64_t>(accounts.size()));
  for (const uint64_t account : accounts) {
    const BrokerStats& stats = brokers_.at(account);
    w("account", account); w("trades", stats.trades); w("quantity", stats.quantity); w("amount", stats.amount);
    w("recent_next", stats.recent_next);
    w("recent_count", static_cast<uint32_t>(stats.recent.size()));
    for (const TradeId id : stats.recent) w("trade_id", id);
  }
}

void Market::hash(Sha256& sha) const {
  std::vector<uint8_t> bytes;
  save(bytes);
  sha.update(bytes);
}

bool Market::load(std::span<const uint8_t> bytes) {
  codec::Reader r(bytes);
  uint32_t magic = 0, shard_index = 0, shard_count = 0, category_count = 0;
  uint16_t version = 0;
  r("magic", magic); r("version", version); r("shard_index", shard_index); r("shard_count", shard_count);
  r("category_count", category_count);
  if (!r.ok() || magic != kSnapshotMagic || version != kSnapshotVersion || shard_index != shard_index_ ||
      shard_count != shard_count_ || category_count != categories_.size())
    return false;
  for (const uint32_t expected : categories_) {
    uint32_t category = 0;
    r("category", category);
    if (!r.ok() || category != expected) return false;
  }

  uint64_t listing_count = 0;
  r("listing_count", listing_count);
  if (!r.ok() || listing_count > listings_.size()) return false;
  std::vector<Listing> loaded(listing_count);
  std::unordered_set<uint64_t> ids;
  for (Listing& listing : loaded) {
    visit_listing(r, listing);
    const auto category = category_of(listing.id);
    if (!r.ok() || !listing_fields_valid(listing) || !category || !owns(*category)) return false;
    if (!ids.insert(listing.id.value).second) return false;
  }

  uint64_t broker_count = 0;
  r("broker_count", broker_count);
  if (!r.ok()) return false;
  std::unordered_map<uint64_t, BrokerStats> brokers;
  for (uint64_t i = 0; i < broker_count; ++i) {
    uint64_t account = 0;
    uint32_t recent_count = 0;
    BrokerStats stats;
    r("account", account); r("trades", stats.trades); r("quantity", stats.quantity); r("amount", stats.amount);
    r("recent_next", stats.recent_next); r("recent_count", recent_count);
    if (!r.ok() || recent_count > config_.broker_trades_kept) return false;
    stats.recent.resize(recent_count);
    for (TradeId& id : stats.recent) r("trade_id", id);
    if (!r.ok()) return false;
    brokers.emplace(account, std::move(stats));
  }
  if (!r.at_end()) return false;

  // Client ids must be unique per owner among open listings, as on the live path.
  std::set<std::pair<uint64_t, uint64_t>> clients;
  for (const Listing& listing : loaded)
    if (!clients.emplace(listing.owner.value, listing.client_id.value).second) return false;

  reset();
  const Context silent;
  for (const Listing& listing : loaded) {
    const uint32_t index = allocate_listing();
    listings_[index] = listing;
    rest(index, silent, false);
  }
  brokers_ = std::move(brokers);
  return true;
}

Reply Market::apply(const BookQuery& query, const Context& ctx) const {
  const uint32_t slot = slot_of(query.category);
  if (slot == kNoIndex) return reject(kCategoryUnknown);
  if (!owns(query.category)) return reject(kCategoryNotOwned);
  if (query.depth == 0 || query.depth > kBookDepthMax) return reject(kDepthInvalid);

  const BookSide& supply = side_of(slot, Firmness::firm, Side::supply);
  const BookSide& demand = side_of(slot, Firmness::firm, Side::demand);
  if (ctx.detail != nullptr) {
    auto out = std::back_inserter(*ctx.detail);
    fmt::format_to(out, "{{\"category\":{},\"seq\":{}", query.category.value, ctx.stamp.seq);
    for (const auto& [name, side] : {std::pair{"supply", &supply}, std::pair{"demand", &demand}}) {
      fmt::format_to(out, ",\"{}\":[", name);
      const size_t shown = std::min<size_t>(side->levels.size(), query.depth);
      for (size_t i = 0; i < shown; ++i) {
        const Level& level = levels_[side->levels[side->levels.size() - 1 - i].level];
        fmt::format_to(out, "{}{{\"price\":{},\"quantity\":{},\"listings\":{}}}", i == 0 ? "" : ",", level.price,
                       level.open, level.count);
      }
      fmt::format_to(out, "]");
    }
    fmt::format_to(out, "}}");
  }

  const auto best = [&](const BookSide& side) { return side.levels.empty() ? 0 : levels_[side.levels.back().level].price; };
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns,
               {best(supply), best(demand), static_cast<int64_t>(supply.levels.size()),
                static_cast<int64_t>(demand.levels.size())}};
}

// NOTE: open claims are found by scanning the whole listing pool, O(listings_max) per report.
Reply Market::apply(const BrokerReport&, const Context& ctx) const {
  int64_t claims = 0;
  std::string* detail = ctx.detail;
  if (detail != nullptr) fmt::format_to(std::back_inserter(*detail), "{{\"broker\":{},\"claims\":[", ctx.actor.value);
  for_each_open([&](const Listing& listing) {
    if (listing.broker != ctx.actor) return;
    if (detail != nullptr) {
      fmt::format_to(std::back_inserter(*detail),
                     "{}{{\"listing\":{},\"category\":{},\"side\":\"{}\",\"owner\":{},\"price\":{},\"open\":{}}}",
                     claims == 0 ? "" : ",", listing.id.value, categories_[listing.slot()],
                     listing.side == Side::supply ? "supply" : "demand", listing.owner.value, listing.price,
                     listing.open_quantity());
    }
    claims += 1;
  });

  const auto found = brokers_.find(ctx.actor.value);
  const BrokerStats empty;
  const BrokerStats& stats = found == brokers_.end() ? empty : found->second;
  if (detail != nullptr) {
    auto out = std::back_inserter(*detail);
    fmt::format_to(out, "],\"trades\":{},\"quantity\":{},\"amount\":{},\"recent_trades\":[", stats.trades,
                   stats.quantity, stats.amount);
    // The ring contains the newest trades. They are printed oldest first.
    const size_t kept = stats.recent.size();
    for (size_t i = 0; i < kept; ++i) {
      const size_t at = kept < config_.broker_trades_kept ? i : (stats.recent_next + i) % kept;
      fmt::format_to(out, "{}{}", i == 0 ? "" : ",", stats.recent[at].value);
    }
    fmt::format_to(out, "]}}");
  }
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns,
               {claims, static_cast<int64_t>(stats.trades), stats.quantity, stats.amount}};
}

}  // namespace jubian::market
