#pragma once
// Commands of the market subsystem. Type numbers 0x0200-0x02FF; see engine/core/command.hpp
// for what a command struct must declare. engine/market/README.md describes the replies.

#include <array>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"

namespace jubian::market {

enum class Side : uint8_t { supply = 1, demand = 2 };
enum class Firmness : uint8_t { firm = 1, indicative = 2 };
enum class TimeInForce : uint8_t { good_till_expiry = 1, immediate_or_cancel = 2 };

// Technology tags as a 256-bit set. On a demand listing the set names the tags the
// supply must have.
using TagSet = std::array<uint64_t, 4>;

// Adds a supply or demand listing for the actor (its owner) and matches it at once.
// Reply values: listing id, filled quantity, open (resting) quantity, ListingOutcome.
struct ListingAdd {
  static constexpr uint16_t kType = 0x0201;
  static constexpr std::string_view kName = "listing_add";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  ListingId client_listing_id;  // chosen by the owner; unique among the owner's open listings
  Side side = Side::supply;
  AccountId broker;             // broker of record, 0 for none
  CategoryId category;
  TagSet tags{};
  uint8_t maturity = 1;         // TRL 1-9: the supply's maturity, or the demand's minimum
  uint8_t modes = 0;            // ModeBits accepted
  PriceFen price = 0;           // supply: ask per unit; demand: budget per unit
  Quantity quantity = 0;
  TimeNs expiry_ns = 0;         // 0: no expiry; otherwise after the command's time
  Firmness firmness = Firmness::firm;
  TimeInForce time_in_force = TimeInForce::good_till_expiry;

  template <class V>
  void visit(V& v) {
    v("client_listing_id", client_listing_id); v("side", side); v("broker", broker); v("category", category);
    v("tags", tags); v("maturity", maturity); v("modes", modes); v("price", price); v("quantity", quantity);
    v("expiry_ns", expiry_ns); v("firmness", firmness); v("time_in_force", time_in_force);
  }
};

// Cancels the open part of one of the actor's listings. Reply values: listing id, filled quantity.
struct ListingCancel {
  static constexpr uint16_t kType = 0x0202;
  static constexpr std::string_view kName = "listing_cancel";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  ListingId listing;

  template <class V>
  void visit(V& v) { v("listing", listing); }
};

// Changes price and total quantity (filled part included) of one of the actor's listings.
// A smaller quantity at the same price keeps time priority. A new price or a larger
// quantity loses it, and the listing matches again as if new. A quantity at or below the
// filled amount cancels the rest. Reply values as ListingAdd.
struct ListingAmend {
  static constexpr uint16_t kType = 0x0203;
  static constexpr std::string_view kName = "listing_amend";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  ListingId listing;
  PriceFen price = 0;
  Quantity quantity = 0;

  template <class V>
  void visit(V& v) { v("listing", listing); v("price", price); v("quantity", quantity); }
};

// Makes the actor the broker of record of an open listing that has none.
struct BrokerClaim {
  static constexpr uint16_t kType = 0x0204;
  static constexpr std::string_view kName = "broker_claim";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  ListingId listing;

  template <class V>
  void visit(V& v) { v("listing", listing); }
};

// Gives up the actor's claim on a listing.
struct BrokerRelease {
  static constexpr uint16_t kType = 0x0205;
  static constexpr std::string_view kName = "broker_release";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  ListingId listing;

  template <class V>
  void visit(V& v) { v("listing", listing); }
};

// Operator command: sets the broker of record of an open listing (0 clears it).
struct BrokerReassign {
  static constexpr uint16_t kType = 0x0206;
  static constexpr std::string_view kName = "broker_reassign";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  ListingId listing;
  AccountId broker;

  template <class V>
  void visit(V& v) { v("listing", listing); v("broker", broker); }
};

// Best firm price levels of one category, as JSON in Context::detail.
struct BookQuery {
  static constexpr uint16_t kType = 0x0207;
  static constexpr std::string_view kName = "book_query";
  static constexpr Access kAccess = Access::market_data;
  static constexpr bool kJournaled = false;

  CategoryId category;
  uint32_t depth = 10;  // price levels per side, 1..kBookDepthMax

  template <class V>
  void visit(V& v) { v("category", category); v("depth", depth); }
};

// The actor's open broker claims and the trades it brokered, as JSON in Context::detail.
struct BrokerReport {
  static constexpr uint16_t kType = 0x0208;
  static constexpr std::string_view kName = "broker_report";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = false;

  template <class V>
  void visit(V&) {}
};

using Commands = std::tuple<ListingAdd, ListingCancel, ListingAmend, BrokerClaim, BrokerRelease, BrokerReassign,
                            BookQuery, BrokerReport>;

}  // namespace jubian::market
