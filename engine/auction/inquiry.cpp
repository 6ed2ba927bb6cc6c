// Inquiries (requests for quotes) and agreements under public notice.

#include <algorithm>

#include "engine/auction/auctions.hpp"

namespace jubian::auction {

namespace {

bool one_mode(uint8_t mode) { return mode != 0 && (mode & ~kModeMask) == 0 && (mode & (mode - 1)) == 0; }

Reply accepted(const Context& ctx, int64_t v0, int64_t v1 = 0) {
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, {v0, v1, 0, 0}};
}

}  // namespace

Reply Auctions::apply(const InquiryCreate& command, const Context& ctx) {
  if (const auto code = check_new_lot(command.lot); code != ResultCode::ok) return reject(code);
  if (!one_mode(command.mode)) return reject(mode_invalid);
  if (command.quantity <= 0) return reject(quantity_invalid);
  if (command.deadline_ns <= ctx.stamp.time_ns) return reject(time_out_of_order);

  Lot lot;
  lot.id = command.lot;
  lot.format = LotFormat::inquiry;
  lot.phase = LotPhase::open;
  lot.mode = command.mode;
  lot.category = command.category;
  lot.buyer = ctx.actor;
  lot.quantity = command.quantity;
  lot.start_ns = ctx.stamp.time_ns;
  lot.end_ns = command.deadline_ns;
  add_lot(lot, ctx);
  return accepted(ctx, command.deadline_ns);
}

// A seller quotes, or revises its quote, before the deadline (exclusive).
Reply Auctions::apply(const InquiryQuote& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::inquiry) return reject(format_invalid);
  if (lot->phase != LotPhase::open || ctx.stamp.time_ns >= lot->end_ns) return reject(lot_closed);
  if (ctx.actor == lot->buyer) return reject(seller_cannot_bid);
  if (command.price <= 0) return reject(price_invalid);
  if (!amount_fits(command.price, lot->quantity)) return reject(amount_overflow);

  auto& quotes = entries_[slot_of(*lot)];
  auto quote = std::find_if(quotes.begin(), quotes.end(), [&](const Entry& e) { return e.account == ctx.actor; });
  if (quote == quotes.end() && quotes.size() >= config_.bids_per_lot_max) return reject(bids_full);

  if (quote == quotes.end()) {
    quotes.push_back(Entry{ctx.actor, command.price, ctx.stamp.seq, 0});
  } else {
    quote->price = command.price;
    quote->seq = ctx.stamp.seq;
  }
  lot->bid_count = static_cast<uint32_t>(quotes.size());
  emit(*lot, EventType::lot_bid, bid_quote, ctx.actor, command.price, lot->end_ns, ctx);
  return accepted(ctx, lot->bid_count);
}

// The deadline has passed: with no quotes the inquiry ends unsold, otherwise it waits
// for the buyer's choice.
// TODO: no time limit on the buyer's choice yet; an inquiry can stay awaiting forever.
void Auctions::end_quoting(Lot& lot, const Context& ctx) {
  if (entries_[slot_of(lot)].empty()) return finish(lot, LotResult::no_sale, ctx);
  lot.phase = LotPhase::awaiting;
  emit(lot, EventType::lot_phase, static_cast<uint16_t>(lot.phase), lot.buyer, 0, lot.end_ns, ctx);
}

Reply Auctions::apply(const InquiryAccept& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::inquiry) return reject(format_invalid);
  if (ctx.actor != lot->buyer) return reject(not_lot_owner);
  if (lot->result != LotResult::none) return reject(lot_closed);
  if (ctx.stamp.time_ns < lot->end_ns) return reject(inquiry_still_open);

  const auto& quotes = entries_[slot_of(*lot)];
  const auto quote = std::find_if(quotes.begin(), quotes.end(), [&](const Entry& e) { return e.account == command.seller; });
  if (quote == quotes.end()) return reject(quote_not_found);

  settle(*lot, lot->buyer, quote->account, quote->price, PriceDiscovery::inquiry, ctx);
  return accepted(ctx, lot->final_price, static_cast<int64_t>(lot->trade.value));
}

Reply Auctions::apply(const InquiryClose& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::inquiry) return reject(format_invalid);
  if (ctx.actor != lot->buyer) return reject(not_lot_owner);
  if (lot->result != LotResult::none) return reject(lot_closed);

  finish(*lot, LotResult::cancelled, ctx);
  return accepted(ctx, 0);
}

Reply Auctions::apply(const AgreementPublish& command, const Context& ctx) {
  if (const auto code = check_new_lot(command.lot); code != ResultCode::ok) return reject(code);
  if (command.buyer == kNoAccount || command.buyer == ctx.actor) return reject(party_invalid);
  if (!one_mode(command.mode)) return reject(mode_invalid);
  if (command.quantity <= 0) return reject(quantity_invalid);
  if (command.price <= 0) return reject(price_invalid);
  if (!amount_fits(command.price, command.quantity)) return reject(amount_overflow);
  const TimeNs notice = command.notice_ns == 0 ? kDefaultNoticeNs : command.notice_ns;
  TimeNs notice_end = 0;
  if (command.notice_ns < 0 || __builtin_add_overflow(ctx.stamp.time_ns, notice, &notice_end)) {
    return reject(time_out_of_order);
  }

  Lot lot;
  lot.id = command.lot;
  lot.format = LotFormat::agreement;
  lot.phase = LotPhase::notice;
  lot.mode = command.mode;
  lot.category = command.category;
  lot.seller = ctx.actor;
  lot.buyer = command.buyer;
  lot.quantity = command.quantity;
  lot.start_price = command.price;
  lot.start_ns = ctx.stamp.time_ns;
  lot.end_ns = notice_end;
  add_lot(lot, ctx);
  return accepted(ctx, notice_end);
}

// Any account may object while the notice runs; the deal is suspended until the
// operator resolves the objection. Further objections while suspended are recorded too.
Reply Auctions::apply(const AgreementObject& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::agreement) return reject(format_invalid);
  if (lot->result != LotResult::none) return reject(lot_closed);
  const bool running = lot->phase == LotPhase::notice || lot->phase == LotPhase::suspended;
  if (!running || ctx.stamp.time_ns >= lot->end_ns) return reject(not_in_notice);

  auto& objections = entries_[slot_of(*lot)];
  if (objections.size() >= config_.bids_per_lot_max) return reject(bids_full);
  objections.push_back(Entry{ctx.actor, 0, ctx.stamp.seq, 0});
  lot->bid_count = static_cast<uint32_t>(objections.size());
  emit(*lot, EventType::lot_bid, bid_objection, ctx.actor, 0, lot->end_ns, ctx);

  if (lot->phase != LotPhase::suspended) {
    lot->phase = LotPhase::suspended;
    emit(*lot, EventType::lot_phase, static_cast<uint16_t>(lot->phase), kNoAccount, lot->start_price, lot->end_ns, ctx);
  }
  return accepted(ctx, lot->bid_count);
}

// Uphold: the deal is cancelled. Dismiss: the notice resumes until its original end, or
// the deal becomes final in this command when that end has already passed.
Reply Auctions::apply(const AgreementResolve& command, const Context& ctx) {
  Lot* lot = find_mutable(command.lot);
  if (lot == nullptr) return reject(lot_not_found);
  if (lot->format != LotFormat::agreement) return reject(format_invalid);
  if (lot->phase != LotPhase::suspended) return reject(not_suspended);
  if (command.resolution != Resolution::uphold && command.resolution != Resolution::dismiss) {
    return reject(resolution_invalid);
  }

  if (command.resolution == Resolution::uphold) {
    finish(*lot, LotResult::cancelled, ctx);
  } else if (ctx.stamp.time_ns >= lot->end_ns) {
    settle(*lot, lot->buyer, lot->seller, lot->start_price, PriceDiscovery::agreement, ctx);
  } else {
    lot->phase = LotPhase::notice;
    emit(*lot, EventType::lot_phase, static_cast<uint16_t>(lot->phase), kNoAccount, lot->start_price, lot->end_ns, ctx);
  }
  return accepted(ctx, static_cast<int64_t>(lot->result));
}

}  // namespace jubian::auction
