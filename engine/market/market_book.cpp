// Book structure of the market: the listing and level pools, book sides, the id
// indexes and the expiry heap.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {

namespace {

[[noreturn]] void broken(const char* what, uint32_t index) {
  std::fprintf(stderr, "market invariant broken: %s (listing index %u)\n", what, index);
  std::abort();
}

}  // namespace

Market::Market(const MarketConfig& config, std::span<const uint32_t> valid_categories, uint32_t shard_index,
               uint32_t shard_count)
    : config_(config),
      categories_(valid_categories.begin(), valid_categories.end()),
      shard_index_(shard_index),
      shard_count_(shard_count),
      by_id_(config.listings_max),
      by_client_(config.listings_max) {
  std::sort(categories_.begin(), categories_.end());
  categories_.erase(std::unique(categories_.begin(), categories_.end()), categories_.end());
  if (categories_.size() > config.categories_max || categories_.size() >= kCategorySlotsMax)
    throw std::invalid_argument("market: category table larger than categories_max or 65535 entries");
  if (shard_count == 0 || shard_index >= shard_count)
    throw std::invalid_argument("market: shard_index must be below shard_count");
  if (config.trades_per_command_max > kTradesPerCommandMax || config.listings_max == 0)
    throw std::invalid_argument("market: trades_per_command_max above 65535 or listings_max zero");

  if (!categories_.empty() && categories_.back() < kDirectCategoryCodesMax) {
    slot_by_code_.assign(categories_.back() + 1, kNoSlot);
    for (size_t slot = 0; slot < categories_.size(); ++slot) slot_by_code_[categories_[slot]] = static_cast<uint16_t>(slot);
  }
  listings_.resize(config.listings_max);
  levels_.resize(config.listings_max);
  expiry_heap_.reserve(config.listings_max);
  candidates_.reserve(2 * static_cast<size_t>(config.proposals_top_k));
  books_.resize(categories_.size());
  for (size_t slot = 0; slot < books_.size(); ++slot) {
    if (!owns(CategoryId{categories_[slot]})) continue;
    for (BookSide& side : books_[slot].sides) side.levels.reserve(config.levels_reserved_per_side);
  }
  reset();
}

void Market::reset() {
  for (uint32_t i = 0; i < listings_.size(); ++i) {
    listings_[i] = Listing{};
    listings_[i].next = i + 1 < listings_.size() ? i + 1 : kNoIndex;
  }
  free_listing_ = 0;
  for (uint32_t i = 0; i < levels_.size(); ++i) {
    levels_[i] = Level{};
    levels_[i].next_free = i + 1 < levels_.size() ? i + 1 : kNoIndex;
  }
  free_level_ = 0;
  for (Book& book : books_)
    for (BookSide& side : book.sides) side.levels.clear();
  by_id_.clear();
  by_client_.clear();
  expiry_heap_.clear();
  brokers_.clear();
  open_count_ = 0;
}

bool Market::owns(CategoryId category) const {
  return slot_of(category) != kNoIndex && category.value % shard_count_ == shard_index_;
}

std::optional<CategoryId> Market::category_of(ListingId listing) const {
  const uint64_t slot = listing.value & 0xFFFFu;
  if (slot >= categories_.size()) return std::nullopt;
  return CategoryId{categories_[slot]};
}

uint32_t Market::slot_of(CategoryId category) const {
  if (!slot_by_code_.empty()) {
    if (category.value >= slot_by_code_.size() || slot_by_code_[category.value] == kNoSlot) return kNoIndex;
    return slot_by_code_[category.value];
  }
  const auto it = std::lower_bound(categories_.begin(), categories_.end(), category.value);
  if (it == categories_.end() || *it != category.value) return kNoIndex;
  return static_cast<uint32_t>(it - categories_.begin());
}

uint32_t Market::find_open(ListingId listing) const {
  return by_id_.find(listing_id_hash(listing), [&](uint32_t index) { return listings_[index].id == listing; });
}

uint32_t Market::find_client(AccountId owner, ListingId client_id) const {
  return by_client_.find(client_id_hash(owner, client_id), [&](uint32_t index) {
    return listings_[index].owner == owner && listings_[index].client_id == client_id;
  });
}

void Market::prefetch(const ListingAdd& add, AccountId actor) const {
  by_client_.prefetch(client_id_hash(actor, add.client_listing_id));
}

void Market::prefetch(const ListingCancel& cancel) const { by_id_.prefetch(listing_id_hash(cancel.listing)); }

const Listing* Market::find(ListingId listing) const {
  const uint32_t index = find_open(listing);
  return index == kNoIndex ? nullptr : &listings_[index];
}

Market::BookSide& Market::side_of(uint32_t slot, Firmness firmness, Side side) {
  const size_t position = (firmness == Firmness::firm ? 0 : 2) + (side == Side::supply ? 0 : 1);
  return books_[slot].sides[position];
}

const Market::BookSide& Market::side_of(uint32_t slot, Firmness firmness, Side side) const {
  return const_cast<Market*>(this)->side_of(slot, firmness, side);
}

uint32_t Market::allocate_listing() {
  const uint32_t index = free_listing_;
  if (index == kNoIndex) return kNoIndex;
  free_listing_ = listings_[index].next;
  listings_[index] = Listing{};
  return index;
}

void Market::release_listing(uint32_t index) {
  Listing& listing = listings_[index];
  listing.open = false;
  listing.next = free_listing_;
  free_listing_ = index;
}

// Returns the level of this price on the side, creating it in sorted position if needed.
uint32_t Market::level_for(BookSide& side, Side listing_side, PriceFen price) {
  const int64_t key = price_key(listing_side, price);
  auto it = std::lower_bound(side.levels.begin(), side.levels.end(), key,
                             [](const LevelRef& ref, int64_t k) { return ref.key > k; });
  if (it != side.levels.end() && it->key == key) return it->level;

  const uint32_t level = free_level_;
  if (level == kNoIndex) broken("level pool exhausted", 0);  // never more levels than listings
  free_level_ = levels_[level].next_free;
  levels_[level] = Level{};
  levels_[level].price = price;
  side.levels.insert(it, LevelRef{key, level});
  return level;
}

void Market::drop_level(BookSide& side, Side listing_side, PriceFen price) {
  const int64_t key = price_key(listing_side, price);
  auto it = std::lower_bound(side.levels.begin(), side.levels.end(), key,
                             [](const LevelRef& ref, int64_t k) { return ref.key > k; });
  if (it == side.levels.end() || it->key != key) broken("level missing from its book side", 0);

  const uint32_t level = it->level;
  side.levels.erase(it);
  levels_[level].next_free = free_level_;
  free_level_ = level;
}

// Appends the listing to its level's FIFO and indexes it.
void Market::rest(uint32_t index, const Context& ctx, bool emit_event) {
  Listing& listing = listings_[index];
  BookSide& side = side_of(listing.slot(), listing.firmness, listing.side);
  const uint32_t level_index = level_for(side, listing.side, listing.price);
  Level& level = levels_[level_index];

  listing.level = level_index;
  listing.prev = level.tail;
  listing.next = kNoIndex;
  if (level.tail == kNoIndex) level.head = index;
  else listings_[level.tail].next = index;
  level.tail = index;
  level.count += 1;
  level.open += listing.open_quantity();

  listing.open = true;
  open_count_ += 1;
  by_id_.insert(listing_id_hash(listing.id), index);
  by_client_.insert(client_id_hash(listing.owner, listing.client_id), index);
  if (listing.expiry_ns != 0) heap_push(index);
  if (emit_event) emit_listing(EventType::listing_added, 0, listing, ctx);
}

// Takes an open listing off its level and out of the indexes; the slot stays allocated.
void Market::unlink(uint32_t index) {
  Listing& listing = listings_[index];
  if (!listing.open) broken("unlinking a listing that is not open", index);
  Level& level = levels_[listing.level];

  if (listing.prev == kNoIndex) level.head = listing.next;
  else listings_[listing.prev].next = listing.next;
  if (listing.next == kNoIndex) level.tail = listing.prev;
  else listings_[listing.next].prev = listing.prev;
  level.count -= 1;
  level.open -= listing.open_quantity();
  if (level.count == 0) drop_level(side_of(listing.slot(), listing.firmness, listing.side), listing.side, listing.price);

  by_id_.erase(listing_id_hash(listing.id), index);
  by_client_.erase(client_id_hash(listing.owner, listing.client_id), index);
  if (listing.heap_slot != kNoIndex) heap_erase(index);
  listing.open = false;
  listing.level = kNoIndex;
  open_count_ -= 1;
}

void Market::remove(uint32_t index, RemovalReason reason, const Context& ctx) {
  unlink(index);
  emit_listing(EventType::listing_removed, static_cast<uint16_t>(reason), listings_[index], ctx);
  release_listing(index);
}

// Listing events: subject is the listing id, quantity its open quantity, aux its side.
void Market::emit_listing(EventType type, uint16_t reason, const Listing& listing, const Context& ctx) const {
  if (ctx.events == nullptr) return;
  Event& event = ctx.events->emplace_back();  // written in place, see Market::fill
  event.type = type;
  event.reason = reason;
  event.category = CategoryId{categories_[listing.slot()]};
  event.account = listing.owner;
  event.counterparty = listing.broker;
  event.subject = listing.id.value;
  event.price = listing.price;
  event.quantity = type == EventType::listing_removed ? 0 : listing.open_quantity();
  event.aux = static_cast<int64_t>(listing.side);
  event.seq = ctx.stamp.seq;
  event.time_ns = ctx.stamp.time_ns;
}

bool Market::heap_less(uint32_t a, uint32_t b) const {
  const Listing& x = listings_[a];
  const Listing& y = listings_[b];
  return x.expiry_ns != y.expiry_ns ? x.expiry_ns < y.expiry_ns : x.id < y.id;
}

void Market::heap_push(uint32_t index) {
  expiry_heap_.push_back(index);
  listings_[index].heap_slot = static_cast<uint32_t>(expiry_heap_.size() - 1);
  heap_sift_up(listings_[index].heap_slot);
}

void Market::heap_erase(uint32_t index) {
  const uint32_t position = listings_[index].heap_slot;
  const uint32_t last = expiry_heap_.back();
  expiry_heap_.pop_back();
  listings_[index].heap_slot = kNoIndex;
  if (last == index) return;

  expiry_heap_[position] = last;
  listings_[last].heap_slot = position;
  heap_sift_up(position);
  heap_sift_down(listings_[last].heap_slot);
}

void Market::heap_sift_up(uint32_t position) {
  while (position > 0) {
    const uint32_t parent = (position - 1) / 2;
    if (!heap_less(expiry_heap_[position], expiry_heap_[parent])) return;
    std::swap(expiry_heap_[position], expiry_heap_[parent]);
    listings_[expiry_heap_[position]].heap_slot = position;
    listings_[expiry_heap_[parent]].heap_slot = parent;
    position = parent;
  }
}

void Market::heap_sift_down(uint32_t position) {
  const uint32_t size = static_cast<uint32_t>(expiry_heap_.size());
  for (;;) {
    uint32_t smallest = position;
    const uint32_t left = 2 * position + 1;
    const uint32_t right = left + 1;
    if (left < size && heap_less(expiry_heap_[left], expiry_heap_[smallest])) smallest = left;
    if (right < size && heap_less(expiry_heap_[right], expiry_heap_[smallest])) smallest = right;
    if (smallest == position) return;
    std::swap(expiry_heap_[position], expiry_heap_[smallest]);
    listings_[expiry_heap_[position]].heap_slot = position;
    listings_[expiry_heap_[smallest]].heap_slot = smallest;
    position = smallest;
  }
}

void Market::on_tick(const Context& ctx) {
  while (!expiry_heap_.empty() && listings_[expiry_heap_.front()].expiry_ns <= ctx.stamp.time_ns)
    remove(expiry_heap_.front(), RemovalReason::expired, ctx);
}

}  // namespace jubian::market
