// Listing commands that do not match by themselves: validation of a new listing, cancel,
// amend (which matches again when the listing loses priority) and the broker commands.

#include <cstdio>
#include <cstdlib>

#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {

namespace {

inline constexpr Seq kListingSeqMax = (Seq{1} << 48) - 1;  // the seq field of a listing id

Reply accepted(const Context& ctx, std::array<int64_t, 4> values) {
  return Reply{ResultCode::ok, ctx.stamp.seq, ctx.stamp.time_ns, values};
}

bool amount_overflows(PriceFen price, Quantity quantity) {
  PriceFen amount = 0;
  return __builtin_mul_overflow(price, quantity, &amount);
}

}  // namespace

ResultCode Market::validate(const ListingAdd& add, const Context& ctx, uint32_t& slot) const {
  if (add.side != Side::supply && add.side != Side::demand) return kSideInvalid;
  if (add.firmness != Firmness::firm && add.firmness != Firmness::indicative) return kFirmnessInvalid;
  const bool ioc = add.time_in_force == TimeInForce::immediate_or_cancel;
  if (!ioc && add.time_in_force != TimeInForce::good_till_expiry) return kTimeInForceInvalid;
  if (ioc && add.firmness == Firmness::indicative) return kTimeInForceInvalid;

  slot = slot_of(add.category);
  if (slot == kNoIndex) return kCategoryUnknown;
  if (add.category.value % shard_count_ != shard_index_) return kCategoryNotOwned;

  if (add.price <= 0) return kPriceInvalid;
  if (add.quantity <= 0) return kQuantityInvalid;
  if (amount_overflows(add.price, add.quantity)) return kAmountOverflow;
  if (add.modes == 0 || (add.modes & ~kModeMask) != 0) return kModesInvalid;
  if (add.maturity < kMaturityMin || add.maturity > kMaturityMax) return kMaturityInvalid;
  if (add.expiry_ns != 0 && add.expiry_ns <= ctx.stamp.time_ns) return kExpiryInvalid;
  if (add.broker != kNoAccount && add.broker == ctx.actor) return kBrokerIsOwner;
  if (find_client(ctx.actor, add.client_listing_id) != kNoIndex) return kListingDuplicate;
  return ResultCode::ok;
}

Reply Market::apply(const ListingAdd& add, const Context& ctx) {
  // The duplicate check at the end of validate() is the likeliest cache miss of an add.
  by_client_.prefetch(client_id_hash(ctx.actor, add.client_listing_id));
  uint32_t slot = 0;
  const ResultCode invalid = validate(add, ctx, slot);
  if (invalid != ResultCode::ok) return reject(invalid);
  if (ctx.stamp.seq > kListingSeqMax) {
    std::fprintf(stderr, "market: sequence %llu does not fit a listing id\n",
                 static_cast<unsigned long long>(ctx.stamp.seq));
    std::abort();
  }
  const uint32_t index = allocate_listing();
  if (index == kNoIndex) return reject(kBookFull);

  Listing& listing = listings_[index];
  listing.price = add.price;
  listing.quantity = add.quantity;
  listing.side = add.side;
  listing.firmness = add.firmness;
  listing.time_in_force = add.time_in_force;
  listing.maturity = add.maturity;
  listing.modes = add.modes;
  listing.id = ListingId{(ctx.stamp.seq << 16) | slot};
  listing.client_id = add.client_listing_id;
  listing.owner = ctx.actor;
  listing.broker = add.broker;
  listing.expiry_ns = add.expiry_ns;
  listing.priority_seq = ctx.stamp.seq;
  listing.tags = add.tags;
  return enter(index, ctx);
}

Reply Market::apply(const ListingCancel& cancel, const Context& ctx) {
  const uint32_t index = find_open(cancel.listing);
  if (index == kNoIndex || expired(listings_[index], ctx.stamp.time_ns)) return reject(kListingNotOpen);
  if (listings_[index].owner != ctx.actor) return reject(kListingNotOwner);

  const Quantity filled = listings_[index].filled;
  remove(index, RemovalReason::cancelled, ctx);
  return accepted(ctx, {static_cast<int64_t>(cancel.listing.value), filled, 0, 0});
}

Reply Market::apply(const ListingAmend& amend, const Context& ctx) {
  const uint32_t index = find_open(amend.listing);
  if (index == kNoIndex || expired(listings_[index], ctx.stamp.time_ns)) return reject(kListingNotOpen);
  if (listings_[index].owner != ctx.actor) return reject(kListingNotOwner);
  if (amend.price <= 0) return reject(kPriceInvalid);
  if (amend.quantity <= 0) return reject(kQuantityInvalid);
  if (amount_overflows(amend.price, amend.quantity)) return reject(kAmountOverflow);

  Listing& listing = listings_[index];
  const auto id = static_cast<int64_t>(listing.id.value);
  if (amend.quantity <= listing.filled) {
    const Quantity filled = listing.filled;
    remove(index, RemovalReason::amended_out, ctx);
    return accepted(ctx, {id, filled, 0, static_cast<int64_t>(ListingOutcome::amended_out)});
  }

  // A smaller quantity at the same price keeps the listing's place in its level.
  if (amend.price == listing.price && amend.quantity <= listing.quantity) {
    levels_[listing.level].open -= listing.quantity - amend.quantity;
    listing.quantity = amend.quantity;
    emit_listing(EventType::listing_changed, static_cast<uint16_t>(ChangeReason::amended), listing, ctx);
    return accepted(ctx, {id, listing.filled, listing.open_quantity(), 0});
  }

  unlink(index);
  emit_listing(EventType::listing_removed, static_cast<uint16_t>(RemovalReason::requeued), listing, ctx);
  listing.price = amend.price;
  listing.quantity = amend.quantity;
  listing.priority_seq = ctx.stamp.seq;
  return enter(index, ctx);
}

namespace {

Event broker_event(const Listing& listing, CategoryId category, AccountId broker, BrokerChange change,
                   AccountId previous, const Context& ctx) {
  Event event;
  event.type = EventType::broker_claim;
  event.reason = static_cast<uint16_t>(change);
  event.category = category;
  event.account = broker;
  event.counterparty = listing.owner;
  event.subject = listing.id.value;
  event.price = listing.price;
  event.quantity = listing.open_quantity();
  event.aux = static_cast<int64_t>(previous.value);
  event.seq = ctx.stamp.seq;
  event.time_ns = ctx.stamp.time_ns;
  return event;
}

}  // namespace

Reply Market::apply(const BrokerClaim& claim, const Context& ctx) {
  const uint32_t index = find_open(claim.listing);
  if (index == kNoIndex || expired(listings_[index], ctx.stamp.time_ns)) return reject(kListingNotOpen);
  Listing& listing = listings_[index];
  if (listing.owner == ctx.actor) return reject(kBrokerIsOwner);
  if (listing.broker != kNoAccount) return reject(kListingClaimed);

  listing.broker = ctx.actor;
  const CategoryId category{categories_[listing.slot()]};
  ctx.emit(broker_event(listing, category, ctx.actor, BrokerChange::claimed, kNoAccount, ctx));
  return accepted(ctx, {static_cast<int64_t>(listing.id.value), 0, 0, 0});
}

Reply Market::apply(const BrokerRelease& release, const Context& ctx) {
  const uint32_t index = find_open(release.listing);
  if (index == kNoIndex || expired(listings_[index], ctx.stamp.time_ns)) return reject(kListingNotOpen);
  Listing& listing = listings_[index];
  if (listing.broker != ctx.actor || ctx.actor == kNoAccount) return reject(kBrokerNotOfRecord);

  listing.broker = kNoAccount;
  const CategoryId category{categories_[listing.slot()]};
  ctx.emit(broker_event(listing, category, ctx.actor, BrokerChange::released, ctx.actor, ctx));
  return accepted(ctx, {static_cast<int64_t>(listing.id.value), 0, 0, 0});
}

Reply Market::apply(const BrokerReassign& reassign, const Context& ctx) {
  const uint32_t index = find_open(reassign.listing);
  if (index == kNoIndex || expired(listings_[index], ctx.stamp.time_ns)) return reject(kListingNotOpen);
  Listing& listing = listings_[index];
  if (listing.owner == reassign.broker) return reject(kBrokerIsOwner);

  const AccountId previous = listing.broker;
  listing.broker = reassign.broker;
  const CategoryId category{categories_[listing.slot()]};
  ctx.emit(broker_event(listing, category, reassign.broker, BrokerChange::reassigned, previous, ctx));
  return accepted(ctx, {static_cast<int64_t>(listing.id.value), static_cast<int64_t>(previous.value), 0, 0});
}

}  // namespace jubian::market
