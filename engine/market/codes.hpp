#pragma once
// Result codes of the market subsystem, numbers 200-299. Numbers are stable once released.
// A command rejected with one of them leaves every book unchanged.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::market {

inline constexpr ResultCode kCategoryUnknown{200};      // category not in the category table
inline constexpr ResultCode kPriceInvalid{201};         // price zero or negative
inline constexpr ResultCode kQuantityInvalid{202};      // quantity zero or negative
inline constexpr ResultCode kAmountOverflow{203};       // price * quantity does not fit in int64 fen
inline constexpr ResultCode kModesInvalid{204};         // empty mode set or bits outside ModeBits
inline constexpr ResultCode kMaturityInvalid{205};      // maturity outside TRL 1-9
inline constexpr ResultCode kSideInvalid{206};          // side neither supply nor demand
inline constexpr ResultCode kFirmnessInvalid{207};      // firmness neither firm nor indicative
inline constexpr ResultCode kTimeInForceInvalid{208};   // unknown time in force, or an indicative IOC listing
inline constexpr ResultCode kExpiryInvalid{209};        // expiry at or before the command's time
inline constexpr ResultCode kListingDuplicate{210};     // the owner already has an open listing with this client id
inline constexpr ResultCode kListingNotOpen{211};       // unknown listing, or already filled, cancelled or expired
inline constexpr ResultCode kListingNotOwner{212};      // the actor does not own the listing
inline constexpr ResultCode kListingClaimed{213};       // the listing already has a broker of record
inline constexpr ResultCode kBrokerNotOfRecord{214};    // the actor is not the listing's broker of record
inline constexpr ResultCode kBrokerIsOwner{215};        // a listing's owner cannot be its broker
inline constexpr ResultCode kBookFull{216};             // the listing pool (listings_max) is exhausted
inline constexpr ResultCode kCategoryNotOwned{217};     // the category belongs to another market shard
inline constexpr ResultCode kDepthInvalid{218};         // book query depth outside 1..kBookDepthMax

// The stable name of one of this subsystem's codes, or "unknown".
std::string_view code_name(ResultCode code);

}  // namespace jubian::market
