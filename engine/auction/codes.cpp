#include "engine/auction/codes.hpp"

namespace jubian::auction {

std::string_view code_name(ResultCode code) {
  switch (code_number(code)) {
    case 300: return "lot_not_found";
    case 301: return "lot_exists";
    case 302: return "lots_full";
    case 303: return "format_invalid";
    case 304: return "mode_invalid";
    case 305: return "quantity_invalid";
    case 306: return "price_invalid";
    case 307: return "increment_invalid";
    case 308: return "reserve_out_of_order";
    case 309: return "cap_out_of_order";
    case 310: return "time_out_of_order";
    case 311: return "amount_overflow";
    case 312: return "lot_not_open";
    case 313: return "lot_closed";
    case 314: return "bidder_not_qualified";
    case 315: return "seller_cannot_bid";
    case 316: return "bid_below_start";
    case 317: return "bid_off_grid";
    case 318: return "bid_too_low";
    case 319: return "bid_above_cap";
    case 320: return "proxy_invalid";
    case 321: return "bids_full";
    case 322: return "already_entered";
    case 323: return "intent_missing";
    case 324: return "already_qualified";
    case 325: return "qualifications_full";
    case 326: return "not_lot_owner";
    case 327: return "inquiry_still_open";
    case 328: return "quote_not_found";
    case 329: return "not_in_notice";
    case 330: return "not_suspended";
    case 331: return "resolution_invalid";
    case 332: return "party_invalid";
    default: return "unknown";
  }
}

}  // namespace jubian::auction
