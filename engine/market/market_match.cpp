// Matching. An incoming firm listing trades with the other side's firm book by price,
// then time, under the technology constraints. What is left rests or is cancelled.

#include <algorithm>

#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {

// Matches the listing at `index` (allocated, not on a book), then rests or releases it.
Reply Market::enter(uint32_t index, const Context& ctx) {
  Listing& listing = listings_[index];
  MatchState state;
  ListingOutcome outcome = ListingOutcome::open_or_filled;
  if (listing.firmness == Firmness::firm) outcome = match(listing, ctx, state);

  const bool unfilled = outcome == ListingOutcome::open_or_filled && listing.open_quantity() > 0;
  const bool ioc = listing.time_in_force == TimeInForce::immediate_or_cancel;
  if (unfilled && ioc) outcome = ListingOutcome::ioc_remainder_cancelled;
  const bool rests = unfilled && !ioc;

  const Reply reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns,
                    {static_cast<int64_t>(listing.id.value), listing.filled, rests ? listing.open_quantity() : 0,
                     static_cast<int64_t>(outcome)}};
  if (rests) {
    rest(index, ctx, true);
    propose(index, ctx);
  } else {
    release_listing(index);
  }
  return reply;
}

ListingOutcome Market::match(Listing& incoming, const Context& ctx, MatchState& state) {
  BookSide& other = side_of(incoming.slot(), Firmness::firm, opposite(incoming.side));
  const int64_t limit = price_key(opposite(incoming.side), incoming.price);

  // Levels are erased only at or after `position` while it is matched, so the
  // positions below stay valid.
  for (size_t position = other.levels.size(); position-- > 0 && incoming.open_quantity() > 0;) {
    if (other.levels[position].key > limit) break;
    const ListingOutcome outcome = match_level(incoming, other, position, ctx, state);
    if (outcome != ListingOutcome::open_or_filled) return outcome;
  }
  return ListingOutcome::open_or_filled;
}

// Walks one price level in time order. Listings the constraints exclude are passed over
// and keep their place, and an expired listing met on the way is removed.
// NOTE: passing over costs time per excluded listing, so a book with many crossed but
// incompatible listings makes each incoming listing scan them all.
ListingOutcome Market::match_level(Listing& incoming, BookSide& side, size_t position, const Context& ctx,
                                   MatchState& state) {
  uint32_t index = levels_[side.levels[position].level].head;
  while (index != kNoIndex && incoming.open_quantity() > 0) {
    const Listing& resting = listings_[index];
    const uint32_t next = resting.next;

    if (expired(resting, ctx.stamp.time_ns)) {
      remove(index, RemovalReason::expired, ctx);
    } else if (constraints_allow(incoming, resting)) {
      if (resting.owner == incoming.owner) return ListingOutcome::self_trade_cancelled;
      if (state.trades >= config_.trades_per_command_max) return ListingOutcome::trades_limit_cancelled;
      fill(incoming, index, ctx, state);
    }
    index = next;
  }
  return ListingOutcome::open_or_filled;
}

// Trades the incoming listing with one resting listing at the resting listing's price.
void Market::fill(Listing& incoming, uint32_t resting_index, const Context& ctx, MatchState& state) {
  Listing& resting = listings_[resting_index];
  const Quantity quantity = std::min(incoming.open_quantity(), resting.open_quantity());
  if (quantity == resting.open_quantity()) {
    // The resting listing leaves the book below. Start loading its index entries and its
    // successor (relinked by unlink, and the next candidate) now, so those likely cache
    // misses overlap with building the trade.
    by_id_.prefetch(listing_id_hash(resting.id));
    by_client_.prefetch(client_id_hash(resting.owner, resting.client_id));
    if (resting.next != kNoIndex) __builtin_prefetch(&listings_[resting.next]);
  }
  const Listing& demand = incoming.side == Side::demand ? incoming : resting;
  const Listing& supply = incoming.side == Side::demand ? resting : incoming;

  // The trade and its event are written in place from local values. Building them on
  // the stack, or copying one into the other, reloads fields with wide loads that stall
  // store forwarding on every trade.
  const TradeId id = make_trade_id(ctx.stamp.seq, state.trades++);
  const CategoryId category{categories_[incoming.slot()]};
  const uint8_t mode = trade_mode(incoming, resting);
  const PriceFen price = resting.price;
  // No overflow: the amount is at most the resting listing's price * quantity, checked when it was listed.
  const PriceFen amount = price * quantity;

  Trade scratch;
  Trade& trade = ctx.trades != nullptr ? ctx.trades->emplace_back() : scratch;
  trade.id = id;
  trade.category = category;
  trade.buy_listing = demand.id;
  trade.sell_listing = supply.id;
  trade.buyer = demand.owner;
  trade.seller = supply.owner;
  trade.buyer_broker = demand.broker;
  trade.seller_broker = supply.broker;
  trade.mode = mode;
  trade.discovery = PriceDiscovery::matching;
  trade.price = price;
  trade.quantity = quantity;
  trade.amount = amount;
  trade.seq = ctx.stamp.seq;
  trade.time_ns = ctx.stamp.time_ns;

  if (ctx.events != nullptr) {
    // One event per trade: account is the buyer, counterparty the seller, reason the mode.
    Event& event = ctx.events->emplace_back();
    event.type = EventType::trade;
    event.reason = mode;
    event.category = category;
    event.account = demand.owner;
    event.counterparty = supply.owner;
    event.subject = id.value;
    event.price = price;
    event.quantity = quantity;
    event.aux = amount;
    event.seq = ctx.stamp.seq;
    event.time_ns = ctx.stamp.time_ns;
  }

  if (demand.broker != kNoAccount) record_broker_trade(demand.broker, trade);
  if (supply.broker != kNoAccount && supply.broker != demand.broker) record_broker_trade(supply.broker, trade);
  incoming.filled += quantity;
  resting.filled += quantity;
  levels_[resting.level].open -= quantity;
  if (resting.open_quantity() == 0) remove(resting_index, RemovalReason::filled, ctx);
  else emit_listing(EventType::listing_changed, static_cast<uint16_t>(ChangeReason::partly_filled), resting, ctx);
}

void Market::record_broker_trade(AccountId broker, const Trade& trade) {
  BrokerStats& stats = brokers_[broker.value];
  stats.trades += 1;
  stats.quantity += trade.quantity;
  stats.amount += trade.amount;
  if (config_.broker_trades_kept == 0) return;
  if (stats.recent.size() < config_.broker_trades_kept) stats.recent.push_back(trade.id);
  else stats.recent[stats.recent_next % config_.broker_trades_kept] = trade.id;
  stats.recent_next += 1;
}

}  // namespace jubian::market
