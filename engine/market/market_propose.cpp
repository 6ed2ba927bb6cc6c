// Proposals. A resting indicative listing is shown its top K compatible counterparties
// on the other side, firm or indicative. A resting firm listing is shown to the other
// side's compatible indicative listings. Proposals never trade.

#include <algorithm>

#include "engine/market/market.hpp"
#include "engine/market/match_rules.hpp"

namespace jubian::market {

void Market::propose(uint32_t index, const Context& ctx) {
  const Listing& incoming = listings_[index];
  const Side other = opposite(incoming.side);
  const BookSide& other_indicative = side_of(incoming.slot(), Firmness::indicative, other);
  const bool indicative = incoming.firmness == Firmness::indicative;
  if (!indicative && other_indicative.levels.empty()) return;

  candidates_.clear();
  if (indicative) collect(incoming, side_of(incoming.slot(), Firmness::firm, other), ctx.stamp.time_ns, candidates_);
  collect(incoming, other_indicative, ctx.stamp.time_ns, candidates_);

  // Best price first, then earliest; priority_seq is unique within a shard.
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return a.key != b.key ? a.key < b.key : a.priority_seq < b.priority_seq;
  });
  const size_t count = std::min<size_t>(candidates_.size(), config_.proposals_top_k);
  for (size_t rank = 0; rank < count; ++rank)
    emit_proposal(incoming, listings_[candidates_[rank].index], static_cast<uint16_t>(rank + 1), ctx);
}

// Appends up to proposals_top_k compatible listings of one book side, best first.
void Market::collect(const Listing& incoming, const BookSide& side, TimeNs now, std::vector<Candidate>& out) const {
  const int64_t limit = price_key(opposite(incoming.side), incoming.price);
  uint32_t found = 0;
  for (size_t position = side.levels.size(); position-- > 0;) {
    const LevelRef& ref = side.levels[position];
    if (ref.key > limit) return;
    for (uint32_t index = levels_[ref.level].head; index != kNoIndex; index = listings_[index].next) {
      const Listing& other = listings_[index];
      if (expired(other, now) || other.owner == incoming.owner || !constraints_allow(incoming, other)) continue;
      out.push_back(Candidate{ref.key, other.priority_seq, index});
      if (++found == config_.proposals_top_k) return;
    }
  }
}

// Sends one proposal to both owners and to each side's broker of record. For each
// recipient, subject is its own listing, aux the other listing and counterparty the
// other owner. Price is the price a trade would take (the resting listing's), quantity
// the smaller open quantity, and reason the rank from 1.
void Market::emit_proposal(const Listing& incoming, const Listing& other, uint16_t rank, const Context& ctx) const {
  if (ctx.events == nullptr) return;
  Event event;
  event.type = EventType::proposal;
  event.reason = rank;
  event.category = CategoryId{categories_[incoming.slot()]};
  event.price = other.price;
  event.quantity = std::min(incoming.open_quantity(), other.open_quantity());
  event.seq = ctx.stamp.seq;
  event.time_ns = ctx.stamp.time_ns;

  const auto send = [&](AccountId to, const Listing& mine, const Listing& theirs) {
    event.account = to;
    event.counterparty = theirs.owner;
    event.subject = mine.id.value;
    event.aux = static_cast<int64_t>(theirs.id.value);
    ctx.emit(event);
  };
  send(incoming.owner, incoming, other);
  if (incoming.broker != kNoAccount) send(incoming.broker, incoming, other);
  send(other.owner, other, incoming);
  if (other.broker != kNoAccount) send(other.broker, other, incoming);
}

}  // namespace jubian::market
