#pragma once
// The compatibility rules shared by matching and proposals.

#include "engine/market/market.hpp"

namespace jubian::market {

inline Side opposite(Side side) { return side == Side::supply ? Side::demand : Side::supply; }

// The sort key of a price on a book side: ascending keys run from the best price to the worst.
inline int64_t price_key(Side side, PriceFen price) { return side == Side::supply ? price : -price; }

inline bool expired(const Listing& listing, TimeNs now) { return listing.expiry_ns != 0 && listing.expiry_ns <= now; }

// True when the technology constraints of a supply and a demand listing allow a deal:
// the modes intersect, the supply is at least as mature as the demand's minimum, and the
// supply has every tag the demand requires. Price and owners are checked by the caller.
inline bool constraints_allow(const Listing& a, const Listing& b) {
  const Listing& supply = a.side == Side::supply ? a : b;
  const Listing& demand = a.side == Side::supply ? b : a;
  if ((supply.modes & demand.modes) == 0) return false;
  if (supply.maturity < demand.maturity) return false;
  uint64_t missing = 0;
  for (size_t word = 0; word < supply.tags.size(); ++word) missing |= demand.tags[word] & ~supply.tags[word];
  return missing == 0;
}

// The mode of a trade: the lowest bit of the intersection (transfer before license before equity).
inline uint8_t trade_mode(const Listing& a, const Listing& b) {
  const auto common = static_cast<uint8_t>(a.modes & b.modes);
  return static_cast<uint8_t>(common & -common);
}

}  // namespace jubian::market
