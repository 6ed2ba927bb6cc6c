#include "engine/auction/auctions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>

namespace jubian::auction {

namespace {

bool one_mode(uint8_t mode) { return mode != 0 && (mode & ~kModeMask) == 0 && std::has_single_bit(mode); }

bool add_fits(TimeNs a, TimeNs b) {
  TimeNs sum = 0;
  return !__builtin_add_overflow(a, b, &sum);
}

// Checks shared by every format of LotCreate.
ResultCode check_common(const LotCreate& c) {
  if (c.lot.value == 0) return ResultCode::malformed;
  if (!one_mode(c.mode)) return mode_invalid;
  if (c.quantity <= 0) return quantity_invalid;
  if (c.start_price <= 0) return price_invalid;
  if (c.reserve_price < 0) return reserve_out_of_order;
  if (c.countdown_ns < 0 || c.notice_ns < 0 || c.auction_free_ns < 0) return time_out_of_order;
  if (!amount_fits(c.start_price, c.quantity)) return amount_overflow;
  return ResultCode::ok;
}

// English and listing lots: the increment grid and the optional cap.
ResultCode check_ascending(const LotCreate& c) {
  if (c.increment <= 0) return increment_invalid;
  if (c.cap_price == 0) return ResultCode::ok;
  if (c.cap_price < c.start_price || c.cap_price < c.reserve_price) return cap_out_of_order;
  if ((c.cap_price - c.start_price) % c.increment != 0) return cap_out_of_order;
  if (!amount_fits(c.cap_price, c.quantity)) return amount_overflow;
  return ResultCode::ok;
}

ResultCode check_format(const LotCreate& c) {
  const TimeNs countdown = c.countdown_ns == 0 ? kDefaultCountdownNs : c.countdown_ns;
  const TimeNs notice = c.notice_ns == 0 ? kDefaultNoticeNs : c.notice_ns;
  switch (c.format) {
    case LotFormat::english:
      if (const auto code = check_ascending(c); code != ResultCode::ok) return code;
      if (c.end_ns < c.start_ns || !add_fits(c.end_ns, countdown)) return time_out_of_order;
      return ResultCode::ok;
    case LotFormat::listing:
      if (const auto code = check_ascending(c); code != ResultCode::ok) return code;
      if (c.reserve_price > c.start_price) return reserve_out_of_order;
      if (!add_fits(c.start_ns, notice) || !add_fits(c.start_ns + notice, c.auction_free_ns) ||
          !add_fits(c.start_ns + notice + c.auction_free_ns, countdown)) {
        return time_out_of_order;
      }
      return ResultCode::ok;
    case LotFormat::dutch:
      if (c.dutch_step <= 0) return increment_invalid;
      if (c.dutch_floor <= 0 || c.dutch_floor > c.start_price || c.reserve_price > c.dutch_floor) return reserve_out_of_order;
      if (c.cap_price != 0) return cap_out_of_order;
      if (c.dutch_interval_ns <= 0 || c.end_ns <= c.start_ns) return time_out_of_order;
      return ResultCode::ok;
    case LotFormat::sealed_first:
    case LotFormat::sealed_second:
      if (c.increment <= 0) return increment_invalid;
      if (c.cap_price != 0) return cap_out_of_order;
      if (c.end_ns <= c.start_ns) return time_out_of_order;
      return ResultCode::ok;
    default:
      return format_invalid;
  }
}

Lot lot_from(const LotCreate& c, AccountId seller) {
  Lot lot;
  lot.id = c.lot;
  lot.format = c.format;
  lot.mode = c.mode;
  lot.category = c.category;
  lot.seller = seller;
  lot.seller_broker = c.seller_broker;
  lot.quantity = c.quantity;
  lot.start_price = c.start_price;
  lot.reserve_price = c.reserve_price;
  lot.increment = c.increment;
  lot.cap_price = c.cap_price;
  lot.dutch_step = c.dutch_step;
  lot.dutch_interval_ns = c.dutch_interval_ns;
  lot.dutch_floor = c.dutch_floor;
  lot.countdown_ns = c.countdown_ns == 0 ? kDefaultCountdownNs : c.countdown_ns;
  lot.auction_free_ns = c.auction_free_ns;
  lot.start_ns = c.start_ns;
  lot.free_end_ns = c.end_ns;
  lot.end_ns = c.end_ns;
  if (c.format == LotFormat::english) lot.end_ns = c.end_ns + lot.countdown_ns;
  if (c.format == LotFormat::listing) lot.end_ns = c.start_ns + (c.notice_ns == 0 ? kDefaultNoticeNs : c.notice_ns);
  if (c.format == LotFormat::dutch) lot.high_price = c.start_price;
  return lot;
}

}  // namespace

bool amount_fits(PriceFen price, Quantity quantity) {
  PriceFen amount = 0;
  return !__builtin_mul_overflow(price, quantity, &amount);
}

std::string mask_account(AccountId account) {
  if (account == kNoAccount) return "";
  return fmt::format("***{:03}", account.value % 1000);
}

void abort_on_broken_lot(const Lot& lot, std::string_view what) {
  std::fprintf(stderr,
               "auction invariant broken: %.*s: lot=%llu format=%u phase=%u result=%u high=%lld leader=%llu "
               "leader_max=%lld bids=%u end_ns=%lld\n",
               static_cast<int>(what.size()), what.data(), static_cast<unsigned long long>(lot.id.value),
               static_cast<unsigned>(lot.format), static_cast<unsigned>(lot.phase), static_cast<unsigned>(lot.result),
               static_cast<long long>(lot.high_price), static_cast<unsigned long long>(lot.leader.value),
               static_cast<long long>(lot.leader_max), lot.bid_count, static_cast<long long>(lot.end_ns));
  std::abort();
}

Auctions::Auctions(const AuctionConfig& config) : config_(config) {
  lots_.reserve(config.lots_max);
  entries_.reserve(config.lots_max);
  slot_of_.reserve(config.lots_max);
  active_.reserve(config.lots_max);
}

size_t Auctions::QualificationHash::operator()(const QualificationKey& key) const noexcept {
  return std::hash<uint64_t>{}(key.lot * 0x9E3779B97F4A7C15ull ^ key.account);
}

const Lot* Auctions::find(LotId id) const {
  const auto it = slot_of_.find(id.value);
  return it == slot_of_.end() ? nullptr : &lots_[it->second];
}

Lot* Auctions::find_mutable(LotId id) {
  const auto it = slot_of_.find(id.value);
  return it == slot_of_.end() ? nullptr : &lots_[it->second];
}

bool Auctions::qualified(const Lot& lot, AccountId account) const {
  return qualified_.contains(QualificationKey{lot.id.value, account.value});
}

ResultCode Auctions::check_new_lot(LotId id) const {
  if (id.value == 0) return ResultCode::malformed;
  if (slot_of_.contains(id.value)) return lot_exists;
  if (lots_.size() >= config_.lots_max) return lots_full;
  return ResultCode::ok;
}

Lot& Auctions::add_lot(const Lot& lot, const Context& ctx) {
  const auto slot = static_cast<uint32_t>(lots_.size());
  lots_.push_back(lot);
  entries_.emplace_back();
  slot_of_.emplace(lot.id.value, slot);
  active_.push_back(slot);

  Lot& added = lots_.back();
  emit(added, EventType::lot_created, static_cast<uint16_t>(added.format), added.seller, added.start_price,
       added.end_ns, ctx);
  return added;
}

Reply Auctions::apply(const LotCreate& command, const Context& ctx) {
  if (const auto code = check_new_lot(command.lot); code != ResultCode::ok) return reject(code);
  if (const auto code = check_common(command); code != ResultCode::ok) return reject(code);
  if (const auto code = check_format(command); code != ResultCode::ok) return reject(code);

  const Lot created = lot_from(command, ctx.actor);
  if (created.end_ns <= ctx.stamp.time_ns) return reject(time_out_of_order);

  Lot& lot = add_lot(created, ctx);
  announce_phase(lot, ctx);
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {lot.end_ns, 0, 0, 0}};
}

Reply Auctions::apply(const LotQualify& command, const Context& ctx) {
  const Lot* lot = find(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (command.bidder == kNoAccount) return reject(ResultCode::malformed);
  if (lot->format == LotFormat::inquiry || lot->format == LotFormat::agreement) return reject(format_invalid);
  if (lot->result != LotResult::none) return reject(lot_closed);
  if (command.bidder == lot->seller) return reject(seller_cannot_bid);
  if (qualified(*lot, command.bidder)) return reject(already_qualified);
  if (qualified_.size() >= config_.qualifications_max) return reject(qualifications_full);

  qualified_.insert(QualificationKey{lot->id.value, command.bidder.value});
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {}};
}

void Auctions::emit(const Lot& lot, EventType type, uint16_t reason, AccountId account, PriceFen price, int64_t aux,
                    const Context& ctx) const {
  Event event;
  event.type = type;
  event.reason = reason;
  event.category = lot.category;
  event.lot = lot.id;
  event.account = account;
  event.subject = lot.id.value;
  event.price = price;
  event.quantity = lot.quantity;
  event.aux = aux;
  event.seq = ctx.stamp.seq;
  event.time_ns = ctx.stamp.time_ns;
  ctx.emit(event);
}

// Publishes the phase that time has reached, if it differs from the last one published.
void Auctions::announce_phase(Lot& lot, const Context& ctx) {
  const LotPhase now = phase_at(lot, ctx.stamp.time_ns);
  if (now == lot.phase) return;

  lot.phase = now;
  emit(lot, EventType::lot_phase, static_cast<uint16_t>(now), kNoAccount, lot.high_price, lot.end_ns, ctx);
  if (now == LotPhase::timed) {
    emit(lot, EventType::lot_countdown, 0, kNoAccount, lot.high_price, lot.end_ns, ctx);
  }
}

void Auctions::settle(Lot& lot, AccountId buyer, AccountId seller, PriceFen price, PriceDiscovery how,
                      const Context& ctx) {
  PriceFen amount = 0;
  // Every price that can reach here was checked against the quantity when it was accepted.
  if (__builtin_mul_overflow(price, lot.quantity, &amount)) abort_on_broken_lot(lot, "trade amount overflows");
  if (buyer == kNoAccount || seller == kNoAccount || buyer == seller) abort_on_broken_lot(lot, "trade parties invalid");

  const auto index = static_cast<uint32_t>(ctx.trades == nullptr ? 0 : ctx.trades->size());
  Trade trade;
  trade.id = make_trade_id(ctx.stamp.seq, index);
  trade.category = lot.category;
  trade.sell_listing = ListingId{lot.id.value};
  trade.buyer = buyer;
  trade.seller = seller;
  trade.seller_broker = lot.seller_broker;
  trade.mode = lot.mode;
  trade.discovery = how;
  trade.price = price;
  trade.quantity = lot.quantity;
  trade.amount = amount;
  trade.seq = ctx.stamp.seq;
  trade.time_ns = ctx.stamp.time_ns;
  if (ctx.trades != nullptr) ctx.trades->push_back(trade);

  lot.final_price = price;
  lot.winner = buyer;
  lot.seller = seller;
  lot.trade = trade.id;
  finish(lot, LotResult::sold, ctx);
}

// Records the result and publishes it; on_tick drops the lot from the active list.
void Auctions::finish(Lot& lot, LotResult result, const Context& ctx) {
  if (lot.result != LotResult::none) abort_on_broken_lot(lot, "lot finished twice");
  lot.result = result;
  lot.phase = LotPhase::closed;
  emit(lot, EventType::lot_result, static_cast<uint16_t>(result), lot.winner, lot.final_price,
       static_cast<int64_t>(lot.trade.value), ctx);
}

void Auctions::on_tick(const Context& ctx) {
  for (const uint32_t slot : active_) tick_lot(lots_[slot], ctx);
  std::erase_if(active_, [this](uint32_t slot) { return lots_[slot].result != LotResult::none; });
}

void Auctions::tick_lot(Lot& lot, const Context& ctx) {
  if (lot.result != LotResult::none) return;
  const TimeNs now = ctx.stamp.time_ns;
  const bool due = now >= lot.end_ns;

  switch (lot.format) {
    case LotFormat::english:
      due ? close_english(lot, ctx) : announce_phase(lot, ctx);
      return;
    case LotFormat::listing:
      if (lot.phase == LotPhase::pending || lot.phase == LotPhase::notice) {
        due ? end_notice(lot, ctx) : announce_phase(lot, ctx);
      } else {
        due ? close_english(lot, ctx) : announce_phase(lot, ctx);
      }
      return;
    case LotFormat::dutch:
      due ? finish(lot, LotResult::no_sale, ctx) : step_dutch(lot, ctx);
      return;
    case LotFormat::sealed_first:
    case LotFormat::sealed_second:
      due ? close_sealed(lot, ctx) : announce_phase(lot, ctx);
      return;
    case LotFormat::inquiry:
      if (due && lot.phase == LotPhase::open) end_quoting(lot, ctx);
      return;
    case LotFormat::agreement:
      if (due && lot.phase == LotPhase::notice) settle(lot, lot.buyer, lot.seller, lot.start_price, PriceDiscovery::agreement, ctx);
      return;
  }
  abort_on_broken_lot(lot, "unknown format");
}

PriceFen dutch_price(const Lot& lot, TimeNs t) {
  if (t <= lot.start_ns) return lot.start_price;
  const int64_t steps = (t - lot.start_ns) / lot.dutch_interval_ns;
  const int64_t steps_to_floor = (lot.start_price - lot.dutch_floor) / lot.dutch_step + 1;
  if (steps >= steps_to_floor) return lot.dutch_floor;
  return std::max(lot.dutch_floor, lot.start_price - steps * lot.dutch_step);
}

LotPhase phase_at(const Lot& lot, TimeNs t) {
  if (lot.result != LotResult::none) return LotPhase::closed;
  switch (lot.format) {
    case LotFormat::english:
      if (t < lot.start_ns) return LotPhase::pending;
      return t < lot.free_end_ns ? LotPhase::free : LotPhase::timed;
    case LotFormat::listing:
      if (lot.phase == LotPhase::pending || lot.phase == LotPhase::notice) {
        return t < lot.start_ns ? LotPhase::pending : LotPhase::notice;
      }
      return t < lot.free_end_ns ? LotPhase::free : LotPhase::timed;
    case LotFormat::dutch:
    case LotFormat::sealed_first:
    case LotFormat::sealed_second:
      return t < lot.start_ns ? LotPhase::pending : LotPhase::open;
    default:
      return lot.phase;
  }
}

std::string_view format_name(LotFormat format) {
  switch (format) {
    case LotFormat::english: return "english";
    case LotFormat::dutch: return "dutch";
    case LotFormat::sealed_first: return "sealed_first";
    case LotFormat::sealed_second: return "sealed_second";
    case LotFormat::listing: return "listing";
    case LotFormat::inquiry: return "inquiry";
    case LotFormat::agreement: return "agreement";
  }
  return "unknown";
}

std::string_view phase_name(LotPhase phase) {
  switch (phase) {
    case LotPhase::pending: return "pending";
    case LotPhase::notice: return "notice";
    case LotPhase::free: return "free";
    case LotPhase::timed: return "timed";
    case LotPhase::open: return "open";
    case LotPhase::awaiting: return "awaiting";
    case LotPhase::suspended: return "suspended";
    case LotPhase::closed: return "closed";
  }
  return "unknown";
}

std::string_view result_name(LotResult result) {
  switch (result) {
    case LotResult::none: return "none";
    case LotResult::sold: return "sold";
    case LotResult::no_sale: return "no_sale";
    case LotResult::cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace jubian::auction
