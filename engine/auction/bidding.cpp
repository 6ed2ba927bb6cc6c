// English, Dutch, sealed-bid and listing lots: bids, intents and their closes.

#include <algorithm>

#include "engine/auction/auctions.hpp"

namespace jubian::auction {

namespace {

bool ascending(const Lot& lot) { return lot.format == LotFormat::english || lot.format == LotFormat::listing; }
bool sealed(const Lot& lot) { return lot.format == LotFormat::sealed_first || lot.format == LotFormat::sealed_second; }
bool on_grid(const Lot& lot, PriceFen price) { return (price - lot.start_price) % lot.increment == 0; }

// The window checks every bid shares: open, not yet at its exclusive end, not the seller.
ResultCode check_window(const Lot& lot, const Context& ctx) {
  if (lot.result != LotResult::none) return lot_closed;
  if (ctx.stamp.time_ns < lot.start_ns) return lot_not_open;
  if (ctx.stamp.time_ns >= lot.end_ns) return lot_closed;
  if (ctx.actor == lot.seller) return seller_cannot_bid;
  return ResultCode::ok;
}

ResultCode check_price(const Lot& lot, PriceFen price, PriceFen proxy_max) {
  if (price < lot.start_price) return bid_below_start;
  if (!on_grid(lot, price)) return bid_off_grid;
  if (lot.cap_price != 0 && price > lot.cap_price) return bid_above_cap;
  if (lot.leader != kNoAccount && price <= lot.high_price) return bid_too_low;
  if (proxy_max == 0) return amount_fits(price, lot.quantity) ? ResultCode::ok : amount_overflow;

  if (proxy_max < price || !on_grid(lot, proxy_max)) return proxy_invalid;
  if (lot.cap_price != 0 && proxy_max > lot.cap_price) return bid_above_cap;
  return amount_fits(proxy_max, lot.quantity) ? ResultCode::ok : amount_overflow;
}

}  // namespace

bool Auctions::has_admitted_intent(const Lot& lot, AccountId account) const {
  const auto& intents = entries_[slot_of(lot)];
  return std::any_of(intents.begin(), intents.end(),
                     [account](const Entry& e) { return e.account == account && e.admitted != 0; });
}

ResultCode Auctions::check_english_bid(const Lot& lot, const Bid& bid, const Context& ctx) const {
  if (!ascending(lot)) return format_invalid;
  const bool in_notice = lot.phase == LotPhase::pending || lot.phase == LotPhase::notice;
  if (lot.format == LotFormat::listing && in_notice && lot.result == LotResult::none) return lot_not_open;
  if (const auto code = check_window(lot, ctx); code != ResultCode::ok) return code;
  if (!qualified(lot, ctx.actor)) return bidder_not_qualified;
  if (lot.format == LotFormat::listing && !has_admitted_intent(lot, ctx.actor)) return intent_missing;
  if (const auto code = check_price(lot, bid.price, bid.proxy_max); code != ResultCode::ok) return code;
  if (lot.bid_count >= config_.bids_per_lot_max) return bids_full;
  return ResultCode::ok;
}

// An accepted English bid: publish it, let proxies race, then either the cap ends the
// lot at once or, in the timed phase, the countdown restarts from this bid.
Reply Auctions::apply(const Bid& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (const auto code = check_english_bid(*lot, command, ctx); code != ResultCode::ok) return reject(code);

  announce_phase(*lot, ctx);
  ++lot->bid_count;
  emit(*lot, EventType::lot_bid, bid_direct, ctx.actor, command.price, lot->end_ns, ctx);
  race(*lot, ctx.actor, command.price, std::max(command.price, command.proxy_max), ctx);
  lift_to_reserve(*lot, ctx);

  const bool leads = lot->leader == ctx.actor;
  if (lot->cap_price != 0 && lot->high_price == lot->cap_price) {
    settle(*lot, lot->leader, lot->seller, lot->high_price, PriceDiscovery::auction, ctx);
  } else if (lot->phase == LotPhase::timed) {
    lot->end_ns = ctx.stamp.time_ns + lot->countdown_ns;
    emit(*lot, EventType::lot_extended, 0, lot->leader, lot->high_price, lot->end_ns, ctx);
  }
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns,
               {lot->high_price, leads ? 1 : 0, lot->end_ns, static_cast<int64_t>(lot->bid_count)}};
}

// Runs the proxy race between the new bid (price, up to bidder_max) and the current
// leader (up to leader_max). The higher maximum leads at one increment above the other
// maximum. At equal maxima the current leader keeps the lead, because it set its maximum
// at the earlier sequence.
void Auctions::race(Lot& lot, AccountId bidder, PriceFen price, PriceFen bidder_max, const Context& ctx) {
  if (lot.leader == kNoAccount || lot.leader == bidder) {
    if (lot.leader != bidder || bidder_max > lot.leader_max) {
      lot.leader_max = bidder_max;
      lot.leader_seq = ctx.stamp.seq;
    }
    lot.leader = bidder;
    lot.high_price = price;
    return;
  }

  if (bidder_max > lot.leader_max) {
    if (lot.leader_max >= price) {
      emit(lot, EventType::lot_bid, bid_proxy, lot.leader, lot.leader_max, lot.end_ns, ctx);
      price = std::min(bidder_max, lot.leader_max + lot.increment);
      emit(lot, EventType::lot_bid, bid_proxy, bidder, price, lot.end_ns, ctx);
    }
    lot.leader = bidder;
    lot.leader_max = bidder_max;
    lot.leader_seq = ctx.stamp.seq;
    lot.high_price = price;
    return;
  }

  if (bidder_max > price) emit(lot, EventType::lot_bid, bid_proxy, bidder, bidder_max, lot.end_ns, ctx);
  const PriceFen held = bidder_max == lot.leader_max ? lot.leader_max : std::min(lot.leader_max, bidder_max + lot.increment);
  emit(lot, EventType::lot_bid, bid_proxy, lot.leader, held, lot.end_ns, ctx);
  lot.high_price = held;
}

// Lifts a leader whose proxy maximum covers the hidden reserve to the first grid price
// at or above it, so that the lot does not end unsold while a bidder would pay the reserve.
void Auctions::lift_to_reserve(Lot& lot, const Context& ctx) {
  if (lot.reserve_price <= lot.high_price) return;
  const PriceFen steps = (lot.reserve_price - lot.start_price + lot.increment - 1) / lot.increment;
  const PriceFen lifted = lot.start_price + steps * lot.increment;
  if (lifted > lot.leader_max) return;

  lot.high_price = lifted;
  emit(lot, EventType::lot_bid, bid_proxy, lot.leader, lifted, lot.end_ns, ctx);
}

void Auctions::close_english(Lot& lot, const Context& ctx) {
  if (lot.leader != kNoAccount && lot.high_price >= lot.reserve_price) {
    settle(lot, lot.leader, lot.seller, lot.high_price, PriceDiscovery::auction, ctx);
    return;
  }
  finish(lot, LotResult::no_sale, ctx);
}

// The end of a listing's notice period: intents whose bidder is qualified by now are
// admitted. None: unsold. One: a deal at the listing price. More: an English auction
// among them from the listing price, its free phase counted from the notice end.
void Auctions::end_notice(Lot& lot, const Context& ctx) {
  uint32_t admitted = 0;
  AccountId only;
  for (Entry& intent : entries_[slot_of(lot)]) {
    if (!qualified(lot, intent.account)) continue;
    intent.admitted = 1;
    only = intent.account;
    ++admitted;
  }

  if (admitted == 0) return finish(lot, LotResult::no_sale, ctx);
  if (admitted == 1) return settle(lot, only, lot.seller, lot.start_price, PriceDiscovery::listing, ctx);

  lot.start_ns = lot.end_ns;
  lot.bid_count = 0;
  lot.free_end_ns = lot.start_ns + lot.auction_free_ns;
  lot.end_ns = lot.free_end_ns + lot.countdown_ns;
  lot.phase = ctx.stamp.time_ns < lot.free_end_ns ? LotPhase::free : LotPhase::timed;
  emit(lot, EventType::lot_phase, static_cast<uint16_t>(lot.phase), kNoAccount, lot.start_price, lot.end_ns, ctx);
  if (lot.phase == LotPhase::timed) {
    emit(lot, EventType::lot_countdown, 0, kNoAccount, lot.start_price, lot.end_ns, ctx);
  }
}

Reply Auctions::apply(const DutchAccept& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::dutch) return reject(format_invalid);
  if (const auto code = check_window(*lot, ctx); code != ResultCode::ok) return reject(code);
  if (!qualified(*lot, ctx.actor)) return reject(bidder_not_qualified);

  announce_phase(*lot, ctx);
  const PriceFen price = dutch_price(*lot, ctx.stamp.time_ns);
  lot->high_price = price;
  lot->bid_count = 1;
  emit(*lot, EventType::lot_bid, bid_direct, ctx.actor, price, lot->end_ns, ctx);
  settle(*lot, ctx.actor, lot->seller, price, PriceDiscovery::dutch, ctx);
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {price, static_cast<int64_t>(lot->trade.value), 0, 0}};
}

// Publishes the clock price whenever it has stepped since the last publication.
void Auctions::step_dutch(Lot& lot, const Context& ctx) {
  announce_phase(lot, ctx);
  if (lot.phase != LotPhase::open) return;
  const PriceFen price = dutch_price(lot, ctx.stamp.time_ns);
  if (price == lot.high_price) return;

  lot.high_price = price;
  const int64_t elapsed = ctx.stamp.time_ns - lot.start_ns;
  const TimeNs next_step_ns = lot.start_ns + (elapsed / lot.dutch_interval_ns + 1) * lot.dutch_interval_ns;
  emit(lot, EventType::lot_countdown, 0, kNoAccount, price, price == lot.dutch_floor ? lot.end_ns : next_step_ns, ctx);
}

Reply Auctions::apply(const SealedBid& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (!sealed(*lot)) return reject(format_invalid);
  if (const auto code = check_window(*lot, ctx); code != ResultCode::ok) return reject(code);
  if (!qualified(*lot, ctx.actor)) return reject(bidder_not_qualified);
  if (const auto code = check_price(*lot, command.price, 0); code != ResultCode::ok) return reject(code);

  auto& bids = entries_[slot_of(*lot)];
  const bool repeated = std::any_of(bids.begin(), bids.end(), [&](const Entry& e) { return e.account == ctx.actor; });
  if (repeated) return reject(already_entered);
  if (bids.size() >= config_.bids_per_lot_max) return reject(bids_full);

  announce_phase(*lot, ctx);
  bids.push_back(Entry{ctx.actor, command.price, ctx.stamp.seq, 0});
  lot->bid_count = static_cast<uint32_t>(bids.size());
  // The price and bidder stay hidden until the close, so only the count is public.
  emit(*lot, EventType::lot_bid, bid_sealed, kNoAccount, 0, lot->bid_count, ctx);
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {static_cast<int64_t>(lot->bid_count), 0, 0, 0}};
}

// The highest sealed bid wins, the earlier sequence on a tie. First-price pays its bid;
// second-price pays the second-highest bid (or the start price when alone) or the
// reserve, whichever is higher. A winning bid below the reserve is no sale.
void Auctions::close_sealed(Lot& lot, const Context& ctx) {
  const auto& bids = entries_[slot_of(lot)];
  const Entry* best = nullptr;
  for (const Entry& bid : bids) {
    if (best == nullptr || bid.price > best->price) best = &bid;
  }
  if (best == nullptr || best->price < lot.reserve_price) return finish(lot, LotResult::no_sale, ctx);

  PriceFen second = lot.start_price;
  for (const Entry& bid : bids) {
    if (&bid != best) second = std::max(second, bid.price);
  }
  const PriceFen price = lot.format == LotFormat::sealed_first ? best->price : std::max(second, lot.reserve_price);
  settle(lot, best->account, lot.seller, price, PriceDiscovery::sealed, ctx);
}

Reply Auctions::apply(const ListingIntent& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::listing) return reject(format_invalid);
  const bool in_notice = lot->phase == LotPhase::pending || lot->phase == LotPhase::notice;
  if (lot->result == LotResult::none && !in_notice) return reject(lot_closed);
  if (const auto code = check_window(*lot, ctx); code != ResultCode::ok) return reject(code);

  auto& intents = entries_[slot_of(*lot)];
  const bool repeated = std::any_of(intents.begin(), intents.end(), [&](const Entry& e) { return e.account == ctx.actor; });
  if (repeated) return reject(already_entered);
  if (intents.size() >= config_.bids_per_lot_max) return reject(bids_full);

  announce_phase(*lot, ctx);
  intents.push_back(Entry{ctx.actor, 0, ctx.stamp.seq, 0});
  lot->bid_count = static_cast<uint32_t>(intents.size());
  emit(*lot, EventType::lot_bid, bid_intent, ctx.actor, lot->start_price, lot->bid_count, ctx);
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {static_cast<int64_t>(lot->bid_count), 0, 0, 0}};
}

}  // namespace jubian::auction
