#pragma once
// Result codes of the auction subsystem, numbers 300-399. Numbers are stable once released.
// Every command that returns one of these has left the auction state unchanged.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::auction {

// Lots, inquiries and agreements (they share one id space).
inline constexpr ResultCode lot_not_found{300};          // no lot, inquiry or agreement with this id
inline constexpr ResultCode lot_exists{301};             // the id is already taken
inline constexpr ResultCode lots_full{302};              // AuctionConfig::lots_max reached
inline constexpr ResultCode format_invalid{303};         // unknown format, or a command the lot's format does not take
inline constexpr ResultCode mode_invalid{304};           // mode is not exactly one ModeBits value
inline constexpr ResultCode quantity_invalid{305};       // zero or negative quantity
inline constexpr ResultCode price_invalid{306};          // zero or negative start price, quote or agreed price
inline constexpr ResultCode increment_invalid{307};      // zero or negative increment or Dutch step
inline constexpr ResultCode reserve_out_of_order{308};   // negative reserve, reserve above the cap, or a Dutch floor out of range
inline constexpr ResultCode cap_out_of_order{309};       // cap below the start, below the reserve, or off the increment grid
inline constexpr ResultCode time_out_of_order{310};      // an end at or before its start or the current time, or a negative duration
inline constexpr ResultCode amount_overflow{311};        // price * quantity does not fit in int64 fen

// Bids, intents and quotes.
inline constexpr ResultCode lot_not_open{312};           // stamped before the lot opens, or in a phase that takes no bids
inline constexpr ResultCode lot_closed{313};             // stamped at or after the end, or the lot has a result
inline constexpr ResultCode bidder_not_qualified{314};   // the operator has not confirmed this bidder's deposit
inline constexpr ResultCode seller_cannot_bid{315};      // the lot's own seller (or an inquiry's own buyer) acting on it
inline constexpr ResultCode bid_below_start{316};        // below the start price
inline constexpr ResultCode bid_off_grid{317};           // not the start price plus a whole multiple of the increment
inline constexpr ResultCode bid_too_low{318};            // does not beat the current high
inline constexpr ResultCode bid_above_cap{319};          // price or proxy maximum above the cap
inline constexpr ResultCode proxy_invalid{320};          // proxy maximum below the bid or off the grid
inline constexpr ResultCode bids_full{321};              // AuctionConfig::bids_per_lot_max reached for this lot
inline constexpr ResultCode already_entered{322};        // second sealed bid or second intent from one account
inline constexpr ResultCode intent_missing{323};         // bidder in a listing's auction without a qualified intent
inline constexpr ResultCode already_qualified{324};      // lot_qualify repeated for the same bidder
inline constexpr ResultCode qualifications_full{325};    // AuctionConfig::qualifications_max reached

// Inquiries and agreements.
inline constexpr ResultCode not_lot_owner{326};          // only the inquiry's buyer may accept or close it
inline constexpr ResultCode inquiry_still_open{327};     // acceptance before the deadline, while quotes may change
inline constexpr ResultCode quote_not_found{328};        // the accepted seller has no quote
inline constexpr ResultCode not_in_notice{329};          // objection outside the agreement's notice period
inline constexpr ResultCode not_suspended{330};          // resolution of an agreement that has no objection
inline constexpr ResultCode resolution_invalid{331};     // resolution neither uphold nor dismiss
inline constexpr ResultCode party_invalid{332};          // agreement buyer missing or equal to the seller

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::auction
