#pragma once
// Commands of the auction subsystem. Type numbers 0x0300-0x03FF; see engine/core/command.hpp
// for what a command struct must declare. Lots, inquiries and agreements share one id
// space (LotId), and every one of them is routed by Event::lot.
//
// Times are sequenced nanoseconds (engine/common/types.hpp). A duration field of 0 takes
// the default named beside it. Each command documents its Reply::values.

#include <string_view>
#include <tuple>

#include "engine/common/context.hpp"
#include "engine/common/types.hpp"

namespace jubian::auction {

enum class LotFormat : uint8_t {
  english = 1,        // ascending, increment grid, optional cap, free then timed phase, proxy bids
  dutch = 2,          // descending clock, where the first acceptance wins at the clock price
  sealed_first = 3,   // sealed bids, the highest pays its own bid
  sealed_second = 4,  // sealed bids, the highest pays the second price (Vickrey)
  listing = 5,        // listing transaction: notice period, intents, then a deal or an English auction
  inquiry = 6,        // request for quotes (created by InquiryCreate only)
  agreement = 7,      // deal priced by agreement under public notice (created by AgreementPublish only)
};

enum class Resolution : uint8_t { uphold = 1, dismiss = 2 };

inline constexpr TimeNs kDefaultCountdownNs = 5LL * 60 * 1'000'000'000;
inline constexpr TimeNs kDefaultNoticeNs = 15LL * 86'400 * 1'000'000'000;

// Opens a lot, with the actor as its seller. The fields each format reads:
//   english  start_price, reserve_price (hidden, 0 = none), increment, cap_price (0 = none),
//            start_ns, end_ns = end of free bidding (>= start_ns), countdown_ns of the timed phase
//   dutch    start_price, dutch_step, dutch_interval_ns, dutch_floor (reserve_price <= floor),
//            start_ns, end_ns = close without a sale
//   sealed_* start_price = minimum bid, increment grid, reserve_price, start_ns, end_ns = close
//   listing  start_price = listing price, start_ns, notice_ns. The auction that follows two
//            or more qualified intents uses increment, cap_price, auction_free_ns, countdown_ns
// values[0] = the exclusive end of the current window (ns).
struct LotCreate {
  static constexpr uint16_t kType = 0x0300;
  static constexpr std::string_view kName = "lot_create";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  LotFormat format = LotFormat::english;
  CategoryId category;
  uint8_t mode = 0;  // one ModeBits value
  Quantity quantity = 0;
  PriceFen start_price = 0;
  PriceFen reserve_price = 0;
  PriceFen increment = 0;
  PriceFen cap_price = 0;
  TimeNs start_ns = 0;
  TimeNs end_ns = 0;
  TimeNs countdown_ns = 0;       // 0: kDefaultCountdownNs
  PriceFen dutch_step = 0;
  TimeNs dutch_interval_ns = 0;
  PriceFen dutch_floor = 0;
  TimeNs notice_ns = 0;          // 0: kDefaultNoticeNs
  TimeNs auction_free_ns = 0;    // listing only: free phase of the follow-on auction
  AccountId seller_broker;       // 0 when no broker brought the seller

  template <class V>
  void visit(V& v) {
    v("lot", lot); v("format", format); v("category", category); v("mode", mode); v("quantity", quantity);
    v("start_price", start_price); v("reserve_price", reserve_price); v("increment", increment);
    v("cap_price", cap_price); v("start_ns", start_ns); v("end_ns", end_ns); v("countdown_ns", countdown_ns);
    v("dutch_step", dutch_step); v("dutch_interval_ns", dutch_interval_ns); v("dutch_floor", dutch_floor);
    v("notice_ns", notice_ns); v("auction_free_ns", auction_free_ns); v("seller_broker", seller_broker);
  }
};

// Operator: the bidder's deposit is confirmed, so it may bid on (or hold an intent in) the lot.
struct LotQualify {
  static constexpr uint16_t kType = 0x0301;
  static constexpr std::string_view kName = "lot_qualify";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  LotId lot;
  AccountId bidder;

  template <class V>
  void visit(V& v) { v("lot", lot); v("bidder", bidder); }
};

// Places an English bid for the actor. proxy_max (0 = none) lets the engine raise the
// bid by the increment against competitors up to that price.
// values = {current high, 1 if the bidder leads, countdown end ns, accepted bids}.
struct Bid {
  static constexpr uint16_t kType = 0x0302;
  static constexpr std::string_view kName = "bid";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  PriceFen price = 0;
  PriceFen proxy_max = 0;

  template <class V>
  void visit(V& v) { v("lot", lot); v("price", price); v("proxy_max", proxy_max); }
};

// Accepts a Dutch clock at its current price. values = {price, trade id}.
struct DutchAccept {
  static constexpr uint16_t kType = 0x0303;
  static constexpr std::string_view kName = "dutch_accept";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;

  template <class V>
  void visit(V& v) { v("lot", lot); }
};

// One sealed bid per bidder, hidden until the close. values = {sealed bids received}.
struct SealedBid {
  static constexpr uint16_t kType = 0x0304;
  static constexpr std::string_view kName = "sealed_bid";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  PriceFen price = 0;

  template <class V>
  void visit(V& v) { v("lot", lot); v("price", price); }
};

// Registers the actor's intent to buy a listing during its notice period. values = {intents}.
struct ListingIntent {
  static constexpr uint16_t kType = 0x0305;
  static constexpr std::string_view kName = "listing_intent";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;

  template <class V>
  void visit(V& v) { v("lot", lot); }
};

// Opens a request for quotes, with the actor as its buyer. Quotes are taken until deadline_ns
// (exclusive). values[0] = deadline_ns.
struct InquiryCreate {
  static constexpr uint16_t kType = 0x0306;
  static constexpr std::string_view kName = "inquiry_create";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  CategoryId category;
  uint8_t mode = 0;
  Quantity quantity = 0;
  TimeNs deadline_ns = 0;

  template <class V>
  void visit(V& v) { v("lot", lot); v("category", category); v("mode", mode); v("quantity", quantity); v("deadline_ns", deadline_ns); }
};

// Quotes a per-unit price for the actor as seller. A second quote before the deadline
// replaces the first. values = {quotes received}.
struct InquiryQuote {
  static constexpr uint16_t kType = 0x0307;
  static constexpr std::string_view kName = "inquiry_quote";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  PriceFen price = 0;

  template <class V>
  void visit(V& v) { v("lot", lot); v("price", price); }
};

// The inquiry's buyer accepts one seller's quote, at or after the deadline.
// values = {price, trade id}.
struct InquiryAccept {
  static constexpr uint16_t kType = 0x0308;
  static constexpr std::string_view kName = "inquiry_accept";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  AccountId seller;

  template <class V>
  void visit(V& v) { v("lot", lot); v("seller", seller); }
};

// The inquiry's buyer accepts none of the quotes (at any time before it has a result).
struct InquiryClose {
  static constexpr uint16_t kType = 0x0309;
  static constexpr std::string_view kName = "inquiry_close";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;

  template <class V>
  void visit(V& v) { v("lot", lot); }
};

// Publishes a deal priced by agreement, with the actor as its seller. It becomes final when
// the notice period ends without an unresolved objection. values[0] = notice end ns.
struct AgreementPublish {
  static constexpr uint16_t kType = 0x030A;
  static constexpr std::string_view kName = "agreement_publish";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;
  AccountId buyer;
  CategoryId category;
  uint8_t mode = 0;
  Quantity quantity = 0;
  PriceFen price = 0;
  TimeNs notice_ns = 0;  // 0: kDefaultNoticeNs

  template <class V>
  void visit(V& v) {
    v("lot", lot); v("buyer", buyer); v("category", category); v("mode", mode); v("quantity", quantity);
    v("price", price); v("notice_ns", notice_ns);
  }
};

// Objects to a published agreement during its notice period, which suspends it.
// values = {objections recorded}.
struct AgreementObject {
  static constexpr uint16_t kType = 0x030B;
  static constexpr std::string_view kName = "agreement_object";
  static constexpr Access kAccess = Access::trader;
  static constexpr bool kJournaled = true;

  LotId lot;

  template <class V>
  void visit(V& v) { v("lot", lot); }
};

// Operator: upholds the objection (the deal is cancelled) or dismisses it (the notice
// resumes until its original end, or the deal becomes final at once if that has passed).
struct AgreementResolve {
  static constexpr uint16_t kType = 0x030C;
  static constexpr std::string_view kName = "agreement_resolve";
  static constexpr Access kAccess = Access::admin;
  static constexpr bool kJournaled = true;

  LotId lot;
  Resolution resolution = Resolution::dismiss;

  template <class V>
  void visit(V& v) { v("lot", lot); v("resolution", resolution); }
};

// Query: writes the lot's public state as JSON to *ctx.detail (phase, current price,
// masked leader, countdown end, result). values = {phase, current price, window end ns, bids}.
struct LotStatus {
  static constexpr uint16_t kType = 0x030D;
  static constexpr std::string_view kName = "lot_status";
  static constexpr Access kAccess = Access::market_data;
  static constexpr bool kJournaled = false;

  LotId lot;

  template <class V>
  void visit(V& v) { v("lot", lot); }
};

using Commands = std::tuple<LotCreate, LotQualify, Bid, DutchAccept, SealedBid, ListingIntent, InquiryCreate,
                            InquiryQuote, InquiryAccept, InquiryClose, AgreementPublish, AgreementObject,
                            AgreementResolve, LotStatus>;

}  // namespace jubian::auction
